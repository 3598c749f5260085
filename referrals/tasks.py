"""Background jobs of the referrals app. Thin: each takes ids and calls a service."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    time_limit=60,
    soft_time_limit=50,
    # A mail server down or refusing for a moment (SMTP errors are OSErrors): try again later.
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def referral_notify_link_worker_task(*, referral_id: int) -> bool:
    """Tell the named link worker about a new referral. The service claims the referral with a
    conditional update, so a retry or a second delivery sends no second email."""
    from .services.intake import referral_notify_link_worker

    return referral_notify_link_worker(referral_id=referral_id)


@shared_task(time_limit=60, soft_time_limit=50, autoretry_for=(OSError,), max_retries=3)
def feedback_notice_send_task(*, feedback_id: int) -> bool:
    """Tell a referrer that feedback is waiting. Sending twice only repeats a notice that names
    no one, so a retry after a half-finished run does no harm."""
    from .services.feedback import feedback_notice_send

    return feedback_notice_send(feedback_id=feedback_id)


# No automatic retry: a retry after Notify accepted a message but before its answer arrived
# would send it twice. A failed message is shown on the person's page, to be sent again.
@shared_task(time_limit=60, soft_time_limit=50)
def message_send_task(*, message_id: int) -> str:
    """Send one recorded message to a person. The service claims it first, so a second
    delivery of this job sends nothing."""
    from .services.messages import message_deliver

    return message_deliver(message_id=message_id)


@shared_task(time_limit=30 * 60, soft_time_limit=25 * 60)
def appointment_reminders_send_task() -> int:
    """The reminder the day before each appointment (once per appointment)."""
    from .services.messages import appointment_reminders_send

    return appointment_reminders_send()

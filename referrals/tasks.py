"""Background jobs of the referrals app. Thin: each takes ids and calls a service."""

from __future__ import annotations

from celery import shared_task


@shared_task(time_limit=60, soft_time_limit=50, autoretry_for=(OSError,), max_retries=3)
def feedback_notice_send_task(*, feedback_id: int) -> bool:
    """Tell a referrer that feedback is waiting. Sending twice only repeats a notice that names
    no one, so a retry after a half-finished run does no harm."""
    from .services.casework import feedback_notice_send

    return feedback_notice_send(feedback_id=feedback_id)


from .tasks_intake import *  # noqa: E402, F403

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(time_limit=30, soft_time_limit=25)
def ping(*, user_count_hint: bool = False) -> dict[str, object]:
    """A round-trip check for the worker: answers with the number of users it can see."""
    from .models import User

    return {"pong": True, "users": User.objects.count() if user_count_hint else None}


@shared_task(bind=True, time_limit=60, soft_time_limit=45, max_retries=None)
def webhook_deliver_task(self: Any, *, subscription_id: int, payload: dict[str, Any]) -> str:
    """One attempt to post an event; a failed one is retried by Celery with exponential
    backoff (socialrx.webhooks.retry_delay), WEBHOOK_MAX_ATTEMPTS in all."""
    from django.conf import settings

    from .webhooks import webhook_deliver

    # Without a broker (a laptop demo, unit tests) the task runs inside the web request that
    # made the change: one attempt, no waiting for retries there.
    in_process = bool(self.request.is_eager and settings.CELERY_TASK_ALWAYS_EAGER)
    result = webhook_deliver(
        subscription_id=subscription_id,
        payload=payload,
        attempt=self.request.retries + 1,
        final=in_process,
    )
    if result.retry_in is not None:
        raise self.retry(countdown=result.retry_in)
    return result.outcome or "skipped"


@shared_task(time_limit=600, soft_time_limit=540)
def webhook_deliveries_prune_task() -> int:
    """Nightly: the webhook delivery log keeps WEBHOOK_LOG_DAYS days."""
    from .webhooks import webhook_deliveries_prune

    return webhook_deliveries_prune()

from __future__ import annotations

from celery import shared_task


@shared_task(time_limit=30, soft_time_limit=25)
def ping(*, user_count_hint: bool = False) -> dict[str, object]:
    """A round-trip check for the worker: answers with the number of users it can see."""
    from .models import User

    return {"pong": True, "users": User.objects.count() if user_count_hint else None}

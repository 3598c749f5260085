from __future__ import annotations

from celery import shared_task

from . import services
from .periods import parse_month


@shared_task(
    acks_late=True, reject_on_worker_lost=True, time_limit=30 * 60, soft_time_limit=25 * 60
)
def capacity_snapshot_task(month: str | None = None) -> list[str]:
    """Nightly: this month's and last month's capacity rows; or one month (``YYYY-MM``).
    Safe to run twice: each month's rows are replaced in one transaction."""
    if month:
        services.capacity_snapshot(month=parse_month(month))
        return [month]
    return [f"{m:%Y-%m}" for m in services.capacity_refresh()]

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(time_limit=30 * 60, soft_time_limit=25 * 60)
def send_listing_reminders() -> int:
    """Daily: remind keepers of listings not confirmed for 60 and 90 days (idempotent)."""
    return services.listing_reminders_send()

"""Celery tasks of the privacy app: thin wrappers around a service."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from privacy.services.retention import retention_apply


@shared_task(time_limit=60 * 60, soft_time_limit=55 * 60)
def retention_apply_task() -> int:
    """Nightly: erase the people the retention rule says are due; the number erased."""
    return len(retention_apply(today=timezone.localdate(), dry_run=False).erasures)

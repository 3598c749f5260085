"""Celery tasks for referral intake: thin, ids only, the work is in the service."""

from __future__ import annotations

from celery import shared_task

__all__ = ["referral_notify_link_worker_task"]


@shared_task(time_limit=60, soft_time_limit=50)
def referral_notify_link_worker_task(*, referral_id: int) -> bool:
    from .services.intake import referral_notify_link_worker

    return referral_notify_link_worker(referral_id=referral_id)

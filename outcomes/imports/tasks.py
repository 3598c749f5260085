"""Celery tasks for imports: thin, ids only, safe to deliver twice (see runs.py)."""

from __future__ import annotations

from celery import shared_task

# A full-scale appointments file (24 million rows) takes minutes; leave hours of room.
IMPORT_TIME_LIMIT = 4 * 60 * 60


@shared_task(time_limit=IMPORT_TIME_LIMIT, soft_time_limit=IMPORT_TIME_LIMIT - 60)
def import_run(*, run_id: int) -> None:
    from .runs import import_run_execute

    import_run_execute(run_id=run_id)

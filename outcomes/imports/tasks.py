"""Celery tasks for imports: thin, ids only, safe to deliver twice (see runs.py)."""

from __future__ import annotations

from celery import Task, shared_task

# A full-scale appointments file (24 million rows) takes minutes; leave hours of room.
IMPORT_TIME_LIMIT = 4 * 60 * 60


# An import is all or nothing in one transaction and its Run is claimed, so a worker dying
# half way leaves nothing behind and the message can be delivered again (acks_late,
# reject_on_worker_lost): the next delivery takes the Run over once its lease has lapsed.
@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=IMPORT_TIME_LIMIT,
    soft_time_limit=IMPORT_TIME_LIMIT - 60,
)
def import_run(self: Task, *, run_id: int) -> None:
    from outcomes.services.run_leases import RunBusyError, lease_retry

    from .runs import import_run_execute

    try:
        import_run_execute(run_id=run_id)
    except RunBusyError as busy:
        raise self.retry(exc=busy, **lease_retry(IMPORT_TIME_LIMIT)) from None


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=IMPORT_TIME_LIMIT,
    soft_time_limit=IMPORT_TIME_LIMIT - 60,
)
def openreferral_run(self: Task, *, run_id: int) -> None:
    """Import an Open Referral UK v3 feed (outcomes/imports/openreferral.py)."""
    from outcomes.services.run_leases import RunBusyError, lease_retry

    from .openreferral import openreferral_execute

    try:
        openreferral_execute(run_id=run_id)
    except RunBusyError as busy:
        raise self.retry(exc=busy, **lease_retry(IMPORT_TIME_LIMIT)) from None

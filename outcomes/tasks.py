"""Celery tasks of the outcomes app: thin wrappers that take ids and ISO dates and call a
service."""

from __future__ import annotations

import datetime as dt

from celery import Task, shared_task
from django.utils import timezone

from outcomes.metrics.definition import DEFAULT_WINDOW
from outcomes.services.metric_runs import metric_run_compute, metrics_refresh_enqueue
from outcomes.services.run_leases import RunBusyError, lease_retry

METRIC_TIME_LIMIT = 30 * 60


# Safe to run twice (the period's rows are replaced in one transaction; the Run is claimed),
# so the message is acknowledged only when the task ends and is handed back to the broker if
# the worker process dies (acks_late, reject_on_worker_lost).
@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=METRIC_TIME_LIMIT,
    soft_time_limit=METRIC_TIME_LIMIT - 5 * 60,
)
def metric_compute_task(
    self: Task,
    metric: str,
    start: str,
    end: str,
    window: int = DEFAULT_WINDOW,
    run_id: int | None = None,
) -> int:
    """Compute one metric for one period, recording progress on the Run ``run_id`` if any."""
    try:
        return metric_run_compute(
            metric=metric,
            start=dt.date.fromisoformat(start),
            end=dt.date.fromisoformat(end),
            window=window,
            run_id=run_id,
        )
    except RunBusyError as busy:
        raise self.retry(exc=busy, **lease_retry(METRIC_TIME_LIMIT)) from None


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=5 * 60, soft_time_limit=4 * 60)
def metrics_refresh_task(window: int = DEFAULT_WINDOW) -> int:
    """Nightly: queue every metric for the current quarter and the last 12 months."""
    return metrics_refresh_enqueue(today=timezone.localdate(), window=window)


from outcomes.imports.tasks import import_run  # noqa: E402, F401 (for autodiscovery)

"""Celery tasks of the outcomes app: thin wrappers that take ids and ISO dates and call a
service."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from outcomes.metrics.definition import DEFAULT_WINDOW
from outcomes.services.metric_runs import metric_run_compute, metrics_refresh_enqueue


@shared_task(time_limit=30 * 60, soft_time_limit=25 * 60)
def metric_compute_task(
    metric: str, start: str, end: str, window: int = DEFAULT_WINDOW, run_id: int | None = None
) -> int:
    """Compute one metric for one period, recording progress on the Run ``run_id`` if any."""
    return metric_run_compute(
        metric=metric,
        start=dt.date.fromisoformat(start),
        end=dt.date.fromisoformat(end),
        window=window,
        run_id=run_id,
    )


@shared_task(time_limit=5 * 60, soft_time_limit=4 * 60)
def metrics_refresh_task(window: int = DEFAULT_WINDOW) -> int:
    """Nightly: queue every metric for the current quarter and the last 12 months."""
    return metrics_refresh_enqueue(today=timezone.localdate(), window=window)


from outcomes.imports.tasks import import_run  # noqa: E402, F401 (for autodiscovery)

"""Celery tasks of the outcomes app: thin wrappers that take ids and ISO dates and call a
service."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.db.models import F
from django.utils import timezone

from outcomes.models import Run
from outcomes.services.metrics import (
    DEFAULT_WINDOW,
    METRIC_NAMES,
    metric_compute,
    standard_periods,
)

logger = logging.getLogger(__name__)


def _run_update(run_id: int | None, **fields: object) -> None:
    if run_id is not None:
        Run.objects.filter(pk=run_id).update(**fields)


@shared_task(time_limit=30 * 60, soft_time_limit=25 * 60)
def metric_compute_task(
    metric: str, start: str, end: str, window: int = DEFAULT_WINDOW, run_id: int | None = None
) -> int:
    """Compute one metric for one period; when ``run_id`` names a Run, record its progress.
    A failure leaves the previous snapshot rows in place and marks the Run failed."""
    _run_update(run_id, status=Run.Status.RUNNING, started_at=timezone.now(), total=1)
    try:
        written = metric_compute(
            metric=metric,
            start=dt.date.fromisoformat(start),
            end=dt.date.fromisoformat(end),
            window=window,
        )
    except Exception as error:
        logger.exception("metric %s for %s..%s failed", metric, start, end)
        _run_update(
            run_id,
            status=Run.Status.FAILED,
            finished_at=timezone.now(),
            result={"error": f"{type(error).__name__}: {error}"},
        )
        raise
    _run_update(
        run_id,
        status=Run.Status.DONE,
        progress=F("progress") + 1,
        finished_at=timezone.now(),
        result={"rows": written},
    )
    return written


@shared_task(time_limit=5 * 60, soft_time_limit=4 * 60)
def metrics_refresh_task(window: int = DEFAULT_WINDOW) -> int:
    """Nightly: queue every metric for the current quarter and the last 12 months."""
    queued = 0
    for start, end in standard_periods(today=timezone.localdate()):
        for metric in METRIC_NAMES:
            metric_compute_task.delay(metric, start.isoformat(), end.isoformat(), window)
            queued += 1
    return queued


from outcomes.imports.tasks import import_run  # noqa: E402, F401 (for autodiscovery)

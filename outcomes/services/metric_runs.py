"""Metric jobs with a ``Run`` row: an administrator's recomputation of one metric for one
period (started from its dashboard page, which polls the Run), and the nightly refresh of
every metric. The Celery tasks in ``outcomes.tasks`` only parse their arguments and call
these."""

from __future__ import annotations

import datetime as dt
import json
import logging
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from outcomes.metrics.definition import DEFAULT_WINDOW
from outcomes.metrics.periods import standard_periods
from outcomes.metrics.registry import METRIC_NAMES
from outcomes.models import Run
from outcomes.selectors import metric_run_params
from outcomes.services.metrics import metric_compute
from outcomes.services.run_leases import (
    STOPPED_MESSAGE,
    Claim,
    RunBusyError,
    run_claim,
    run_finish,
    run_heartbeat,
)
from outcomes.services.warming import dashboards_warm
from outcomes.trends import trend_quarters_missing

logger = logging.getLogger(__name__)


def metric_run_compute(
    *, metric: str, start: dt.date, end: dt.date, window: int, run_id: int | None
) -> int:
    """Compute one metric for one period; when ``run_id`` names a Run, take it on (its lease,
    run_leases.py) and record its progress. A failure leaves the previous snapshot rows in
    place, marks the Run failed and is raised again (so the worker logs it too). Returns the
    rows written (0 when the Run was already finished or given up: a message delivered twice).
    Raises ``RunBusyError`` when another worker still holds the Run."""
    if run_id is None:
        written = metric_compute(metric=metric, start=start, end=end, window=window)
        _warm_when_committed(metric=metric, start=start, end=end, window=window)
        return written
    claim = run_claim(run_id=run_id)
    if claim is Claim.FINISHED:
        return 0
    if claim is Claim.BUSY:
        raise RunBusyError(f"run {run_id} is held by a live worker")
    Run.objects.filter(pk=run_id).update(total=1)
    try:
        with run_heartbeat(run_id=run_id):
            written = metric_compute(metric=metric, start=start, end=end, window=window)
            # Before the Run is marked done: the page polling it reloads as soon as it is.
            _warm_when_committed(metric=metric, start=start, end=end, window=window)
    except Exception as error:
        logger.exception("metric %s for %s..%s failed", metric, start, end)
        run_finish(
            run_id=run_id,
            status=Run.Status.FAILED,
            result={"error": f"{type(error).__name__}: {error}"},
        )
        raise
    run_finish(
        run_id=run_id, status=Run.Status.DONE, progress=F("progress") + 1, result={"rows": written}
    )
    return written


def _warm_when_committed(*, metric: str, start: dt.date, end: dt.date, window: int) -> None:
    """Warm the dashboards' caches for the period once its rows are committed (at once when
    no transaction is open, as in a worker). ``dashboards_warm`` never raises."""
    transaction.on_commit(
        partial(dashboards_warm, metric=metric, start=start, end=end, window=window)
    )


def metrics_refresh_enqueue(*, today: dt.date, window: int = DEFAULT_WINDOW) -> int:
    """Queue every metric for the current quarter and the 12 months to ``today``, and for
    any of the trend's earlier quarters (the last two years) that a metric has not been
    computed for yet; returns how many jobs were queued."""
    from outcomes.tasks import metric_compute_task

    queued = 0
    for start, end in standard_periods(today=today):
        for metric in METRIC_NAMES:
            metric_compute_task.delay(metric, start.isoformat(), end.isoformat(), window)
            queued += 1
    for metric, start, end in trend_quarters_missing(today=today, window=window):
        metric_compute_task.delay(metric, start.isoformat(), end.isoformat(), window)
        queued += 1
    return queued


def _enqueue(*, run_id: int, metric: str, start: dt.date, end: dt.date, window: int) -> None:
    # Imported here: the task module imports this one.
    from outcomes.tasks import metric_compute_task

    # The Run keeps the snapshot key (window 0 for a metric without one); a job always takes
    # a window in months, which such a metric ignores.
    months = window or DEFAULT_WINDOW
    try:
        metric_compute_task.delay(metric, start.isoformat(), end.isoformat(), months, run_id)
    except Exception as error:
        # The broker is down (or, with tasks run in-process, the job failed and has already
        # marked its Run). Either way the page must not fail, and a Run never left queued.
        logger.exception("metric %s: could not run or queue the job", metric)
        Run.objects.filter(pk=run_id, status=Run.Status.QUEUED).update(
            status=Run.Status.FAILED,
            finished_at=timezone.now(),
            result={"error": f"Could not queue the job ({type(error).__name__})."},
        )


# The first key of the metric run locks (PostgreSQL advisory locks take two int4 keys); the
# second is a hash of the run's kind and parameters.
METRIC_RUN_LOCK_CLASS = 7_303


def _run_lock(*, kind: str, params: dict) -> None:
    """Hold, until the transaction ends, the lock of one metric run's kind and parameters:
    two people asking for the same period at the same moment would otherwise both find no
    run and both start one (``select_for_update`` locks only rows that exist). The lock is
    held for as long as it takes to create a Run. SQLite runs one writing transaction at a
    time anyway."""
    if connection.vendor != "postgresql":
        return
    key = f"{kind}|{json.dumps(params, sort_keys=True)}"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [METRIC_RUN_LOCK_CLASS, key]
        )


def metric_recompute_start(
    *, metric: str, start: dt.date, end: dt.date, window: int, by: Any
) -> Run:
    """Create a Run for recomputing one metric for one period (``window``: the snapshot
    window, 0 for a metric without one) and enqueue its job once the Run is committed. A run
    for the same period that is still queued or running is returned instead of starting a
    second one (a double click starts one job), unless it is stale (its worker stopped, see
    run_leases.py): that one is marked failed, saying so, and a new one starts."""
    params = metric_run_params(metric=metric, start=start, end=end, window=window)
    with transaction.atomic():
        _run_lock(kind=f"metric:{metric}", params=params)
        active = (
            Run.objects.select_for_update()
            .filter(
                kind=f"metric:{metric}",
                params=params,
                status__in=[Run.Status.QUEUED, Run.Status.RUNNING],
            )
            .first()
        )
        if active is not None:
            if not active.is_stale():
                return active
            logger.warning("metric run %s stopped without finishing; starting again", active.pk)
            active.status = Run.Status.FAILED
            active.finished_at = timezone.now()
            active.result = {"error": STOPPED_MESSAGE, "stopped": True}
            active.save(update_fields=["status", "finished_at", "result"])
        run = Run.objects.create(kind=f"metric:{metric}", params=params, created_by=by)
        transaction.on_commit(
            lambda: _enqueue(run_id=run.pk, metric=metric, start=start, end=end, window=window)
        )
    return run


# A user may have this many computations queued or running at once (seven metrics for four
# periods): enough for anyone looking at figures, not enough to flood the workers.
ACTIVE_RUNS_PER_USER = 28


class TooManyRunsError(Exception):
    """The user already has ``ACTIVE_RUNS_PER_USER`` computations waiting."""


def metrics_compute_on_request(
    *, metrics: list[tuple[str, int]], start: dt.date, end: dt.date, by: Any
) -> list[Run]:
    """Compute, because a commissioner or administrator asked to see them, metrics (name,
    snapshot window) not yet computed for a period: one Run each, shared with anyone who
    asked for the same metric and period while it is queued or running
    (``metric_recompute_start``). Raises ``TooManyRunsError`` when the user has too many
    computations waiting."""
    waiting = (
        Run.objects.filter(
            kind__startswith="metric:",
            created_by=by,
            status__in=[Run.Status.QUEUED, Run.Status.RUNNING],
        )
        .exclude(pk__in=Run.objects.stale().values("pk"))
        .count()
    )
    if waiting + len(metrics) > ACTIVE_RUNS_PER_USER:
        raise TooManyRunsError(
            f"You have {waiting} computations waiting. Wait for them to finish, then ask again."
        )
    return [
        metric_recompute_start(metric=metric, start=start, end=end, window=window, by=by)
        for metric, window in metrics
    ]

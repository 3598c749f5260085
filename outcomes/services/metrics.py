"""Computing and storing metric snapshots (METRICS.md "How the metrics are computed")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from outcomes.metrics import activity, change, coverage, demand
from outcomes.metrics.sql import SnapshotRow, metric_session
from outcomes.models import MetricSnapshot, Run

DEFAULT_WINDOW = 6

_COMPUTE: dict[str, Callable[..., list[SnapshotRow]]] = {
    "friends": lambda **kw: change.compute(metric="friends", **kw),
    "wellbeing": lambda **kw: change.compute(metric="wellbeing", **kw),
    "citizen_led": activity.citizen_led,
    "coverage": coverage.compute,
    "demand": demand.compute,
    "connections": activity.connections,
    "service": activity.service,
}
METRIC_NAMES: tuple[str, ...] = tuple(_COMPUTE)


def snapshot_window(*, metric: str, window: int) -> int:
    """The window in the snapshot key: demand's W; 0 for the metrics that have none."""
    return window if metric == "demand" else 0


def metric_compute(
    *,
    metric: str,
    start: dt.date,
    end: dt.date,
    window: int = DEFAULT_WINDOW,
    run: Run | None = None,
) -> int:
    """Compute ``metric`` for the period [start, end] and replace that period's snapshot
    rows in one transaction. Returns the number of rows written."""
    if metric not in _COMPUTE:
        raise ValueError(f"Unknown metric {metric!r}: expected one of {', '.join(METRIC_NAMES)}")
    if start > end:
        raise ValueError("The period's start is after its end.")
    if window < 1:
        raise ValueError("The window must be at least 1 month.")
    # Computed before the transaction: the old rows stay readable for as long as the
    # queries take, and are swapped for the new ones in one short write.
    with metric_session():
        rows = _COMPUTE[metric](start=start, end=end, window=window)
    key = {
        "metric": metric,
        "start": start,
        "end": end,
        "window": snapshot_window(metric=metric, window=window),
    }
    computed_at = timezone.now()
    with transaction.atomic():
        MetricSnapshot.objects.filter(**key).delete()
        _store(rows, key=key, computed_at=computed_at)
    if run is not None:
        run.progress += 1
        run.save(update_fields=["progress"])
    return len(rows)


def _store(rows: Iterable[SnapshotRow], *, key: dict[str, Any], computed_at: dt.datetime) -> None:
    MetricSnapshot.objects.bulk_create(
        [
            MetricSnapshot(
                **key,
                level=row.level,
                code=row.code,
                dimension=row.dimension,
                group=row.group,
                values=row.values,
                computed_at=computed_at,
            )
            for row in rows
        ],
        batch_size=1000,
    )


def metric_compute_all(
    *,
    start: dt.date,
    end: dt.date,
    window: int = DEFAULT_WINDOW,
    metrics: Iterable[str] = METRIC_NAMES,
    run: Run | None = None,
) -> dict[str, int]:
    """Every metric (or those named) for one period; rows written per metric."""
    return {
        metric: metric_compute(metric=metric, start=start, end=end, window=window, run=run)
        for metric in metrics
    }


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    first_month = (day.month - 1) // 3 * 3 + 1
    start = dt.date(day.year, first_month, 1)
    next_start = dt.date(day.year + (first_month + 3 > 12), (first_month + 2) % 12 + 1, 1)
    return start, next_start - dt.timedelta(days=1)


def last_12_months(end: dt.date) -> tuple[dt.date, dt.date]:
    """The 12 months ending on ``end``: from the day after the same date a year earlier."""
    try:
        year_before = end.replace(year=end.year - 1)
    except ValueError:  # 29 February
        year_before = end.replace(year=end.year - 1, day=28)
    return year_before + dt.timedelta(days=1), end


def standard_periods(*, today: dt.date, quarters: int = 1) -> list[tuple[dt.date, dt.date]]:
    """The current quarter and the ``quarters − 1`` before it, then the 12 months ending on
    ``today``: what the nightly job refreshes and the demo fills."""
    periods = []
    start, end = quarter_of(today)
    for _ in range(quarters):
        periods.append((start, end))
        start, end = quarter_of(start - dt.timedelta(days=1))
    periods.append(last_12_months(today))
    return periods

"""Computing and storing metric snapshots (docs/metrics.md, "How the metrics are computed")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from outcomes.metrics.definition import DEFAULT_WINDOW
from outcomes.metrics.registry import metric_get
from outcomes.metrics.sql import SnapshotRow, metric_session
from outcomes.models import MetricSnapshot


def metric_compute(
    *, metric: str, start: dt.date, end: dt.date, window: int = DEFAULT_WINDOW
) -> int:
    """Compute ``metric`` for the period [start, end] and replace that period's snapshot
    rows in one transaction. ``window`` (months) matters only to a metric that has one; the
    others' snapshots are keyed by window 0. Returns the number of rows written."""
    described = metric_get(metric=metric)
    if start > end:
        raise ValueError("The period's start is after its end.")
    if window < 1:
        raise ValueError("The window must be at least 1 month.")
    snapshot_window = described.window_for(window)
    # Computed before the transaction: the old rows stay readable for as long as the
    # queries take, and are swapped for the new ones in one short write.
    with metric_session():
        rows = described.compute(
            start=start,
            end=end,
            window=snapshot_window,
            dimensions=described.dimensions,
            levels=described.levels,
        )
    key = {"metric": metric, "start": start, "end": end, "window": snapshot_window}
    computed_at = timezone.now()
    with transaction.atomic():
        MetricSnapshot.objects.filter(**key).delete()
        _store(rows, key=key, computed_at=computed_at)
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

"""The demand job's one per-patient pass (outcomes.metrics.comparison.patient_pass): the
attendance skew and the comparison group read from it give exactly the values they give from
their own passes over the appointment rows. SQLite and, with DATABASE_URL, PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from outcomes.metrics import comparison, demand
from outcomes.metrics.registry import METRICS
from outcomes.metrics.sql import SnapshotRow, metric_session
from tests.outcomes.test_metrics_comparison import Q1, generated_world, practice  # noqa: F401

pytestmark = pytest.mark.django_db


def _separate_passes(**kw):
    rows = demand.compute(**kw)
    found = comparison.compute(**kw)
    empty = comparison.comparison_values({})
    return [SnapshotRow(*r[:4], r.values | found.get(tuple(r[:4]), empty)) for r in rows]


@pytest.mark.parametrize("end", [Q1[1], dt.date(2025, 12, 31)])
def test_the_shared_pass_gives_the_values_of_separate_passes(practice, end):  # noqa: F811
    generated_world(practice, effect=1)
    info = METRICS["demand"]
    start = dt.date(end.year, end.month - 2, 1)
    kw = {
        "start": start,
        "end": end,
        "window": info.window_for(None),
        "dimensions": info.dimensions,
        "levels": info.levels,
    }
    with metric_session():
        separate = _separate_passes(**kw)
        shared = comparison.demand_compute(**kw)
    # Equal, but for the last bit of a float: PostgreSQL may add a mean's terms in another
    # order.
    assert [r[:4] for r in shared] == [r[:4] for r in separate]
    for got, expected in zip(shared, separate, strict=True):
        assert got.values.keys() == expected.values.keys()
        for name, value in expected.values.items():
            if isinstance(value, float):
                assert got.values[name] == pytest.approx(value, rel=1e-12, abs=1e-12), name
            else:
                assert got.values[name] == value, name
    total = next(r.values for r in shared if r[:4] == ("practice", "D00001", "total", "all"))
    if end == Q1[1]:
        assert total["comparison_n"] > 0 and total["list_size"] is not None

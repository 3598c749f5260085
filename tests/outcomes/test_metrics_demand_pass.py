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


def _plan(sql: str, params: list) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(line for (line,) in cursor.fetchall())


def test_postgres_pass_groups_by_sorting_and_sets_the_planner_back(
    practice,  # noqa: F811
    postgres_required,
):
    """The per-patient pass reads each month's rows in key order and groups them as they come
    (no hash table of every patient, no parallel workers); the settings are set back after."""
    from django.db import connection

    from outcomes.metrics.sql import T, sorted_aggregate

    generated_world(practice, effect=0)
    sql = f"""SELECT practice_id, patient_id, SUM(appointments) FROM {T["appointments"]}
        WHERE month BETWEEN %s AND %s GROUP BY practice_id, patient_id"""
    params = [dt.date(2025, 1, 1), dt.date(2026, 3, 1)]
    with metric_session(), connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        (workers,) = cursor.fetchone()
        with sorted_aggregate():
            plan = _plan(sql, params)
            cursor.execute("SHOW enable_hashagg")
            assert cursor.fetchone() == ("off",)
        cursor.execute("SHOW enable_hashagg")
        assert cursor.fetchone() == ("on",)
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == (workers,)
    assert "GroupAggregate" in plan
    assert "HashAggregate" not in plan
    assert "Gather" not in plan


def test_postgres_skew_plan_has_no_nested_loop_joins(practice, postgres_required):  # noqa: F811
    """The skew's CTEs are estimated at a few rows; with hash joins only, as demand.compute
    runs it, no join loops (a nested loop over the referred patients took seconds at scale)."""
    from outcomes.metrics.sql import hash_joins

    generated_world(practice, effect=0)
    with metric_session(), comparison.patient_pass(*Q1, 6) as patients, hash_joins():
        plan = _plan(*demand.skew_sql(Q1[1], patients))
    assert "Hash Join" in plan
    assert "Nested Loop" not in plan


def test_postgres_planner_sets_back_what_was_there_even_after_an_error(db, postgres_required):
    from django.db import DatabaseError, connection, transaction

    from outcomes.metrics.sql import planner

    def nestloop(cursor) -> str:
        cursor.execute("SHOW enable_nestloop")
        return cursor.fetchone()[0]

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_nestloop = off")
        with planner(enable_nestloop="on"):
            assert nestloop(cursor) == "on"
        assert nestloop(cursor) == "off"
        with pytest.raises(DatabaseError), planner(enable_nestloop="on"):
            cursor.execute("SELECT 1 / 0")
        assert nestloop(cursor) == "off"

"""``friends`` and its twin ``wellbeing`` (SWEMWBS metric score): baseline against follow-up
for the people who have a follow-up in the period."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from outcomes.metrics.dimensions import groups_of
from outcomes.metrics.sql import (
    Key,
    SnapshotRow,
    T,
    date_param,
    day_number,
    grid,
    grouped,
    mean,
    person_attributes,
    rows_from,
    share,
)

FOLLOW_UP_MIN_DAYS = 56
# (table, date column, value column) of each kind of answer.
SOURCES = {
    "friends": (T["friends"], "observed_on", "friends_count"),
    "wellbeing": (T["swemwbs"], "completed_on", "metric_score"),
}


def _cohort(source: str, start: dt.date, end: dt.date) -> tuple[str, list[Any]]:
    table, date_col, value_col = SOURCES[source]
    pa_sql, pa_params = person_attributes(end)
    # Ties on one date are broken by id: the first recorded is the baseline, the last
    # recorded is the follow-up.
    ctes = f"""
        pa AS ({pa_sql}),
        obs AS (
            SELECT o.id, o.person_id, o.{date_col} AS d, {day_number(f"o.{date_col}")} AS dn,
                o.{value_col} AS v,
                ROW_NUMBER() OVER (PARTITION BY o.person_id ORDER BY o.{date_col}, o.id) AS rn
            FROM {table} o
        ),
        base AS (SELECT person_id, dn, v FROM obs WHERE rn = 1),
        fu AS (
            SELECT o.person_id, o.v,
                ROW_NUMBER() OVER (PARTITION BY o.person_id ORDER BY o.d DESC, o.id DESC) AS rn
            FROM obs o JOIN base b ON b.person_id = o.person_id
            WHERE o.d BETWEEN %s AND %s AND o.dn - b.dn >= {FOLLOW_UP_MIN_DAYS}
        ),
        cohort AS MATERIALIZED (
            SELECT pa.*, b.v AS baseline, f.v AS followup
            FROM fu f
            JOIN base b ON b.person_id = f.person_id
            JOIN pa ON pa.person_id = f.person_id
            WHERE f.rn = 1
        )
    """
    return ctes, [*pa_params, date_param(start), date_param(end)]


AGGREGATES = {
    "n": "COUNT(*)",
    "sum_baseline": "SUM(baseline)",
    "sum_followup": "SUM(followup)",
    "increased": "SUM(CASE WHEN followup > baseline THEN 1 ELSE 0 END)",
    "same": "SUM(CASE WHEN followup = baseline THEN 1 ELSE 0 END)",
    "decreased": "SUM(CASE WHEN followup < baseline THEN 1 ELSE 0 END)",
}


def change_values(_key: Key, agg: dict[str, Any]) -> dict[str, Any]:
    n = int(agg.get("n") or 0)
    mean_baseline = mean(agg.get("sum_baseline"), n)
    mean_followup = mean(agg.get("sum_followup"), n)
    return {
        "n": n,
        "mean_baseline": mean_baseline,
        "mean_followup": mean_followup,
        "mean_change": (
            mean_followup - mean_baseline
            if mean_followup is not None and mean_baseline is not None
            else None
        ),
        "pct_increased": share(agg.get("increased"), n),
        "pct_no_change": share(agg.get("same"), n),
        "pct_decreased": share(agg.get("decreased"), n),
    }


def _compute(
    source: str, *, start: dt.date, end: dt.date, dimensions: Sequence[str], levels: Sequence[str]
) -> list[SnapshotRow]:
    ctes, params = _cohort(source, start, end)
    found = grouped(ctes, params, AGGREGATES, dimensions=dimensions, levels=levels)
    return rows_from(grid(groups_of(*dimensions), levels), found, change_values)


def friends(
    *, start: dt.date, end: dt.date, window: int, dimensions: Sequence[str], levels: Sequence[str]
) -> list[SnapshotRow]:
    return _compute("friends", start=start, end=end, dimensions=dimensions, levels=levels)


def wellbeing(
    *, start: dt.date, end: dt.date, window: int, dimensions: Sequence[str], levels: Sequence[str]
) -> list[SnapshotRow]:
    return _compute("wellbeing", start=start, end=end, dimensions=dimensions, levels=levels)

"""``coverage``: people reached (a conversation in the period) per 1,000 registered, by
group, with the deprivation gradient as a rate ratio and a concentration index."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from outcomes.metrics.dimensions import DIMENSIONS, TOTAL, groups_of
from outcomes.metrics.sql import (
    Key,
    SnapshotRow,
    T,
    date_param,
    grid,
    grouped,
    num,
    person_attributes,
    sql_in,
)

QUINTILES = DIMENSIONS["imd_quintile"].groups[:5]


def _population(dimensions: Sequence[str], levels: Sequence[str]) -> dict[Key, dict[str, Any]]:
    # Groups outside the published lists are counted as unknown rather than dropped, so that
    # the groups of a dimension always add up to the total.
    columns = ",\n".join(
        f"CASE WHEN c.{dim} IN {sql_in(groups[:-1])} THEN c.{dim} ELSE 'unknown' END AS {dim}"
        for dim, groups in groups_of(*dimensions).items()
    )
    ctes = f"""
        cohort AS MATERIALIZED (
            SELECT pr.ods_code AS practice_code, pcn.code AS pcn_code, c.count AS cnt,
                {columns}
            FROM {T["population"]} c
            JOIN {T["practice"]} pr ON pr.id = c.practice_id
            LEFT JOIN {T["pcn"]} pcn ON pcn.id = pr.pcn_id
        )
    """
    return grouped(
        ctes, [], {"population": "COALESCE(SUM(cnt), 0)"}, dimensions=dimensions, levels=levels
    )


def _reached(
    start: dt.date, end: dt.date, dimensions: Sequence[str], levels: Sequence[str]
) -> dict[Key, dict[str, Any]]:
    pa_sql, pa_params = person_attributes(end)
    ctes = f"""
        pa AS ({pa_sql}),
        cohort AS MATERIALIZED (
            SELECT pa.* FROM pa
            WHERE EXISTS (
                SELECT 1 FROM {T["conversation"]} c
                WHERE c.person_id = pa.person_id AND c.held_on BETWEEN %s AND %s
            )
        )
    """
    return grouped(
        ctes,
        [*pa_params, date_param(start), date_param(end)],
        {
            "reached": "SUM(CASE WHEN practice_id IS NOT NULL THEN 1 ELSE 0 END)",
            "unregistered": "SUM(CASE WHEN practice_id IS NULL THEN 1 ELSE 0 END)",
        },
        dimensions=dimensions,
        levels=levels,
    )


def per_1000(reached: Any, population: Any) -> float | None:
    return num(reached) / num(population) * 1000 if population else None


def concentration_index(populations: list[float], rates: list[float | None]) -> float | None:
    """C = (2/μ) Σ w_k h_k R_k − 1 over quintiles ordered most deprived first; None when the
    population or the mean rate is 0 (the index is undefined)."""
    total = sum(populations)
    if not total:
        return None
    weights = [p / total for p in populations]
    # A quintile with no population has weight 0, so its (undefined) rate does not count.
    heights = [h if h is not None else 0.0 for h in rates]
    mu = sum(w * h for w, h in zip(weights, heights, strict=True))
    if not mu:
        return None
    cumulative = 0.0
    weighted = 0.0
    for w, h in zip(weights, heights, strict=True):
        weighted += w * h * (cumulative + w / 2)
        cumulative += w
    return 2 / mu * weighted - 1


def compute(
    *, start: dt.date, end: dt.date, window: int, dimensions: Sequence[str], levels: Sequence[str]
) -> list[SnapshotRow]:
    population = _population(dimensions, levels)
    reached = _reached(start, end, dimensions, levels)

    def group_values(key: Key) -> dict[str, Any]:
        pop = int(population.get(key, {}).get("population") or 0)
        got = int(reached.get(key, {}).get("reached") or 0)
        return {"population": pop, "reached": got, "reach_per_1000": per_1000(got, pop)}

    rows = []
    for key in grid(groups_of(*dimensions), levels):
        values = group_values(key)
        level, code, dim, _group = key
        if (dim, _group) == TOTAL:
            quintile = [group_values((level, code, "imd_quintile", q)) for q in QUINTILES]
            q1, q5 = quintile[0]["reach_per_1000"], quintile[4]["reach_per_1000"]
            values |= {
                "unregistered_reached": (
                    int(reached.get(key, {}).get("unregistered") or 0) if level == "all" else None
                ),
                "rate_ratio_q1_q5": q1 / q5 if q1 is not None and q5 else None,
                "concentration_index": concentration_index(
                    [float(v["population"]) for v in quintile],
                    [v["reach_per_1000"] for v in quintile],
                ),
            }
        rows.append(SnapshotRow(*key, values))
    return rows

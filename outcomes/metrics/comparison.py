"""The demand comparison group: for each referred person in the before/after cohort, registered
patients of the same practice who were not referred, matched on age band, sex and appointments
in the "before" months, and the difference in differences with its 95% interval.

Definitions: docs/metrics.md, "Comparison group". Everything is computed in one set-based
query (PostgreSQL and SQLite alike); Python only turns the aggregated sums of each
(level, code, dimension, group) into means and an interval.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection

from outcomes.metrics import demand
from outcomes.metrics.demand import cohort_months, cohort_sql
from outcomes.metrics.dimensions import AGE_BANDS
from outcomes.metrics.intervals import t_critical
from outcomes.metrics.periods import month_end, month_start
from outcomes.metrics.sql import (
    Key,
    SnapshotRow,
    T,
    date_param,
    grouped,
    hash_joins,
    is_postgres,
    mean,
    month_index,
    num,
    sorted_aggregate,
)

# Up to this many comparison patients per referred person.
CONTROLS_PER_PERSON = 5
# "Before" counts are matched exactly up to this number; this many or more form one group.
PRE_TOP = 20

VALUES = (
    "comparison_n",
    "comparison_unmatched",
    "referred_mean_pre",
    "referred_mean_post",
    "comparison_mean_pre",
    "comparison_mean_post",
    "did",
    "did_ci_low",
    "did_ci_high",
)

AGGREGATES = {
    "matched": "SUM(CASE WHEN controls IS NOT NULL THEN 1 ELSE 0 END)",
    "unmatched": "SUM(CASE WHEN controls IS NULL THEN 1 ELSE 0 END)",
    "sum_pre": "SUM(CASE WHEN controls IS NOT NULL THEN pre ELSE 0 END)",
    "sum_post": "SUM(CASE WHEN controls IS NOT NULL THEN post ELSE 0 END)",
    "sum_c_pre": "SUM(c_pre)",
    "sum_c_post": "SUM(c_post)",
    "sum_d": "SUM(d)",
    "sum_d2": "SUM(d * d)",
}

_FLOAT = "DOUBLE PRECISION"


def index_months(start: dt.date, end: dt.date, window: int) -> list[int]:
    """The index months m0 a cohort member of [start, end] can have (m0 + W ends in P)."""
    first, last = cohort_months(start, end)
    return list(range(first - window, last - window + 1))


def _band(expr: str) -> str:
    return f"CASE WHEN {expr} >= {PRE_TOP} THEN {PRE_TOP} ELSE {expr} END"


def _wide_columns(m0s: list[int], window: int) -> tuple[list[str], list[Any]]:
    """The per-patient columns of the pool, for rows ``a``: for each index month m0 the
    "before" and "after" totals (``pre_i``, ``post_i``), and the age band and sex in the
    "before" months of any index month."""
    wide, wide_params = [], []
    for i, m0 in enumerate(m0s):
        pre = [date_param(month_start(m0 - window)), date_param(month_start(m0 - 1))]
        post = [date_param(month_start(m0 + 1)), date_param(month_start(m0 + window))]
        wide += [
            f"SUM(CASE WHEN a.month BETWEEN %s AND %s THEN a.appointments ELSE 0 END) AS pre_{i}",
            f"SUM(CASE WHEN a.month BETWEEN %s AND %s THEN a.appointments ELSE 0 END) AS post_{i}",
        ]
        wide_params += [*pre, *post]
    # Age band and sex: the greatest value on the patient's rows in the "before" months of
    # any of the period's index months (the same months for referred people and controls).
    before = [date_param(month_start(m0s[0] - window)), date_param(month_start(m0s[-1] - 1))]
    wide += [
        "MAX(CASE WHEN a.month BETWEEN %s AND %s THEN a.age_band END) AS age_band",
        "MAX(CASE WHEN a.month BETWEEN %s AND %s THEN a.sex END) AS sex",
    ]
    wide_params += before * 2
    return wide, wide_params


PATIENTS_TABLE = "demand_patients"


@contextmanager
def patient_pass(start: dt.date, end: dt.date, window: int) -> Iterator[str]:
    """One pass over the appointment rows for the whole demand job: a temporary table of one
    row per (practice, patient id) with the comparison pool's columns (``_wide_columns``) and
    the attendance skew's 12-month total (``n12``; ``in12`` = 1 when the patient has a row in
    those months), over every month either reads. Both then read it instead of grouping the
    appointment rows twice (docs/performance.md). Yields the table's name; dropped after."""
    m0s = index_months(start, end, window) or [0]
    wide, params = _wide_columns(m0s, window)
    skew_first, skew_last = demand.skew_months(end)
    skew = [date_param(month_start(skew_first)), date_param(month_end(skew_last))]
    wide += [
        "SUM(CASE WHEN a.month BETWEEN %s AND %s THEN a.appointments ELSE 0 END) AS n12",
        "MAX(CASE WHEN a.month BETWEEN %s AND %s THEN 1 ELSE 0 END) AS in12",
    ]
    params += skew * 2
    first = min(m0s[0] - window, skew_first)
    last = max(m0s[-1] + window, skew_last)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {PATIENTS_TABLE}")
        with sorted_aggregate():
            cursor.execute(
                f"""CREATE TEMPORARY TABLE {PATIENTS_TABLE} AS
                    SELECT a.practice_id, a.patient_id, {", ".join(wide)}
                    FROM {T["appointments"]} a
                    WHERE a.month BETWEEN %s AND %s
                    GROUP BY a.practice_id, a.patient_id""",
                [*params, date_param(month_start(first)), date_param(month_end(last))],
            )
        # The before/after cohort too: both halves read it (one row per person, its "before"
        # and "after", age band and sex in the extracts read from the per-patient table).
        cohort, cohort_params = cohort_sql(start, end, window, patients=PATIENTS_TABLE)
        cursor.execute(f"DROP TABLE IF EXISTS {demand.COHORT_TABLE}")
        with hash_joins():
            cursor.execute(
                f"CREATE TEMPORARY TABLE {demand.COHORT_TABLE} AS WITH {cohort} SELECT * FROM cohort",
                cohort_params,
            )
        if is_postgres():
            cursor.execute(f"ANALYZE {PATIENTS_TABLE}")
            cursor.execute(f"ANALYZE {demand.COHORT_TABLE}")
        try:
            yield PATIENTS_TABLE
        finally:
            cursor.execute(f"DROP TABLE IF EXISTS {PATIENTS_TABLE}")
            cursor.execute(f"DROP TABLE IF EXISTS {demand.COHORT_TABLE}")


def comparison_sql(
    start: dt.date, end: dt.date, window: int, patients: str | None = None
) -> tuple[str, list[Any]]:
    """CTEs ending in ``cohort``: one row per before/after cohort member with at least one
    appointment before, with the people columns ``grouped`` needs, the person's ``pre`` and
    ``post``, and, when matched, ``controls`` (how many), ``c_pre`` and ``c_post`` (their
    means) and ``d`` (the person's change minus their controls' mean change)."""
    if patients is None:
        before_after, params = cohort_sql(start, end, window, name="before_after")
    else:
        before_after, params = f"before_after AS (SELECT * FROM {demand.COHORT_TABLE})", []
    m0s = index_months(start, end, window) or [0]
    earliest = date_param(month_start(m0s[0] - window))
    # Age band and sex as small numbers for matching (0 = unknown): only equality matters
    # to a cell, and comparing numbers in the sorts and hashes of a million candidates costs
    # less than comparing their texts.
    age_codes = " ".join(f"WHEN '{band}' THEN {i}" for i, (_, _, band) in enumerate(AGE_BANDS, 1))

    def age(expr: str) -> str:
        return f"CASE {expr} {age_codes} ELSE 0 END"

    def sex(expr: str) -> str:
        return f"CASE {expr} WHEN 'female' THEN 1 WHEN 'male' THEN 2 WHEN 'other' THEN 3 ELSE 0 END"

    # The pool: one pass over the months of every index month's window, grouped per
    # patient: for each m0 the patient's "before" and "after" totals and their age band and
    # sex in the "before" months. The m0 columns are then turned into rows, one per
    # (patient, m0). (The pass reads the table once whatever the months: there is no index on
    # the month alone, and a sequential scan beats one for this many rows.)
    wide, wide_params = _wide_columns(m0s, window)
    before = [date_param(month_start(m0s[0] - window)), date_param(month_start(m0s[-1] - 1))]
    if patients is None:
        wide_sql = f"""SELECT a.practice_id, a.patient_id, {", ".join(wide)}
            FROM {T["appointments"]} a
            WHERE a.month BETWEEN %s AND %s
                AND a.practice_id IN (SELECT practice_id FROM index_month)
            GROUP BY a.practice_id, a.patient_id"""
        wide_params += [earliest, date_param(month_start(m0s[-1] + window))]
    else:
        wide_sql = f"""SELECT * FROM {patients}
            WHERE practice_id IN (SELECT practice_id FROM index_month)"""
        wide_params = []

    if patients is None:
        # The referred person's age band and sex in the extracts' "before" months.
        attributes = f"""(SELECT MAX(a.age_band) FROM {T["appointments"]} a
                 WHERE a.practice_id = b.practice_id AND a.patient_id = b.patient_id
                    AND a.month BETWEEN %s AND %s) AS age_band,
                (SELECT MAX(a.sex) FROM {T["appointments"]} a
                 WHERE a.practice_id = b.practice_id AND a.patient_id = b.patient_id
                    AND a.month BETWEEN %s AND %s) AS sex"""
        attribute_params = [*before, *before]
    else:  # the same, read with the cohort from the per-patient table
        attributes = "b.extract_age_band AS age_band, b.extract_sex AS sex"
        attribute_params = []

    def choose(column: str) -> str:
        cases = " ".join(f"WHEN {m0} THEN w.{column}_{i}" for i, m0 in enumerate(m0s))
        return f"CASE im.m0 {cases} END"

    # PostgreSQL: OFFSET 0 keeps the per-patient rows a unit of their own, so that they are
    # made once and then matched to the cells (a hash join), never joined to the cells on
    # the practice alone before their age band, sex and count are known.
    fence = " OFFSET 0" if is_postgres() else ""
    # Keys are lower-case hex: byte order is any locale's order, and cheaper (as in demand).
    key_order = ' COLLATE "C"' if is_postgres() else ""
    cell_key = "practice_id, m0, m_age, m_sex, band"
    control_cell = ", ".join(f"e.{col}" for col in cell_key.split(", "))

    def same_cell(a: str, b: str) -> str:
        return " AND ".join(f"{a}.{col} = {b}.{col}" for col in cell_key.split(", "))

    k = CONTROLS_PER_PERSON
    # The control positions each referred person takes: the n-th of their k (one SELECT per
    # n, so that every join stays a hash join on equal values).
    wanted = " UNION ALL ".join(
        f"SELECT person_id, {cell_key}, ((ti - 1) * {k} + {n}) %% nc + 1 AS ci"
        f" FROM treated_cell WHERE nc > {n}"
        for n in range(k)
    )
    ctes = f"""
        {before_after},
        index_month AS (SELECT DISTINCT practice_id, m0 FROM before_after WHERE pre > 0),
        treated_attributes AS (
            SELECT b.person_id, b.practice_id, b.m0, b.patient_key, b.pre, b.post,
                {attributes}
            FROM before_after b WHERE b.pre > 0
        ),
        treated AS MATERIALIZED (
            SELECT person_id, practice_id, m0, pre, m_age, m_sex, band,
                ROW_NUMBER() OVER (PARTITION BY {cell_key} ORDER BY patient_key{key_order}) AS ti
            FROM (
                SELECT person_id, practice_id, m0, patient_key, pre,
                    {age("age_band")} AS m_age, {sex("sex")} AS m_sex, {_band("pre")} AS band
                FROM treated_attributes
            ) attributed
        ),
        cell AS (SELECT DISTINCT {cell_key} FROM treated),
        wide AS ({wide_sql}),
        -- Age band and sex as numbers once per patient, before each patient becomes a row
        -- per index month.
        coded AS (
            SELECT w.*, {age("w.age_band")} AS m_age, {sex("w.sex")} AS m_sex FROM wide w{fence}
        ),
        candidate AS (
            SELECT practice_id, m0, patient_id, pre, post, m_age, m_sex, {_band("pre")} AS band
            FROM (
                SELECT w.practice_id, im.m0, w.patient_id, {choose("pre")} AS pre,
                    {choose("post")} AS post, w.m_age, w.m_sex
                FROM coded w JOIN index_month im ON im.practice_id = w.practice_id{fence}
            ) long
            WHERE pre > 0
        ),
        referred_key AS (
            SELECT k.id AS patient_id, MIN({month_index("r.received_on")}) AS m_first
            FROM {T["person"]} p JOIN {T["referral"]} r ON r.person_id = p.id
            JOIN {T["patient_keys"]} k ON k.key = p.patient_key
            WHERE p.patient_key <> '' GROUP BY k.id
        ),
        -- Candidates in a cell with a referred person (a fraction of them), and only then
        -- those never referred before m0 + W and their keys: each join sees fewer rows.
        in_cell AS (
            SELECT cd.* FROM candidate cd JOIN cell t ON {same_cell("t", "cd")}{fence}
        ),
        eligible AS (
            SELECT ic.* FROM in_cell ic
            LEFT JOIN referred_key rk ON rk.patient_id = ic.patient_id
            WHERE rk.patient_id IS NULL OR rk.m_first > ic.m0 + %s{fence}
        ),
        control AS MATERIALIZED (
            SELECT e.practice_id, e.m0, e.m_age, e.m_sex, e.band, e.pre, e.post,
                ROW_NUMBER() OVER (PARTITION BY {control_cell}
                                   ORDER BY k.key{key_order}) AS ci
            FROM eligible e
            JOIN {T["patient_keys"]} k ON k.id = e.patient_id
        ),
        cell_size AS (SELECT {cell_key}, COUNT(*) AS nc FROM control GROUP BY {cell_key}),
        -- The t-th referred person of a cell takes the cell's controls (t-1)k+1 … tk in key
        -- order, wrapping round: no control is used twice until every one has been. A cell
        -- with fewer than k controls gives each of them once.
        treated_cell AS (
            SELECT t.*, s.nc FROM treated t JOIN cell_size s ON {same_cell("s", "t")}
        ),
        wanted AS ({wanted}),
        pair AS (
            SELECT w.person_id, c.pre, c.post
            FROM wanted w JOIN control c ON {same_cell("c", "w")} AND c.ci = w.ci
        ),
        matched AS (
            SELECT person_id, COUNT(*) AS controls,
                AVG(CAST(pre AS {_FLOAT})) AS c_pre, AVG(CAST(post AS {_FLOAT})) AS c_post
            FROM pair
            GROUP BY person_id
        ),
        cohort AS (
            SELECT b.*, m.controls, m.c_pre, m.c_post,
                (b.post - b.pre) - (m.c_post - m.c_pre) AS d
            FROM before_after b LEFT JOIN matched m ON m.person_id = b.person_id
            WHERE b.pre > 0
        )
    """
    params = [*params, *attribute_params, *wide_params, window]
    return ctes, params


def comparison_values(agg: dict[str, Any]) -> dict[str, Any]:
    """The stored values of one row from its aggregated sums."""
    n = int(agg.get("matched") or 0)
    did = mean(agg.get("sum_d"), n)
    low = high = None
    if n >= 2 and did is not None:
        variance = max(0.0, (num(agg.get("sum_d2")) - n * did * did) / (n - 1))
        half = t_critical(n - 1) * math.sqrt(variance / n)
        low, high = did - half, did + half
    return {
        "comparison_n": n,
        "comparison_unmatched": int(agg.get("unmatched") or 0),
        "referred_mean_pre": mean(agg.get("sum_pre"), n),
        "referred_mean_post": mean(agg.get("sum_post"), n),
        "comparison_mean_pre": mean(agg.get("sum_c_pre"), n),
        "comparison_mean_post": mean(agg.get("sum_c_post"), n),
        "did": did,
        "did_ci_low": low,
        "did_ci_high": high,
    }


# Only hash joins (docs/performance.md): the CTEs are estimated at a row or two, so the
# planner would otherwise loop over the cells or the cohort, re-running the per-patient
# aggregate under each row, or sort two million patient rows to merge them with ten thousand
# cells.
_hash_joins = hash_joins


def compute(
    *,
    start: dt.date,
    end: dt.date,
    window: int,
    dimensions: Sequence[str],
    levels: Sequence[str],
    patients: str | None = None,
) -> dict[Key, dict[str, Any]]:
    """The comparison values per (level, code, dimension, group) found; a key not found has
    no one in it (``comparison_values({})``)."""
    ctes, params = comparison_sql(start, end, window, patients)
    with _hash_joins():
        found = grouped(ctes, params, AGGREGATES, dimensions=dimensions, levels=levels)
    return {key: comparison_values(agg) for key, agg in found.items()}


def demand_compute(
    *, start: dt.date, end: dt.date, window: int, dimensions: Sequence[str], levels: Sequence[str]
) -> list[SnapshotRow]:
    """``demand`` with the comparison group beside before/after: every row (each level, code
    and breakdown group) carries the comparison values of the same people."""
    with patient_pass(start, end, window) as patients:
        rows = demand.compute(
            start=start,
            end=end,
            window=window,
            dimensions=dimensions,
            levels=levels,
            patients=patients,
        )
        found = compute(
            start=start,
            end=end,
            window=window,
            dimensions=dimensions,
            levels=levels,
            patients=patients,
        )
    empty = comparison_values({})
    return [
        SnapshotRow(*row[:4], row.values | found.get(tuple(row[:4]), empty))  # type: ignore[arg-type]
        for row in rows
    ]

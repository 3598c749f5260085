"""``demand``: GP appointments in the W months before and after a person's first
referral, and the attendance skew of each practice's list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection

from outcomes.metrics.dimensions import TOTAL, groups_of
from outcomes.metrics.intervals import sample_sd
from outcomes.metrics.periods import month_end, month_of, month_start
from outcomes.metrics.sql import (
    Key,
    SnapshotRow,
    T,
    counted_in_figures,
    date_param,
    grid,
    grouped,
    hash_joins,
    is_postgres,
    mean,
    month_date,
    month_index,
    num,
    person_attributes,
    share,
)

SKEW_MONTHS = 12
SKEW_NAMES = (
    "list_size",
    "appointments",
    "frequent_attenders",
    "frequent_attender_share",
    "frequent_attenders_referred_pct",
    "zero_attender_pct",
)


def cohort_months(start: dt.date, end: dt.date) -> tuple[int, int]:
    """The months (as month indexes) whose last day lies within [start, end]."""
    last = month_of(end) if month_end(month_of(end)) == end else month_of(end) - 1
    return month_of(start), last


def cohort_sql(
    start: dt.date,
    end: dt.date,
    window: int,
    *,
    name: str = "cohort",
    patients: str | None = None,
) -> tuple[str, list[Any]]:
    """CTEs ending in ``name``: the before/after cohort of [start, end], one row per person
    with the ``pa`` columns, ``m0``, ``patient_id``, ``pre`` and ``post``. With ``patients``
    (the demand job's per-patient table, ``comparison.patient_pass``), ``pre`` and ``post``
    are read from it, with the patient's age band and sex in the extracts
    (``extract_age_band``, ``extract_sex``), instead of from each person's rows."""
    pa_sql, pa_params = person_attributes(end)
    first, last = cohort_months(start, end)

    def months_sum(low: str, high: str) -> str:
        # A person's rows are read through the primary key (practice, patient, month), for a
        # range of plain dates; a person whose key no extract has named has no rows (0).
        return f"""(SELECT COALESCE(SUM(a.appointments), 0) FROM {T["appointments"]} a
                 WHERE a.practice_id = c.practice_id AND a.patient_id = c.patient_id
                    AND a.month BETWEEN {month_date(low)} AND {month_date(high)})"""

    if patients:
        # The per-patient table has each index month's "before" and "after" totals; a
        # cohort member's index month is one of them (m0 + W ends in [start, end]).
        def choose(column: str) -> str:
            cases = " ".join(
                f"WHEN {m0} THEN w.{column}_{i}"
                for i, m0 in enumerate(range(first - window, last - window + 1))
            )
            return f"COALESCE(CASE c.m0 {cases} END, 0)" if cases else "0"

        pre_post = f"""{choose("pre")} AS pre, {choose("post")} AS post,
                w.age_band AS extract_age_band, w.sex AS extract_sex"""
        joined = f"""LEFT JOIN {patients} w
                ON w.practice_id = c.practice_id AND w.patient_id = c.patient_id"""
    else:
        # pre and post are read per person; only the cohort's own rows are touched, never
        # the whole appointments table.
        pre_post = f"""{months_sum(f"c.m0 - {int(window)}", "c.m0 - 1")} AS pre,
                {months_sum("c.m0 + 1", f"c.m0 + {int(window)}")} AS post"""
        joined = ""
    ctes = f"""
        pa AS ({pa_sql}),
        first_referral AS (
            SELECT person_id, {month_index("MIN(received_on)")} AS m0
            FROM {T["referral"]} GROUP BY person_id
        ),
        extract_month AS (
            SELECT practice_id, {month_index("month")} AS m FROM {T["extract"]}
        ),
        candidates AS (
            SELECT pa.*, fr.m0, k.id AS patient_id
            FROM pa JOIN first_referral fr ON fr.person_id = pa.person_id
            LEFT JOIN {T["patient_keys"]} k ON k.key = pa.patient_key
            WHERE pa.patient_key <> '' AND pa.practice_id IS NOT NULL
                AND fr.m0 + %s BETWEEN %s AND %s
        ),
        {name} AS MATERIALIZED (
            SELECT c.*, {pre_post}
            FROM candidates c {joined}
            WHERE (SELECT COUNT(*) FROM extract_month e
                   WHERE e.practice_id = c.practice_id
                       AND e.m BETWEEN c.m0 - %s AND c.m0 + %s) = %s
        )
    """
    params = [
        *pa_params,
        window,
        first,
        last,
        window,
        window,
        2 * window + 1,
    ]
    return ctes, params


# The before/after cohort of a demand job, made once when the job runs with the comparison
# group (comparison.patient_pass) and read by both halves.
COHORT_TABLE = "demand_cohort"

AGGREGATES = {
    "n": "COUNT(*)",
    "sum_pre": "SUM(pre)",
    "sum_post": "SUM(post)",
    # Sums of squares, for the standard deviations behind the means' t intervals.
    "ss_pre": "SUM(pre * pre)",
    "ss_post": "SUM(post * post)",
    "ss_change": "SUM((post - pre) * (post - pre))",
    "reduced": "SUM(CASE WHEN post < pre THEN 1 ELSE 0 END)",
}


def skew_months(end: dt.date) -> tuple[int, int]:
    """The attendance skew's 12 calendar months (month indexes) ending with ``end``'s."""
    last = month_of(end)
    return last - SKEW_MONTHS + 1, last


def _skew(end: dt.date, patients: str | None = None) -> dict[str, dict[str, Any]]:
    """Attendance skew per practice over the 12 calendar months ending with ``end``'s month,
    for practices with all 12 extracts. Keyed by ODS code. ``patients``: a table already
    holding each patient's 12-month total (``n12``, and ``in12`` = 1 when they have a row in
    those months; comparison.patient_pass), read instead of the appointment rows."""
    sql, params = skew_sql(end, patients)
    out = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for code, list_size, k, appointments, attenders, top, top_referred in cursor.fetchall():
            list_size, k, appointments = int(list_size), int(k), int(appointments)
            out[code] = {
                "list_size": list_size,
                "appointments": appointments,
                "frequent_attenders": k,
                "frequent_attender_share": share(top, appointments),
                "frequent_attenders_referred_pct": share(top_referred, k),
                "zero_attender_pct": share(list_size - int(attenders), list_size),
            }
    return out


def skew_sql(end: dt.date, patients: str | None = None) -> tuple[str, list[Any]]:
    """The attendance skew's one query (``_skew``) and its parameters."""
    first, last = skew_months(end)
    # Keys are lower-case hex, so byte order is the same as any locale's order; "C" saves
    # PostgreSQL a locale-aware comparison per pair (SQLite compares bytes already).
    key_order = ' COLLATE "C"' if is_postgres() else ""
    if patients is None:
        # One pass over the 12 months (the rows a plain aggregate reads); practices without
        # all 12 extracts drop out at the joins with ``list``.
        totals = f"""SELECT a.practice_id, a.patient_id, SUM(a.appointments) AS n
            FROM {T["appointments"]} a
            WHERE a.month BETWEEN %s AND %s
            GROUP BY a.practice_id, a.patient_id"""
        totals_params = [date_param(month_start(first)), date_param(month_end(last))]
    else:
        totals = f"SELECT practice_id, patient_id, n12 AS n FROM {patients} WHERE in12 = 1"
        totals_params = []
    sql = f"""
        WITH complete AS (
            SELECT practice_id FROM {T["extract"]}
            WHERE month BETWEEN %s AND %s
            GROUP BY practice_id HAVING COUNT(*) = {SKEW_MONTHS}
        ),
        list AS (
            SELECT c.practice_id, COALESCE(SUM(p.count), 0) AS list_size,
                (3 * COALESCE(SUM(p.count), 0) + 99) / 100 AS k
            FROM complete c LEFT JOIN {T["population"]} p ON p.practice_id = c.practice_id
            GROUP BY c.practice_id
        ),
        totals AS MATERIALIZED ({totals}),
        -- The top k without sorting every patient: the k-th largest total T per practice
        -- comes from the histogram of totals; everyone above T is in, and of those at T
        -- the first by patient key fill the rest. No T (k is more than the patients with a
        -- row): everyone with a row is in.
        cumulative AS (
            SELECT practice_id, n,
                SUM(patients) OVER (PARTITION BY practice_id ORDER BY n DESC
                                    ROWS UNBOUNDED PRECEDING) AS upto
            FROM (SELECT practice_id, n, COUNT(*) AS patients FROM totals
                  GROUP BY practice_id, n) histogram
        ),
        threshold AS (
            SELECT c.practice_id, MAX(c.n) AS t
            FROM cumulative c JOIN list l ON l.practice_id = c.practice_id
            WHERE c.upto >= l.k GROUP BY c.practice_id
        ),
        -- Keys' ids looked up one by one through the keys' index (a person's key, a tied
        -- patient's key): hashing the whole keys table to meet a few thousand costs more.
        referred AS (
            SELECT DISTINCT patient_id FROM (
                SELECT (SELECT k.id FROM {T["patient_keys"]} k
                        WHERE k.key = p.patient_key) AS patient_id
                FROM {T["person"]} p JOIN {T["referral"]} r ON r.person_id = p.id
                WHERE p.patient_key <> '' AND r.received_on <= %s
                    AND {counted_in_figures("p.id")}
            ) keyed
            WHERE patient_id IS NOT NULL
        ),
        overall AS (
            SELECT practice_id, SUM(n) AS appointments,
                SUM(CASE WHEN n > 0 THEN 1 ELSE 0 END) AS attenders
            FROM totals GROUP BY practice_id
        ),
        above AS (
            SELECT t.practice_id, COUNT(*) AS patients, SUM(t.n) AS appointments,
                SUM(CASE WHEN ref.patient_id IS NOT NULL THEN 1 ELSE 0 END) AS referred
            FROM totals t
            JOIN list l ON l.practice_id = t.practice_id
            LEFT JOIN threshold th ON th.practice_id = t.practice_id
            LEFT JOIN referred ref ON ref.patient_id = t.patient_id
            WHERE t.n > COALESCE(th.t, -1)
            GROUP BY t.practice_id
        ),
        tied AS (
            SELECT t.practice_id, t.n, t.patient_id,
                ROW_NUMBER() OVER (PARTITION BY t.practice_id
                                   ORDER BY (SELECT k.key FROM {T["patient_keys"]} k
                                             WHERE k.id = t.patient_id){key_order}) AS rn
            FROM totals t JOIN threshold th ON th.practice_id = t.practice_id AND t.n = th.t
        ),
        tied_taken AS (
            SELECT ti.practice_id, SUM(ti.n) AS appointments,
                SUM(CASE WHEN ref.patient_id IS NOT NULL THEN 1 ELSE 0 END) AS referred
            FROM tied ti
            JOIN list l ON l.practice_id = ti.practice_id
            LEFT JOIN above ab ON ab.practice_id = ti.practice_id
            LEFT JOIN referred ref ON ref.patient_id = ti.patient_id
            WHERE ti.rn <= l.k - COALESCE(ab.patients, 0)
            GROUP BY ti.practice_id
        )
        SELECT pr.ods_code, l.list_size, l.k,
            COALESCE(o.appointments, 0), COALESCE(o.attenders, 0),
            COALESCE(ab.appointments, 0) + COALESCE(tt.appointments, 0),
            COALESCE(ab.referred, 0) + COALESCE(tt.referred, 0)
        FROM list l
        JOIN {T["practice"]} pr ON pr.id = l.practice_id
        LEFT JOIN overall o ON o.practice_id = l.practice_id
        LEFT JOIN above ab ON ab.practice_id = l.practice_id
        LEFT JOIN tied_taken tt ON tt.practice_id = l.practice_id
    """
    params = [
        date_param(month_start(first)),
        date_param(month_start(last)),
        *totals_params,
        date_param(end),
    ]
    return sql, params


def demand_values(_key: Key, agg: dict[str, Any]) -> dict[str, Any]:
    n = int(agg.get("n") or 0)
    mean_pre = mean(agg.get("sum_pre"), n)
    mean_post = mean(agg.get("sum_post"), n)
    return {
        "n": n,
        "mean_pre": mean_pre,
        "mean_post": mean_post,
        "mean_change": mean_post - mean_pre if n else None,  # type: ignore[operator]
        "pct_reduced": share(agg.get("reduced"), n),
        "sd_pre": sample_sd(num(agg.get("sum_pre")), num(agg.get("ss_pre")), n),
        "sd_post": sample_sd(num(agg.get("sum_post")), num(agg.get("ss_post")), n),
        "sd_change": sample_sd(
            num(agg.get("sum_post")) - num(agg.get("sum_pre")), num(agg.get("ss_change")), n
        ),
    }


def compute(
    *,
    start: dt.date,
    end: dt.date,
    window: int,
    dimensions: Sequence[str],
    levels: Sequence[str],
    patients: str | None = None,
) -> list[SnapshotRow]:
    if patients is None:
        ctes, params = cohort_sql(start, end, window)
    else:  # the cohort made once for the whole job (comparison.patient_pass)
        ctes, params = f"cohort AS (SELECT * FROM {COHORT_TABLE})", []
    found = grouped(ctes, params, AGGREGATES, dimensions=dimensions, levels=levels)
    # Only hash joins: the skew's CTEs (the referred patients above all, about 90,000 at
    # scale 1) are estimated at a few hundred rows, so the planner looped over them for each
    # tied patient (3 s at scale 1, against 0.1 s hashed; docs/performance.md).
    with hash_joins():
        skew = _skew(end, patients)
    rows = []
    for key in grid(groups_of(*dimensions), levels):
        values = demand_values(key, found.get(key, {}))
        level, code, dim, group = key
        if (dim, group) == TOTAL:
            # Every total row carries the skew names; only a practice with all 12 extracts
            # has figures.
            practice = skew.get(code, {}) if level == "practice" else {}
            values |= {name: practice.get(name) for name in SKEW_NAMES}
        rows.append(SnapshotRow(*key, values))
    return rows

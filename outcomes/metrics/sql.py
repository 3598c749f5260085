"""SQL building blocks shared by the metrics: dialect helpers (PostgreSQL and SQLite), the
person-attributes query (level codes and breakdown groups), and one UNION ALL query that
aggregates a cohort at every level and for every breakdown.

Everything is computed by the database; Python only loops over the handful of
(level, code, dimension, group) rows that come back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, NamedTuple

from django.db import connection, transaction

from assets.models import Asset
from champions.models import Champion
from outcomes.metrics.dimensions import AGE_BANDS, DIMENSIONS, LEVELS, PERSON_DIMENSIONS, TOTAL
from outcomes.models import AppointmentCount, AppointmentExtract, PatientKey, PopulationCell
from referrals.models import (
    Connection,
    Consent,
    ConsentPurpose,
    Conversation,
    FriendsObservation,
    Ons4Response,
    Person,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    SwemwbsResponse,
)
from socialrx.models import PCN, LsoaImd, Postcode, Practice

# Table names, read from the models so that a db_table change cannot silently break a query.
T = {
    "person": Person._meta.db_table,
    "referral": Referral._meta.db_table,
    "status_change": ReferralStatusChange._meta.db_table,
    "conversation": Conversation._meta.db_table,
    "friends": FriendsObservation._meta.db_table,
    "swemwbs": SwemwbsResponse._meta.db_table,
    "ons4": Ons4Response._meta.db_table,
    "connection": Connection._meta.db_table,
    "consent": Consent._meta.db_table,
    "asset": Asset._meta.db_table,
    "champion": Champion._meta.db_table,
    "practice": Practice._meta.db_table,
    "pcn": PCN._meta.db_table,
    "lsoa": LsoaImd._meta.db_table,
    "postcode": Postcode._meta.db_table,
    "population": PopulationCell._meta.db_table,
    "extract": AppointmentExtract._meta.db_table,
    "appointments": AppointmentCount._meta.db_table,
    "patient_keys": PatientKey._meta.db_table,
}


class SnapshotRow(NamedTuple):
    level: str
    code: str
    dimension: str
    group: str
    values: dict[str, Any]


Key = tuple[str, str, str, str]  # (level, code, dimension, group)


# --- dialect -------------------------------------------------------------------------------


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def month_index(col: str) -> str:
    """Months since year 0 (year × 12 + month − 1): month arithmetic without date functions."""
    if is_postgres():
        return f"(CAST(EXTRACT(YEAR FROM {col}) AS INTEGER) * 12 + CAST(EXTRACT(MONTH FROM {col}) AS INTEGER) - 1)"
    return f"(CAST(strftime('%%Y', {col}) AS INTEGER) * 12 + CAST(strftime('%%m', {col}) AS INTEGER) - 1)"


def month_date(index: str) -> str:
    """The first day of the month whose month index (``month_index``) is the expression
    ``index``: a plain date, so that a range of months can use an index (and, on PostgreSQL,
    prune the appointments table's month partitions while the query runs)."""
    if is_postgres():
        return (
            f"make_date(CAST(({index}) / 12 AS INTEGER), CAST(({index}) %% 12 AS INTEGER) + 1, 1)"
        )
    return f"date(printf('%%04d-%%02d-01', ({index}) / 12, ({index}) %% 12 + 1))"


def ymd(col: str) -> str:
    """The date as the integer YYYYMMDD (whole-year ages are a difference divided by 10000)."""
    if is_postgres():
        return f"CAST(to_char({col}, 'YYYYMMDD') AS INTEGER)"
    return f"CAST(strftime('%%Y%%m%%d', {col}) AS INTEGER)"


def day_number(col: str) -> str:
    """Days since 2000-01-01, so that a difference of two is a number of days."""
    if is_postgres():
        return f"({col} - DATE '2000-01-01')"
    return f"CAST(julianday({col}) - 2451544.5 AS INTEGER)"


# Memory PostgreSQL may use per sort or hash in a metric job (the 12-month per-patient
# totals of the attendance skew: about a million groups for an integrated care system of a
# million patients). The default 4MB would spill them to disk several times over.
POSTGRES_WORK_MEM = "256MB"


@contextmanager
def metric_session() -> Iterator[None]:
    """Where a metric's queries run: on PostgreSQL, one read transaction with a larger
    ``work_mem`` for its sorts and hashes and no JIT (SET LOCAL: only for this
    transaction)."""
    if not is_postgres():
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{POSTGRES_WORK_MEM}'")
            # No JIT compilation: a metric's queries are large plans run once, so compiling
            # them costs more than it saves (the demand job took 0.5–1.5 s longer with it,
            # docs/performance.md).
            cursor.execute("SET LOCAL jit = off")
        yield


@contextmanager
def planner(**settings: str) -> Iterator[None]:
    """On PostgreSQL, these planner settings for the queries inside (in a savepoint, so an
    error takes them back too), each set back to what it was after. Elsewhere, nothing."""
    if not is_postgres():
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join("current_setting(%s)" for _ in settings), list(settings)
        )
        before = dict(zip(settings, cursor.fetchone(), strict=True))
        for name, value in settings.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        yield
        for name, value in before.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


def hash_joins() -> AbstractContextManager[None]:
    """On PostgreSQL, only hash joins for the queries inside. A metric's CTEs (a cohort
    filtered by consent through a correlated subquery, first and latest answers by window
    functions) are estimated at a row or two when they hold thousands, so the planner would
    otherwise nest loops over them: the people of a change metric compared one by one with
    every cohort row (minutes at a large integrated care system's scale, against about a
    second). Hash joins are right at every scale here; per-row lookups written as subqueries
    stay index scans."""
    return planner(enable_nestloop="off", enable_mergejoin="off")


def sorted_aggregate() -> AbstractContextManager[None]:
    """On PostgreSQL, group by sorting rather than hashing, without parallel workers, for the
    queries inside. For a grouping by the appointment rows' primary key (practice, patient)
    over many month partitions, the rows then come in key order from each partition's index
    (a merge of the partitions) and each group is finished as soon as its last row is read:
    twice as fast at an integrated care system's scale as a hash table of a million groups,
    which parallel workers could not share (each saw every patient in its months, so the
    final hash merged two million partial groups), and with no memory to speak of
    (docs/performance.md)."""
    return planner(enable_hashagg="off", max_parallel_workers_per_gather="0")


def date_param(value: dt.date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def datetime_param(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


# The only codes a literal IN list may hold: every group of every dimension and every
# referral status. Anything else (user input above all) is refused, never quoted.
SQL_CODES = frozenset(
    {group for dimension in DIMENSIONS.values() for group in dimension.groups}
    | set(ReferralStatus.values)
)


def sql_in(values: Iterable[str]) -> str:
    """A literal IN list of known codes (``SQL_CODES``); ValueError for anything else."""
    codes = list(values)
    unknown = [v for v in codes if not isinstance(v, str) or v not in SQL_CODES]
    if unknown or not codes:
        raise ValueError(f"Not a known code for an SQL IN list: {unknown or 'empty list'!r}")
    return "(" + ", ".join(f"'{v}'" for v in codes) + ")"


# --- people --------------------------------------------------------------------------------


def counted_in_figures(person_id: str) -> str:
    """SQL condition: the person whose id is the expression ``person_id`` may be counted, that
    is, their latest answer for de-identified figures is not "no" (never asked counts;
    docs/metrics.md, "Consent"). Every metric's cohort passes through it: through
    ``person_attributes`` for the people-based ones, directly for the rest. The people whose
    latest answer is "no" are found once per query (PostgreSQL keeps them in a hash), not
    looked up person by person."""
    return f"""{person_id} NOT IN (
        SELECT latest.person_id FROM (
            SELECT k.person_id, k.given,
                ROW_NUMBER() OVER (PARTITION BY k.person_id
                                   ORDER BY k.recorded_at DESC, k.id DESC) AS rn
            FROM {T["consent"]} k
            WHERE k.purpose = '{ConsentPurpose.DEIDENTIFIED_FIGURES.value}'
        ) latest
        WHERE latest.rn = 1 AND NOT latest.given
    )"""


def person_attributes(end: dt.date) -> tuple[str, list[Any]]:
    """One row per person who may be counted (``counted_in_figures``): level codes (practice
    ODS code, PCN code; NULL when none) and the four breakdown groups on ``end``. Use as a
    CTE named ``pa``."""
    bands = " ".join(
        f"WHEN age BETWEEN {lo} AND {hi} THEN '{band}'"
        if hi is not None
        else f"WHEN age >= {lo} THEN '{band}'"
        for lo, hi, band in AGE_BANDS
    )
    quintiles = " ".join(f"WHEN {q} THEN '{q}'" for q in range(1, 6))
    sql = f"""
        SELECT person_id, patient_key, practice_id, practice_code, pcn_code,
            CASE WHEN decile BETWEEN 1 AND 10 THEN CASE (decile + 1) / 2 {quintiles} END
                 ELSE 'unknown' END AS imd_quintile,
            CASE {bands} ELSE 'unknown' END AS age_band,
            CASE WHEN sex IN {sql_in(PERSON_DIMENSIONS["sex"][:-1])} THEN sex
                 ELSE 'unknown' END AS sex,
            CASE WHEN ethnicity IN {sql_in(PERSON_DIMENSIONS["ethnicity"][:-1])} THEN ethnicity
                 ELSE 'unknown' END AS ethnicity
        FROM (
            SELECT p.id AS person_id, p.patient_key AS patient_key,
                p.practice_id AS practice_id, pr.ods_code AS practice_code,
                pcn.code AS pcn_code, p.sex AS sex, p.ethnicity AS ethnicity,
                COALESCE(p.imd_decile, li.imd_decile, lp.imd_decile) AS decile,
                CASE WHEN p.date_of_birth IS NULL THEN NULL
                     ELSE (%s - {ymd("p.date_of_birth")}) / 10000 END AS age
            FROM {T["person"]} p
            LEFT JOIN {T["practice"]} pr ON pr.id = p.practice_id
            LEFT JOIN {T["pcn"]} pcn ON pcn.id = pr.pcn_id
            LEFT JOIN {T["lsoa"]} li ON li.lsoa_code = p.lsoa_code
            LEFT JOIN {T["postcode"]} pc
                ON pc.postcode = UPPER(REPLACE(p.postcode, ' ', ''))
            LEFT JOIN {T["lsoa"]} lp ON lp.lsoa_code = pc.lsoa_code
            WHERE {counted_in_figures("p.id")}
        ) people
    """
    return sql, [int(end.strftime("%Y%m%d"))]


# --- aggregation ---------------------------------------------------------------------------

_CODE = {"all": "''", "pcn": "pcn_code", "practice": "practice_code"}
_WHERE = {
    "all": "",
    "pcn": "WHERE pcn_code IS NOT NULL",
    "practice": "WHERE practice_code IS NOT NULL",
}


def _branches(
    dimensions: Sequence[str], levels: Sequence[str]
) -> list[tuple[str, str, str, str, list[str]]]:
    """(level, code expression, dimension, group expression, GROUP BY columns) per branch."""
    out = []
    for level in levels:
        for dim in ("total", *dimensions):
            group_by = [c for c in (_CODE[level], dim) if c not in ("''", "total")]
            out.append((level, _CODE[level], dim, "'all'" if dim == "total" else dim, group_by))
    return out


def grouped(
    ctes: str,
    params: Sequence[Any],
    aggregates: Mapping[str, str],
    *,
    dimensions: Sequence[str] = (),
    levels: Sequence[str] = LEVELS,
) -> dict[Key, dict[str, Any]]:
    """Aggregate the CTE ``cohort`` (defined in ``ctes``) at every level and for each
    breakdown dimension (marginal), in one UNION ALL query.

    ``cohort`` has the columns ``practice_code`` and ``pcn_code`` (NULL when none) for the
    levels asked for, and one column per dimension holding its group.
    """
    select = ", ".join(f"{expr} AS {name}" for name, expr in aggregates.items())
    parts = []
    for level, code, dim, group, group_by in _branches(dimensions, levels):
        gb = f"GROUP BY {', '.join(group_by)}" if group_by else ""
        parts.append(
            f"SELECT '{level}' AS lvl, {code} AS code, '{dim}' AS dim, {group} AS grp, "
            f"{select} FROM cohort {_WHERE[level]} {gb}"
        )
    sql = f"WITH {ctes} " + " UNION ALL ".join(parts)
    names = list(aggregates)
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return {
            (lvl, code or "", dim, str(grp)): dict(zip(names, rest, strict=True))
            for lvl, code, dim, grp, *rest in cursor.fetchall()
        }


def grouped_median(
    ctes: str,
    params: Sequence[Any],
    expression: str,
    *,
    dimensions: Sequence[str] = (),
    levels: Sequence[str] = LEVELS,
) -> dict[Key, float]:
    """The median of ``expression`` over ``cohort`` rows where it is not NULL, per level and
    group. PostgreSQL: PERCENTILE_CONT(0.5). SQLite has no percentile aggregate: the rows of
    each group are numbered in order and the middle one (odd count) or the mean of the
    middle two (even count) is taken, which is the same value."""
    if is_postgres():
        found = grouped(
            ctes,
            params,
            {"median": f"PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY {expression})"},
            dimensions=dimensions,
            levels=levels,
        )
        return {k: float(v["median"]) for k, v in found.items() if v["median"] is not None}
    parts = []
    for level, code, dim, group, _ in _branches(dimensions, levels):
        parts.append(
            f"""SELECT '{level}' AS lvl, code, '{dim}' AS dim, grp, AVG(x) AS median FROM (
                    SELECT code, grp, x,
                        ROW_NUMBER() OVER (PARTITION BY code, grp ORDER BY x) AS rn,
                        COUNT(*) OVER (PARTITION BY code, grp) AS cnt
                    FROM (SELECT {code} AS code, {group} AS grp, {expression} AS x
                          FROM cohort {_WHERE[level] or "WHERE 1 = 1"}
                          AND {expression} IS NOT NULL) sub
                ) numbered
                WHERE rn IN ((cnt + 1) / 2, (cnt + 2) / 2)
                GROUP BY code, grp"""
        )
    sql = f"WITH {ctes} " + " UNION ALL ".join(parts)
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return {
            (lvl, code or "", dim, str(grp)): float(median)
            for lvl, code, dim, grp, median in cursor.fetchall()
        }


def level_codes(levels: Sequence[str] = LEVELS) -> dict[str, list[str]]:
    """Every code each level has rows for: every PCN with a practice and every practice."""
    codes: dict[str, list[str]] = {"all": [""]}
    if "pcn" in levels:
        codes["pcn"] = sorted(
            set(Practice.objects.filter(pcn__isnull=False).values_list("pcn__code", flat=True))
        )
    if "practice" in levels:
        codes["practice"] = sorted(Practice.objects.values_list("ods_code", flat=True))
    return {level: codes[level] for level in levels}


def grid(dimensions: Mapping[str, Sequence[str]], levels: Sequence[str] = LEVELS) -> list[Key]:
    """Every (level, code, dimension, group) a metric has a row for, zeros included, so a
    dashboard never mistakes a missing row for a missing computation."""
    keys: list[Key] = []
    for level, codes in level_codes(levels).items():
        for code in codes:
            keys.append((level, code, *TOTAL))
            for dim, groups in dimensions.items():
                keys.extend((level, code, dim, g) for g in groups)
    return keys


def rows_from(
    keys: Iterable[Key],
    found: Mapping[Key, dict[str, Any]],
    values: Callable[[Key, dict[str, Any]], dict[str, Any]],
) -> list[SnapshotRow]:
    return [SnapshotRow(*key, values(key, found.get(key, {}))) for key in keys]


def num(value: Any) -> float:
    """Aggregates come back as int, float or Decimal depending on the database."""
    return float(value) if value is not None else 0.0


def share(part: Any, whole: Any) -> float | None:
    """part / whole × 100, or None when whole is 0."""
    return num(part) / num(whole) * 100 if whole else None


def mean(total: Any, n: Any) -> float | None:
    return num(total) / num(n) if n else None

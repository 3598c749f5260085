"""Demo data, outcomes step: registered populations, 24 monthly GP appointment extracts per
practice, then every metric for the last 8 quarters and the 12 months to today, so the
dashboards and their trends are full.

The generators here are shared with the benchmark (``python -m bench.metrics``): the
appointment rows are made by one ``INSERT … SELECT`` in the database (PostgreSQL or SQLite),
with a deterministic integer hash for randomness, so a demo of a few thousand patients and an
integrated care system of a million are made by the same code.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from itertools import product
from typing import Any

from django.db import connection

from outcomes.metrics.dimensions import PERSON_DIMENSIONS
from outcomes.metrics.periods import month_of, month_start, standard_periods
from outcomes.metrics.registry import METRIC_NAMES
from outcomes.metrics.sql import T, is_postgres, month_index
from outcomes.models import AppointmentExtract, PopulationCell
from outcomes.partitions import month_partitions_ensure
from outcomes.services.metrics import metric_compute
from outcomes.trends import TREND_QUARTERS
from socialrx.models import Practice

MONTHS = 24
# Attendance model. Each patient falls in a tier by a hash of their seed (0–999): the
# upper bound of the tier, the chance per mille of at least one appointment in a month,
# and the most appointments in such a month. Most patients see the practice rarely; the
# last 3% are frequent attenders (about a sixth of all appointments).
TIERS = ((300, 50, 1), (600, 200, 1), (850, 450, 2), (970, 750, 3), (1000, 950, 6))
# People who are referred attend more than most; after their referral month they attend a
# quarter less often (what the demand metric should find).
REFERRED_TIER_FLOOR = 600
AFTER_REFERRAL_PER_MILLE = 750

# Registered population mix: (group, share) per dimension. IMD has a deprived and an
# affluent profile; a practice's mix lies between them.
IMD_DEPRIVED = {"1": 0.36, "2": 0.26, "3": 0.17, "4": 0.11, "5": 0.07, "unknown": 0.03}
IMD_AFFLUENT = {"1": 0.05, "2": 0.10, "3": 0.20, "4": 0.28, "5": 0.34, "unknown": 0.03}
AGE_MIX = {
    "0-17": 0.20,
    "18-24": 0.09,
    "25-34": 0.15,
    "35-44": 0.14,
    "45-54": 0.13,
    "55-64": 0.12,
    "65-74": 0.09,
    "75-84": 0.06,
    "85+": 0.02,
}
SEX_MIX = {"female": 0.5, "male": 0.49, "other": 0.005, "unknown": 0.005}
ETHNICITY_MIX = {
    "white": 0.78,
    "asian": 0.10,
    "black": 0.05,
    "mixed": 0.03,
    "other": 0.02,
    "unknown": 0.02,
}


# --- SQL helpers (PostgreSQL and SQLite) ----------------------------------------------------


def rnd(expr: str) -> str:
    """A deterministic hash of an integer expression, 0–999: one LCG step, on the input
    reduced below 2³¹ first so that no product overflows 64-bit integers (SQLite would turn
    it into a float, PostgreSQL would refuse it). Good enough to scatter demo data, and the
    same on both databases."""
    return (
        f"(((((CAST({expr} AS BIGINT) %% 2147483648) * 1103515245 + 12345) %% 2147483648)"
        f" / 65536) %% 1000)"
    )


def series(name: str, n: int) -> str:
    """A CTE ``name(i)`` of 1…n (put after ``WITH RECURSIVE``)."""
    if is_postgres():
        return f"{name}(i) AS (SELECT generate_series(1, {int(n)}))"
    return f"{name}(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM {name} WHERE i < {int(n)})"


def synthetic_key(expr: str) -> str:
    """A 64-character hex patient key made from an integer: shaped like a real one (an
    HMAC-SHA256), and never equal to one."""
    if is_postgres():
        return f"lpad(to_hex(CAST({expr} AS BIGINT)), 64, '0')"
    return f"printf('%%064x', {expr})"


def date_literal(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'" if is_postgres() else f"'{day.isoformat()}'"


def _months_cte(months: Sequence[int]) -> str:
    values = " UNION ALL ".join(
        f"SELECT CAST({m} AS BIGINT) AS m, {date_literal(month_start(m))} AS month" for m in months
    )
    return f"months AS ({values})"


def _probability(tier: str) -> str:
    cases = " ".join(f"WHEN {tier} < {bound} THEN {p}" for bound, p, _ in TIERS)
    return f"CASE {cases} END"


def _most(tier: str) -> str:
    cases = " ".join(f"WHEN {tier} < {bound} THEN {most}" for bound, _, most in TIERS)
    return f"CASE {cases} END"


def _from_mix(seed: str, mix: dict[str, float]) -> str:
    """A group drawn from ``mix`` by a hash of ``seed`` (the same for every month of a
    patient): the age band and sex an extract gives the patient."""
    cases, upto = [], 0.0
    for group, share in mix.items():
        upto += share
        cases.append(f"WHEN {rnd(seed)} < {round(upto * 1000)} THEN '{group}'")
    return f"CASE {' '.join(cases)} ELSE 'unknown' END"


def appointments_insert(patients_cte: str, months: Sequence[int], *, dense: bool = False) -> int:
    """Monthly appointment rows for the patients of ``patients_cte`` (a CTE named ``patients``
    with practice_id, patient_key, id, seed, tier, m0 — m0 the index month of a referral, or
    NULL) over ``months``; how many rows were made. Only patient-months with at least one
    appointment get a row, unless ``dense``. Each patient's key is stored with the given id
    (unique: registered patients and people on the caseload take ids from ranges apart), so the
    rows need no lookup of the key; ``patient_ids_settle`` moves the id sequence past them once
    all are made. ``seed`` only drives the made-up figures."""
    month_partitions_ensure([month_start(m) for m in months])
    execute(
        f"""INSERT INTO {T["patient_keys"]} (id, key)
            WITH RECURSIVE {patients_cte} SELECT id, patient_key FROM patients"""
    )
    attend = (
        f"CASE WHEN pt.m0 IS NOT NULL AND mo.m > pt.m0 "
        f"THEN {_probability('pt.tier')} * {AFTER_REFERRAL_PER_MILLE} / 1000 "
        f"ELSE {_probability('pt.tier')} END"
    )
    count = (
        f"CASE WHEN {rnd('pt.seed * 53 + mo.m * 7919 + 17')} < {attend} "
        f"THEN 1 + {rnd('pt.seed * 31 + mo.m * 104729 + 5')} %% {_most('pt.tier')} ELSE 0 END"
    )
    return execute(f"""
        INSERT INTO {T["appointments"]} (practice_id, patient_id, month, appointments,
            age_band, sex)
        WITH RECURSIVE {patients_cte}, {_months_cte(months)}
        SELECT practice_id, id, month, n, age_band, sex FROM (
            SELECT pt.practice_id, pt.id, mo.month, {count} AS n,
                {_from_mix("pt.seed * 13 + 1", AGE_MIX)} AS age_band,
                {_from_mix("pt.seed * 11 + 3", SEX_MIX)} AS sex
            FROM patients pt CROSS JOIN months mo
        ) generated
        {"" if dense else "WHERE n > 0"}
    """)


def patient_ids_settle() -> None:
    """After ids were given explicitly (``appointments_insert``), start PostgreSQL's id
    sequence after the largest, so that keys an import adds later get new ids. (SQLite's
    AUTOINCREMENT does this by itself.)"""
    if is_postgres():
        table = T["patient_keys"]
        execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )


def synthetic_patients_cte(
    practice_ids: Sequence[int], per_practice: int, *, referred_every: int = 0, first_month: int = 0
) -> str:
    """Registered patients 1…per_practice of each practice, seeded by practice id and
    number. When ``referred_every`` is set, every n-th patient is referred in a month of the
    24 from ``first_month`` (the benchmark makes those people and referrals to match)."""
    ids = ", ".join(str(int(i)) for i in practice_ids)
    seed = "(pr.id * 10000000 + s.i)"
    m0 = (
        f"CASE WHEN s.i %% {referred_every} = 0 THEN {first_month} + {rnd(seed + ' * 7')} %% {MONTHS} END"
        if referred_every
        else "CAST(NULL AS BIGINT)"
    )
    tier = (
        f"CASE WHEN s.i %% {referred_every} = 0 THEN {REFERRED_TIER_FLOOR} + {rnd(seed)} %% {1000 - REFERRED_TIER_FLOOR} ELSE {rnd(seed)} END"
        if referred_every
        else rnd(seed)
    )
    return f"""{series("seq", per_practice)},
        patients AS MATERIALIZED (
            SELECT pr.id AS practice_id, {synthetic_key(seed)} AS patient_key, {seed} AS id,
                {seed} AS seed, {tier} AS tier, {m0} AS m0
            FROM {T["practice"]} pr CROSS JOIN seq s WHERE pr.id IN ({ids})
        )"""


# The ids of the keys of people on the caseload start here, far past any registered patient's
# (practice id × 10,000,000 + number): their seeds alone could meet once practice ids pass 90.
REFERRED_IDS = 10**15


def referred_people_patients_cte() -> str:
    """The people already on the caseload with a patient key and a practice: their first
    referral's month is m0, and they attend more than most."""
    seed = "(900000000 + p.id)"
    return f"""patients AS MATERIALIZED (
            SELECT p.practice_id, p.patient_key, {REFERRED_IDS} + p.id AS id, {seed} AS seed,
                {REFERRED_TIER_FLOOR} + {rnd(seed)} %% {1000 - REFERRED_TIER_FLOOR} AS tier,
                (SELECT {month_index("MIN(r.received_on)")} FROM {T["referral"]} r
                 WHERE r.person_id = p.id) AS m0
            FROM {T["person"]} p
            WHERE p.patient_key <> '' AND p.practice_id IS NOT NULL
        )"""


def execute(sql: str) -> int:
    """Run generated SQL. Always with a (empty) parameter list, so that ``%%`` means ``%`` on
    both databases, as in the metrics' queries."""
    with connection.cursor() as cursor:
        cursor.execute(sql, [])
        return cursor.rowcount


def extracts_create(practice_ids: Sequence[int], months: Sequence[int]) -> None:
    """One extract per practice and month, with its row count."""
    AppointmentExtract.objects.bulk_create(
        [
            AppointmentExtract(practice_id=p, month=month_start(m))
            for p in practice_ids
            for m in months
        ]
    )
    execute(
        f"""UPDATE {T["extract"]} SET rows = (
                SELECT COUNT(*) FROM {T["appointments"]} a
                WHERE a.practice_id = {T["extract"]}.practice_id
                    AND a.month = {T["extract"]}.month)"""
    )


def population_cells(practice_id: int, list_size: int, deprivation: float) -> list[PopulationCell]:
    """Cells of one practice's registered population summing exactly to ``list_size``
    (largest remainders), with an IMD mix ``deprivation`` of the way from affluent to
    deprived."""
    imd = {
        q: deprivation * IMD_DEPRIVED[q] + (1 - deprivation) * IMD_AFFLUENT[q] for q in IMD_DEPRIVED
    }
    shares = {
        groups: imd[groups[0]] * AGE_MIX[groups[1]] * SEX_MIX[groups[2]] * ETHNICITY_MIX[groups[3]]
        for groups in product(imd, AGE_MIX, SEX_MIX, ETHNICITY_MIX)
    }
    exact = {g: s * list_size for g, s in shares.items()}
    counts = {g: int(v) for g, v in exact.items()}
    short = list_size - sum(counts.values())
    for g in sorted(exact, key=lambda g: exact[g] - counts[g], reverse=True)[:short]:
        counts[g] += 1
    if set(imd) != set(PERSON_DIMENSIONS["imd_quintile"]):
        raise ValueError("the demo population needs every IMD quintile")
    return [
        PopulationCell(
            practice_id=practice_id, imd_quintile=q, age_band=a, sex=s, ethnicity=e, count=n
        )
        for (q, a, s, e), n in counts.items()
        if n
    ]


def demo_months(today: dt.date) -> list[int]:
    """24 months up to and including ``today``'s (its extract so far), so that the 12 months
    ending today have a complete year of extracts for the attendance skew."""
    last = month_of(today)
    return list(range(last - MONTHS + 1, last + 1))


# --- the demo step --------------------------------------------------------------------------


def seed(ctx: Any) -> None:
    rng: random.Random = ctx.rng
    practices: list[Practice] = list(ctx.practices) or list(Practice.objects.all())
    if not practices:
        return
    months = demo_months(ctx.today)
    sizes = {}
    cells = []
    for practice in practices:
        sizes[practice.pk] = rng.randint(2000, 3200)
        # The first PCN's practices serve the more deprived area (as demo.core places them).
        deprived = ctx.pcns and practice.pcn_id == ctx.pcns[0].pk
        deprivation = rng.uniform(0.6, 0.9) if deprived else rng.uniform(0.1, 0.4)
        cells += population_cells(practice.pk, sizes[practice.pk], deprivation)
    PopulationCell.objects.bulk_create(cells, batch_size=2000)
    # The registered patients never referred, then the people on the caseload (whose
    # patient keys the extracts carry, as a real extract would).
    for practice in practices:
        appointments_insert(synthetic_patients_cte([practice.pk], sizes[practice.pk]), months)
    appointments_insert(referred_people_patients_cte(), months)
    patient_ids_settle()
    extracts_create([p.pk for p in practices], months)
    # The last two years by quarter (the trend pages) and the 12 months to today.
    for start, end in standard_periods(today=ctx.today, quarters=TREND_QUARTERS):
        for metric in METRIC_NAMES:
            metric_compute(metric=metric, start=start, end=end)

"""The benchmark's world, at scale 1: 100 practices of 10,000 registered patients, 100,000
people referred (every tenth patient) with their referrals, 1,000,000 conversations with
friends and wellbeing measures, 20,000 community assets with connections, some volunteers, and
24 months of appointment extracts. Everything is made by ``INSERT … SELECT`` in PostgreSQL
with the demo's deterministic hash (``demo.outcomes.rnd``) for randomness.

Import this module only once Django is set up (``bench.common.django_setup``).
"""

from __future__ import annotations

import json
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models
from django.utils import timezone

from assets.models import Asset, Category, LedBy
from bench.common import Timer
from bench.listings import listing_text
from champions.models import Champion
from demo import outcomes as demo
from demo.outcomes import rnd
from outcomes.metrics.periods import month_start
from outcomes.metrics.sql import T
from outcomes.models import (
    AppointmentCount,
    AppointmentExtract,
    MetricSnapshot,
    PatientKey,
    PopulationCell,
    Run,
)
from referrals.models import (
    Connection,
    Conversation,
    FriendsObservation,
    Person,
    Referral,
    ReferralStatusChange,
    SwemwbsResponse,
)
from socialrx.models import PCN, Practice, Team

PATIENTS_PER_PRACTICE = 10_000
REFERRED_EVERY = 10  # 100,000 people referred per 1,000,000 registered
CONVERSATIONS_PER_PERSON = 10
ASSETS_PER_PRACTICE = 200
BENCH_PREFIX = "bench-"


def generate(*, scale: float, dense: bool, months: list[int]) -> dict[str, int]:
    """Replace the database's practices, people and outcome data with the world at
    ``scale``; return how many rows of each kind were made."""
    n_practices = max(1, round(100 * scale))
    counts: dict[str, int] = {}
    with Timer("reset"):
        _reset()
    with Timer(f"{n_practices} practices and their registered populations"):
        team, ids = _practices(n_practices, counts)
    with Timer(f"appointment rows ({'every patient-month' if dense else 'attending months only'})"):
        # Loading then indexing is several times faster than maintaining the indexes row by
        # row; the indexes are put back exactly as the migrations made them.
        restore = _indexes_drop(T["appointments"])
        counts["appointment_rows"] = _appointments(ids, months, dense=dense)
    with Timer("appointment indexes"):
        for statement in restore:
            demo.execute(statement)
    with Timer("extracts"):
        demo.extracts_create(ids, months)
    with Timer("people referred (every tenth patient) and their referrals"):
        _people(ids, team, counts)
        _referrals(team, months[0], counts)
    with Timer(f"conversations ({CONVERSATIONS_PER_PERSON} per person) and measures"):
        _conversations(counts)
    with Timer("assets, connections and volunteers"):
        _assets(n_practices, months[0], counts)
        _connections_and_volunteers(counts)
    with Timer("ANALYZE"), connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts


def insert_select(model: Any, columns: dict[str, str], source: str, *, ctes: str = "") -> int:
    """INSERT INTO model's table (columns) SELECT expressions FROM source. Every other
    NOT NULL column gets its field's default (or '' / now()), so fields added by other
    apps' migrations do not break the generator."""
    values = dict(columns)
    now = timezone.now().isoformat()
    for field in model._meta.concrete_fields:
        column = field.column
        if column is None or column in values or field.primary_key or field.null:
            continue
        values[column] = _default_sql(model, field, now)
    cols = ", ".join(f'"{c}"' for c in values)
    exprs = ", ".join(values.values())
    return demo.execute(
        f"INSERT INTO {model._meta.db_table} ({cols}) {ctes} SELECT {exprs} FROM {source}"
    )


def _default_sql(model: Any, field: Any, now: str) -> str:
    """An SQL literal for a NOT NULL column the generator does not set."""
    if isinstance(field, models.DateTimeField | models.DateField) and (
        field.auto_now or field.auto_now_add
    ):
        return f"CAST('{now}' AS TIMESTAMPTZ)"
    if field.has_default():
        default = field.get_default()
        literal = json.dumps(default) if isinstance(field, models.JSONField) else default
        if isinstance(literal, bool):
            return "TRUE" if literal else "FALSE"
        if isinstance(literal, int | float):
            return str(literal)
        return "'" + str(literal).replace("'", "''") + "'"
    if isinstance(field, models.CharField | models.TextField):
        return "''"
    raise RuntimeError(f"No value for NOT NULL {model.__name__}.{field.name}")


def _indexes_drop(table: str) -> list[str]:
    """Drop ``table``'s primary key, unique constraints and secondary indexes; return the
    statements that recreate them."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
               WHERE conrelid = %s::regclass AND contype IN ('p', 'u')""",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.tablename = %s AND i.indexname NOT IN (
                   SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)""",
            [table, table],
        )
        indexes = cursor.fetchall()
        for name, _ in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    restore = ["SET maintenance_work_mem = '1GB'"]
    restore += [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for name, definition in constraints
    ]
    restore += [definition for _, definition in indexes]
    return restore


def _reset() -> None:
    tables = [
        m._meta.db_table
        for m in (
            AppointmentCount,
            PatientKey,
            AppointmentExtract,
            PopulationCell,
            MetricSnapshot,
            Run,
            Champion,
            Referral,
            Person,
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    Asset.objects.filter(asset_ref__startswith=BENCH_PREFIX).delete()
    # Users point at practices; the benchmark's database holds no real users.
    get_user_model().objects.filter(practice__isnull=False).delete()
    Practice.objects.all().delete()
    PCN.objects.all().delete()
    Team.objects.filter(code=f"{BENCH_PREFIX}team").delete()


def _practices(n_practices: int, counts: dict[str, int]) -> tuple[Team, list[int]]:
    """Practices in PCNs of ten, each with a registered population; returns the team that
    serves them all and the practices' ids."""
    team = Team.objects.create(code=f"{BENCH_PREFIX}team", name="Benchmark link workers")
    pcns = PCN.objects.bulk_create(
        [PCN(code=f"U9{i:04d}", name=f"Bench PCN {i}") for i in range((n_practices + 9) // 10)]
    )
    practices = Practice.objects.bulk_create(
        [
            Practice(
                ods_code=f"Y9{i:04d}", name=f"Bench practice {i}", pcn=pcns[i // 10], team=team
            )
            for i in range(n_practices)
        ]
    )
    cells = []
    for i, practice in enumerate(practices):
        cells += demo.population_cells(practice.pk, PATIENTS_PER_PRACTICE, (i % 10) / 9)
    PopulationCell.objects.bulk_create(cells, batch_size=5000)
    counts["population_cells"] = len(cells)
    return team, [p.pk for p in practices]


def _appointments(ids: list[int], months: list[int], *, dense: bool) -> int:
    rows = 0
    for practice_id in ids:
        rows += demo.appointments_insert(
            demo.synthetic_patients_cte(
                [practice_id],
                PATIENTS_PER_PRACTICE,
                referred_every=REFERRED_EVERY,
                first_month=months[0],
            ),
            months,
            dense=dense,
        )
    demo.patient_ids_settle()
    return rows


def _people(ids: list[int], team: Team, counts: dict[str, int]) -> None:
    """Every tenth registered patient, with the same seed as their appointment rows."""
    seed = f"(pr.id * 10000000 + s.i * {REFERRED_EVERY})"
    r1 = rnd(seed + " + 1")
    counts["people"] = insert_select(
        Person,
        {
            "person_ref": f"'{BENCH_PREFIX}' || CAST({seed} AS TEXT)",
            "given_name": "'Bench'",
            "patient_key": demo.synthetic_key(seed),
            "practice_id": "pr.id",
            "team_id": str(team.pk),
            "sex": f"CASE WHEN {rnd(seed)} < 560 THEN 'female' WHEN {rnd(seed)} < 980 THEN 'male' ELSE 'unknown' END",
            "ethnicity": f"CASE WHEN {r1} < 750 THEN 'white' WHEN {r1} < 880 THEN 'asian' WHEN {r1} < 950 THEN 'black' WHEN {r1} < 980 THEN 'mixed' ELSE 'unknown' END",
            "imd_decile": f"1 + {rnd(seed + ' * 3')} %% 10",
            "date_of_birth": f"DATE '1935-01-01' + CAST({rnd(seed + ' * 5')} * 25 AS INTEGER)",
        },
        f"""{T["practice"]} pr CROSS JOIN seq s WHERE pr.id IN ({", ".join(map(str, ids))})""",
        ctes=f"WITH RECURSIVE {demo.series('seq', PATIENTS_PER_PRACTICE // REFERRED_EVERY)}",
    )


def _referrals(team: Team, first_month: int, counts: dict[str, int]) -> None:
    """One referral per person, in the month their appointment rows were generated for
    (m0), with the status changes to active and, for most, to closed."""
    # m0 matches the appointment generator's: the same hash of the patient's seed.
    person_seed = f"CAST(substr(p.person_ref, {len(BENCH_PREFIX) + 1}) AS BIGINT)"
    m0 = f"({first_month} + {rnd(person_seed + ' * 7')} %% {demo.MONTHS})"
    received = (
        f"(make_date(CAST({m0} / 12 AS INTEGER), CAST({m0} %% 12 + 1 AS INTEGER), 1)"
        f" + CAST({rnd(person_seed)} %% 28 AS INTEGER))"
    )
    still_active = f"{rnd(person_seed + ' + 3')} < 300"
    counts["referrals"] = insert_select(
        Referral,
        {
            "person_id": "p.id",
            "received_on": received,
            "source": f"CASE {rnd(person_seed + ' + 2')} %% 5 WHEN 0 THEN 'gp' WHEN 1 THEN 'practice_staff' WHEN 2 THEN 'self' WHEN 3 THEN 'community' ELSE 'other' END",
            "status": f"CASE WHEN {still_active} THEN 'active' ELSE 'closed' END",
            "closed_on": f"CASE WHEN {still_active} THEN NULL ELSE {received} + 60 + CAST({rnd(person_seed + ' + 4')} %% 150 AS INTEGER) END",
            "team_id": str(team.pk),
            "consent_confirmed": "TRUE",
        },
        f"{T['person']} p",
    )
    counts["status_changes"] = insert_select(
        ReferralStatusChange,
        {
            "referral_id": "r.id",
            "from_status": "'received'",
            "to_status": "'active'",
            "at": "CAST(r.received_on + 7 AS TIMESTAMPTZ)",
        },
        f"{T['referral']} r",
    ) + insert_select(
        ReferralStatusChange,
        {
            "referral_id": "r.id",
            "from_status": "'active'",
            "to_status": "'closed'",
            "at": "CAST(r.closed_on AS TIMESTAMPTZ) + INTERVAL '12 hours'",
        },
        f"{T['referral']} r WHERE r.closed_on IS NOT NULL",
    )


def _conversations(counts: dict[str, int]) -> None:
    """Conversations 30 days apart, with friends and SWEMWBS measured at some of them."""
    counts["conversations"] = insert_select(
        Conversation,
        {
            "person_id": "r.person_id",
            "referral_id": "r.id",
            "held_on": f"r.received_on + 3 + CAST({rnd('r.id')} %% 20 AS INTEGER) + k.i * 30 - 30",
            "life_areas": "'[]'",
        },
        f"{T['referral']} r CROSS JOIN k",
        ctes=f"WITH RECURSIVE {demo.series('k', CONVERSATIONS_PER_PERSON)}",
    )
    # The first conversation, and those 90 and 180 days on.
    first_and_later = f"""(
        SELECT c.*, ROW_NUMBER() OVER (PARTITION BY c.person_id ORDER BY c.held_on, c.id) AS rn
        FROM {T["conversation"]} c) c WHERE c.rn IN (1, 4, 7)"""
    counts["friends_observations"] = insert_select(
        FriendsObservation,
        {
            "person_id": "c.person_id",
            "conversation_id": "c.id",
            "observed_on": "c.held_on",
            "friends_count": f"{rnd('c.id')} %% 6",
        },
        first_and_later,
    )
    counts["swemwbs"] = insert_select(
        SwemwbsResponse,
        {
            "person_id": "c.person_id",
            "conversation_id": "c.id",
            "completed_on": "c.held_on",
            "items": "'[3, 3, 3, 3, 3, 3, 3]'",
            "raw_score": "21",
            "metric_score": f"15 + {rnd('c.id + 9')} %% 12",
        },
        first_and_later,
    )


def _assets(n_practices: int, first_month: int, counts: dict[str, int]) -> None:
    """Assets of every category and kind of lead; some not started yet, some ended."""
    categories = list(Category.values)
    led = [LedBy.CITIZEN, LedBy.VCSE, LedBy.VCSE, LedBy.STATUTORY, LedBy.COMMERCIAL]
    # Named and described in the words the load test's public search for.
    rng = random.Random(ASSETS_PER_PRACTICE * n_practices)
    assets = [
        Asset(
            asset_ref=f"{BENCH_PREFIX}{i}",
            **listing_text(rng, i),
            category=categories[i % len(categories)],
            led_by=led[i % len(led)],
            started_on=month_start(first_month - 12 + i % 36) if i % 3 else None,
            ended_on=month_start(first_month + 30 + i % 12) if i % 7 == 0 else None,
        )
        for i in range(ASSETS_PER_PRACTICE * n_practices)
    ]
    Asset.objects.bulk_create(assets, batch_size=5000)
    counts["assets"] = len(assets)


def _connections_and_volunteers(counts: dict[str, int]) -> None:
    """A connection after one conversation in five; a few people become volunteers."""
    counts["connections"] = insert_select(
        Connection,
        {
            "person_id": "c.person_id",
            "referral_id": "c.referral_id",
            "asset_id": "a.id",
            "made_on": "c.held_on + 1",
            "kind": f"CASE {rnd('c.id + 5')} %% 3 WHEN 0 THEN 'signpost' WHEN 1 THEN 'supported' ELSE 'accompanied' END",
            "outcome": f"CASE {rnd('c.id + 6')} %% 5 WHEN 0 THEN 'pending' WHEN 1 THEN 'attended' WHEN 2 THEN 'continuing' WHEN 3 THEN 'member' ELSE 'did_not_attend' END",
        },
        f"""{T["conversation"]} c JOIN numbered a
            ON a.rn = 1 + {rnd("c.id + 7")} * {counts["assets"]} / 1000
        WHERE {rnd("c.id + 8")} < 200""",
        ctes=f"""WITH numbered AS (
            SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM {T["asset"]}
            WHERE asset_ref LIKE '{BENCH_PREFIX}%%')""",
    )
    counts["champions"] = insert_select(
        Champion,
        {
            "person_id": "r.person_id",
            "given_name": "'Bench'",
            "role": "'health_champion'",
            "started_on": "r.received_on + 120",
        },
        f"{T['referral']} r WHERE {rnd('r.id + 11')} < 30",
    )

"""Benchmark of the outcome metric jobs at integrated-care-system scale (DESIGN.md).

    python -m bench.metrics [--scale 1.0] [--dense] [--skip-generate]

Runs against PostgreSQL: ``DATABASE_URL``, or postgres://postgres@127.0.0.1:5432/socialrx_bench
(created when missing). It WIPES that database's practices, people and outcome data, then
generates, at scale 1: 100 practices of 10,000 registered patients (1,000,000), 100,000 people
referred (every tenth patient), 1,000,000 conversations, 20,000 community assets, and 24 months
of appointment extracts (rows only for patient-months with at least one appointment, about 7
million; ``--dense`` writes a row for every patient-month, 24 million). Then it reports:

- appointment import throughput and peak memory (``outcomes.imports`` on a generated CSV, run
  in a child process, at two file sizes to show memory staying flat);
- the floor: one plain aggregate over the appointment rows the demand job reads;
- each metric job's time for one quarter, and the jobs' peak memory.

See docs/performance.md for the figures and how to read them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/socialrx_bench"
PATIENTS_PER_PRACTICE = 10_000
REFERRED_EVERY = 10  # 100,000 people referred per 1,000,000 registered
CONVERSATIONS_PER_PERSON = 10
ASSETS_PER_PRACTICE = 200
BENCH_PREFIX = "bench-"


def _database_ensure(url: str) -> None:
    """Create the benchmark database when it does not exist."""
    import environ
    import psycopg
    from psycopg import sql

    config = environ.Env.db_url_config(url)
    if not config["ENGINE"].endswith("postgresql"):
        raise SystemExit("The benchmark needs PostgreSQL (DATABASE_URL).")
    admin = psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    )
    with admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            print(f"Created database {config['NAME']}.")


def _setup() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialrx.settings.dev")
    # DEBUG would keep every query in memory.
    os.environ["DEBUG"] = "false"
    import django

    django.setup()


def peak_rss_mb() -> float:
    """This process's peak resident memory. Linux keeps ``ru_maxrss`` across exec (a child
    would report its parent's peak), so read the high-water mark of this address space."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Timer:
    def __init__(self, label: str) -> None:
        self.label = label
        self.seconds = 0.0

    def __enter__(self) -> Timer:
        self.began = time.monotonic()
        print(f"  {self.label}…", end="", flush=True)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.monotonic() - self.began
        print(f" {self.seconds:.1f}s", flush=True)


# --- generation ---------------------------------------------------------------------------


def insert_select(model: Any, columns: dict[str, str], source: str, *, ctes: str = "") -> int:
    """INSERT INTO model's table (columns) SELECT expressions FROM source. Every other
    NOT NULL column gets its field's default (or '' / now()), so fields added by other
    apps' migrations do not break the generator."""
    from django.db import models
    from django.utils import timezone
    from demo.outcomes import execute

    values = dict(columns)
    now = timezone.now().isoformat()
    for field in model._meta.concrete_fields:
        column = field.column
        if column is None or column in values or field.primary_key or field.null:
            continue
        if isinstance(field, models.DateTimeField | models.DateField) and (
            field.auto_now or field.auto_now_add
        ):
            values[column] = f"CAST('{now}' AS TIMESTAMPTZ)"
        elif field.has_default():
            default = field.get_default()
            literal = json.dumps(default) if isinstance(field, models.JSONField) else default
            if isinstance(literal, bool):
                values[column] = "TRUE" if literal else "FALSE"
            elif isinstance(literal, int | float):
                values[column] = str(literal)
            else:
                values[column] = "'" + str(literal).replace("'", "''") + "'"
        elif isinstance(field, models.CharField | models.TextField):
            values[column] = "''"
        else:
            raise RuntimeError(f"No value for NOT NULL {model.__name__}.{field.name}")
    cols = ", ".join(f'"{c}"' for c in values)
    exprs = ", ".join(values.values())
    return execute(
        f"INSERT INTO {model._meta.db_table} ({cols}) {ctes} SELECT {exprs} FROM {source}"
    )


def _indexes_drop(table: str) -> list[str]:
    """Drop ``table``'s unique constraints and secondary indexes; return the statements that
    recreate them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
               WHERE conrelid = %s::regclass AND contype = 'u'""",
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
    from django.db import connection

    from assets.models import Asset
    from champions.models import Champion
    from outcomes.models import (
        AppointmentCount,
        AppointmentExtract,
        MetricSnapshot,
        PopulationCell,
        Run,
    )
    from referrals.models import Person, Referral
    from socialrx.models import PCN, Practice, Team

    tables = [
        m._meta.db_table
        for m in (
            AppointmentCount,
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
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(practice__isnull=False).delete()
    Practice.objects.all().delete()
    PCN.objects.all().delete()
    Team.objects.filter(code=f"{BENCH_PREFIX}team").delete()


def generate(*, scale: float, dense: bool, months: list[int]) -> dict[str, int]:
    from django.db import connection

    from assets.models import Asset, Category, LedBy
    from champions.models import Champion
    from demo import outcomes as demo
    from outcomes.metrics.sql import T, month_start
    from outcomes.models import PopulationCell
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

    rnd = demo.rnd
    n_practices = max(1, round(100 * scale))
    counts: dict[str, int] = {}
    with Timer("reset"):
        _reset()
    with Timer(f"{n_practices} practices and their registered populations"):
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
        ids = [p.pk for p in practices]
        cells = []
        for i, practice in enumerate(practices):
            cells += demo.population_cells(practice.pk, PATIENTS_PER_PRACTICE, (i % 10) / 9)
        PopulationCell.objects.bulk_create(cells, batch_size=5000)
        counts["population_cells"] = len(cells)

    first_month = months[0]
    with Timer(f"appointment rows ({'every patient-month' if dense else 'attending months only'})"):
        rows = 0
        # Loading then indexing is several times faster than maintaining the indexes row by
        # row; the indexes are put back exactly as the migrations made them.
        restore = _indexes_drop(T["appointments"])
        for practice_id in ids:
            rows += demo.execute(
                demo.appointments_insert_sql(
                    demo.synthetic_patients_cte(
                        [practice_id],
                        PATIENTS_PER_PRACTICE,
                        referred_every=REFERRED_EVERY,
                        first_month=first_month,
                    ),
                    months,
                    dense=dense,
                )
            )
        counts["appointment_rows"] = rows
    with Timer("appointment indexes"):
        for statement in restore:
            demo.execute(statement)
    with Timer("extracts"):
        demo.extracts_create(ids, months)

    seed = f"(pr.id * 10000000 + s.i * {REFERRED_EVERY})"
    people_source = (
        f"""{T["practice"]} pr CROSS JOIN seq s WHERE pr.id IN ({", ".join(map(str, ids))})"""
    )
    seq = demo.series("seq", PATIENTS_PER_PRACTICE // REFERRED_EVERY)
    with Timer("people referred (every tenth patient) and their referrals"):
        deciles = f"1 + {rnd(seed + ' * 3')} %% 10"
        counts["people"] = insert_select(
            Person,
            {
                "person_ref": f"'{BENCH_PREFIX}' || CAST({seed} AS TEXT)",
                "given_name": "'Bench'",
                "patient_key": demo.synthetic_key(seed),
                "practice_id": "pr.id",
                "team_id": str(team.pk),
                "sex": f"CASE WHEN {rnd(seed)} < 560 THEN 'female' WHEN {rnd(seed)} < 980 THEN 'male' ELSE 'unknown' END",
                "ethnicity": f"CASE WHEN {rnd(seed + ' + 1')} < 750 THEN 'white' WHEN {rnd(seed + ' + 1')} < 880 THEN 'asian' WHEN {rnd(seed + ' + 1')} < 950 THEN 'black' WHEN {rnd(seed + ' + 1')} < 980 THEN 'mixed' ELSE 'unknown' END",
                "imd_decile": deciles,
                "date_of_birth": f"DATE '1935-01-01' + CAST({rnd(seed + ' * 5')} * 25 AS INTEGER)",
            },
            people_source,
            ctes=f"WITH RECURSIVE {seq}",
        )
        # m0 matches the appointment generator's: the same hash of the patient's seed.
        person_seed = f"CAST(substr(p.person_ref, {len(BENCH_PREFIX) + 1}) AS BIGINT)"
        m0 = f"({first_month} + {rnd(person_seed + ' * 7')} %% {demo.MONTHS})"
        received = (
            f"(make_date(CAST({m0} / 12 AS INTEGER), CAST({m0} %% 12 + 1 AS INTEGER), 1)"
            f" + CAST({rnd(person_seed)} %% 28 AS INTEGER))"
        )
        counts["referrals"] = insert_select(
            Referral,
            {
                "person_id": "p.id",
                "received_on": received,
                "source": f"CASE {rnd(person_seed + ' + 2')} %% 5 WHEN 0 THEN 'gp' WHEN 1 THEN 'practice_staff' WHEN 2 THEN 'self' WHEN 3 THEN 'community' ELSE 'other' END",
                "status": f"CASE WHEN {rnd(person_seed + ' + 3')} < 300 THEN 'active' ELSE 'closed' END",
                "closed_on": f"CASE WHEN {rnd(person_seed + ' + 3')} < 300 THEN NULL ELSE {received} + 60 + CAST({rnd(person_seed + ' + 4')} %% 150 AS INTEGER) END",
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
    with Timer(f"conversations ({CONVERSATIONS_PER_PERSON} per person) and measures"):
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
        # The first conversation, and those 90 and 180 days on (conversations are 30 days apart).
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
    with Timer("assets, connections and volunteers"):
        categories = list(Category.values)
        led = [LedBy.CITIZEN, LedBy.VCSE, LedBy.VCSE, LedBy.STATUTORY, LedBy.COMMERCIAL]
        assets = [
            Asset(
                asset_ref=f"{BENCH_PREFIX}{i}",
                name=f"Bench group {i}",
                category=categories[i % len(categories)],
                led_by=led[i % len(led)],
                started_on=month_start(first_month - 12 + i % 36) if i % 3 else None,
                ended_on=month_start(first_month + 30 + i % 12) if i % 7 == 0 else None,
            )
            for i in range(ASSETS_PER_PRACTICE * n_practices)
        ]
        Asset.objects.bulk_create(assets, batch_size=5000)
        counts["assets"] = len(assets)
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
                ON a.rn = 1 + {rnd("c.id + 7")} * {len(assets)} / 1000
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
    with Timer("ANALYZE"), connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts


# --- measurements -------------------------------------------------------------------------


def _child(*args: str) -> tuple[dict[str, Any], float]:
    """Run ``python -m bench.metrics ARGS`` and return its JSON answer and peak RSS (MB)."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.metrics", *args],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    answer = json.loads(out.stdout.strip().splitlines()[-1])
    return answer, answer.pop("peak_rss_mb")


def _import_child(path: str) -> None:
    """In a child process: import one appointments CSV and report rows, seconds and peak RSS."""
    _setup()
    began = time.monotonic()
    try:
        from outcomes.imports import data_import

    except ImportError:
        _copy_import(path)
        how = "COPY (outcomes.imports not available)"
    else:
        result = data_import(kind="appointments", path_or_file=path)
        if not result.ok:
            raise SystemExit(f"import refused: {result.summary()}")
        how = "outcomes.imports"
    seconds = time.monotonic() - began
    print(json.dumps({"seconds": seconds, "how": how, "peak_rss_mb": peak_rss_mb()}))


def _copy_import(path: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor, open(path, "rb") as f:
        cursor.execute(
            "CREATE TEMP TABLE staged (ods_code text, month text, patient_key text, appointments int)"
        )
        with cursor.cursor.copy("COPY staged FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        cursor.execute("SELECT COUNT(*) FROM staged")
        return cursor.fetchone()[0]


def _jobs_child(start: str, end: str) -> None:
    """In a child process: every metric job for one period, timed one by one."""
    _setup()
    from outcomes.services.metrics import METRIC_NAMES, metric_compute

    times = {}
    for metric in METRIC_NAMES:
        began = time.monotonic()
        rows = metric_compute(
            metric=metric, start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end)
        )
        times[metric] = {"seconds": time.monotonic() - began, "rows": rows}
    print(json.dumps({"jobs": times, "peak_rss_mb": peak_rss_mb()}))


def _csv_write(path: Path, practice_codes: list[str]) -> int:
    """An appointments.csv (ods_code, month, patient_key, appointments) of these practices'
    whole extracts, written by COPY … TO STDOUT."""
    from django.db import connection

    from outcomes.metrics.sql import T

    codes = ", ".join(f"'{c}'" for c in practice_codes)
    query = f"""COPY (
        SELECT pr.ods_code, to_char(a.month, 'YYYY-MM'), a.patient_key, a.appointments
        FROM {T["appointments"]} a JOIN {T["practice"]} pr ON pr.id = a.practice_id
        WHERE pr.ods_code IN ({codes}) ORDER BY pr.ods_code, a.month
    ) TO STDOUT WITH (FORMAT csv)"""
    lines = 0
    with connection.cursor() as cursor, path.open("wb") as f:
        f.write(b"ods_code,month,patient_key,appointments\n")
        with cursor.cursor.copy(query) as copy:
            for chunk in copy:
                f.write(chunk)
                lines += bytes(chunk).count(b"\n")
    return lines


def measure(*, quarter: tuple[dt.date, dt.date], import_practices: int) -> dict[str, Any]:
    from django.db import connection

    from outcomes.metrics.sql import T, month_end, month_of, month_start
    from socialrx.models import Practice

    report: dict[str, Any] = {}
    codes = list(Practice.objects.order_by("ods_code").values_list("ods_code", flat=True))
    with tempfile.TemporaryDirectory() as tmp:
        for label, share in (("small", 4), ("large", 1)):
            chosen = codes[: max(1, import_practices // share)]
            path = Path(tmp) / f"appointments_{label}.csv"
            lines = _csv_write(path, chosen)
            with Timer(f"import {lines:,} rows ({len(chosen)} practices × 24 months)"):
                answer, rss = _child("--import-child", str(path))
            report[f"import_{label}"] = {
                "rows": lines,
                "seconds": answer["seconds"],
                "rows_per_second": lines / answer["seconds"],
                "peak_rss_mb": rss,
                "file_mb": path.stat().st_size / 1e6,
                "how": answer["how"],
            }
    last = month_of(quarter[1])
    floor_from, floor_to = month_start(last - 11), month_end(last)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {T['appointments']}")
        report["appointment_rows"] = cursor.fetchone()[0]
        # Warm the cache the same way for the floor and for the jobs.
        cursor.execute(
            f"SELECT COUNT(*) FROM {T['appointments']} WHERE month BETWEEN %s AND %s",
            [floor_from, floor_to],
        )
        report["floor_rows"] = cursor.fetchone()[0]
        with Timer("floor: SUM(appointments) GROUP BY practice over the 12 months") as t:
            cursor.execute(
                f"""SELECT practice_id, SUM(appointments) FROM {T["appointments"]}
                    WHERE month BETWEEN %s AND %s GROUP BY practice_id""",
                [floor_from, floor_to],
            )
            cursor.fetchall()
        report["floor_seconds"] = t.seconds
    with Timer(f"every metric job for {quarter[0]}..{quarter[1]}"):
        answer, rss = _child("--jobs-child", quarter[0].isoformat(), quarter[1].isoformat())
    report["jobs"] = answer["jobs"]
    report["jobs_peak_rss_mb"] = rss
    report["jobs_total_seconds"] = sum(j["seconds"] for j in answer["jobs"].values())
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = DESIGN.md scale.")
    parser.add_argument("--dense", action="store_true", help="A row for every patient-month.")
    parser.add_argument(
        "--skip-generate", action="store_true", help="Measure the data already generated."
    )
    parser.add_argument("--import-child", help=argparse.SUPPRESS)
    parser.add_argument("--jobs-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if args.import_child:
        _import_child(args.import_child)
        return
    if args.jobs_child:
        _jobs_child(*args.jobs_child)
        return

    _database_ensure(os.environ["DATABASE_URL"])
    _setup()
    from django.core.management import call_command
    from django.utils import timezone

    from outcomes.metrics.sql import month_end, month_of, month_start
    from outcomes.services.metrics import quarter_of

    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    # 24 complete months before this one; the quarter measured is the last complete one.
    months = list(range(month_of(today) - 24, month_of(today)))
    quarter = quarter_of(month_start(months[-1]))
    if quarter[1] > month_end(months[-1]):
        quarter = quarter_of(quarter[0] - dt.timedelta(days=1))
    print(
        f"outcomes benchmark, scale {args.scale}, on {os.environ['DATABASE_URL'].rsplit('/', 1)[-1]}"
    )
    counts: dict[str, float] = {}
    if not args.skip_generate:
        print("Generating:")
        began = time.monotonic()
        counts = dict(generate(scale=args.scale, dense=args.dense, months=months))
        counts["generate_seconds"] = round(time.monotonic() - began, 1)
    print("Measuring:")
    report = measure(quarter=quarter, import_practices=max(1, round(10 * args.scale)))
    report["counts"] = counts
    report["scale"] = args.scale
    report["dense"] = args.dense
    report["quarter"] = [quarter[0].isoformat(), quarter[1].isoformat()]
    _print_report(report)


def _print_report(report: dict[str, Any]) -> None:
    print("\nResults")
    for key, value in report["counts"].items():
        print(f"  {key}: {value:,}" if isinstance(value, int) else f"  {key}: {value}")
    print(f"  appointment rows in the table: {report['appointment_rows']:,}")
    for label in ("small", "large"):
        imp = report[f"import_{label}"]
        print(
            f"  import ({imp['how']}): {imp['rows']:,} rows in {imp['seconds']:.1f}s = "
            f"{imp['rows_per_second']:,.0f} rows/s, peak RSS {imp['peak_rss_mb']:.0f} MB"
        )
    floor = report["floor_seconds"]
    print(f"  floor ({report['floor_rows']:,} rows, 12 months): {floor:.2f}s")
    for metric, job in report["jobs"].items():
        ratio = f" ({job['seconds'] / floor:.1f}× floor)" if metric == "demand" and floor else ""
        print(f"  {metric}: {job['seconds']:.2f}s, {job['rows']} rows{ratio}")
    print(
        f"  all jobs: {report['jobs_total_seconds']:.1f}s, "
        f"peak RSS {report['jobs_peak_rss_mb']:.0f} MB"
    )
    print("JSON " + json.dumps(report, default=str))


if __name__ == "__main__":
    main()

"""Benchmark of appointment imports and the outcome metric jobs at integrated-care-system scale.

    python -m bench.metrics [--scale 1.0] [--dense] [--skip-generate]

Runs against PostgreSQL: ``DATABASE_URL``, or postgres://postgres@127.0.0.1:5432/socialrx_bench
(created when missing). It WIPES that database's practices, people and outcome data, then
generates, at scale 1: 100 practices of 10,000 registered patients (1,000,000), 100,000 people
referred (every tenth patient), 1,000,000 conversations, 20,000 community assets, and 24 months
of appointment extracts (rows only for patient-months with at least one appointment, about 7
million; ``--dense`` writes a row for every patient-month, 24 million). Then it reports:

- appointment import throughput and peak memory (``outcomes.imports`` on CSVs of the world's
  own extracts by patient key, run in a child process, at 1x and 5x the rows to show memory
  staying flat; and 1x the rows by NHS number, for a scratch practice removed afterwards);
- each metric job's time for one quarter (each printed as it ends), and the jobs' peak memory;
- the floor (one plain aggregate over the 12 months of appointment rows the attendance skew
  reads) and the whole demand job, alternately, three times each in one process: the ratio of
  the medians and its spread;
- the demand job's parts.

See docs/performance.md for the figures and how to read them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import (
    Timer,
    admin_connection,
    django_setup,
    peak_rss_mb,
    postgres_config,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/socialrx_bench"


def _database_ensure(url: str) -> None:
    """Create the benchmark database when it does not exist."""
    from psycopg import sql

    config = postgres_config(url)
    with admin_connection(config) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            print(f"Created database {config['NAME']}.")


def _setup() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    django_setup()


# --- measurements -------------------------------------------------------------------------


def _child(*args: str) -> tuple[dict[str, Any], float]:
    """Run ``python -m bench.metrics ARGS`` and return its JSON answer and peak RSS (MB)."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.metrics", *args],
        check=True,
        stdout=subprocess.PIPE,
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


FLOOR_RUNS = 3


def _floor_query(cursor: Any, start: str, end: str) -> float:
    """The floor: one plain aggregate over the 12 months of appointment rows the attendance
    skew reads (``SUM … GROUP BY practice_id``); its time in seconds."""
    from outcomes.metrics.periods import month_end, month_of, month_start
    from outcomes.metrics.sql import T

    last = month_of(dt.date.fromisoformat(end))
    began = time.monotonic()
    cursor.execute(
        f"""SELECT practice_id, SUM(appointments) FROM {T["appointments"]}
            WHERE month BETWEEN %s AND %s GROUP BY practice_id""",
        [month_start(last - 11), month_end(last)],
    )
    cursor.fetchall()
    return time.monotonic() - began


def _demand_against_floor(start: str, end: str) -> dict[str, Any]:
    """The floor and the whole demand job, alternately, ``FLOOR_RUNS`` times each in this one
    process (a loaded machine slows both alike); the ratio of their medians, and each one's
    spread."""
    from django.db import connection

    from outcomes.services.metrics import metric_compute

    floors, demands = [], []
    for _ in range(FLOOR_RUNS):
        with connection.cursor() as cursor:
            floors.append(_floor_query(cursor, start, end))
        began = time.monotonic()
        metric_compute(
            metric="demand", start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end)
        )
        demands.append(time.monotonic() - began)
    floor, demand = statistics.median(floors), statistics.median(demands)
    return {
        "floor_seconds": floors,
        "demand_seconds": demands,
        "floor_median": floor,
        "demand_median": demand,
        "ratio": demand / floor if floor else None,
        "ratio_low": min(demands) / max(floors) if floors else None,
        "ratio_high": max(demands) / min(floors) if floors else None,
    }


def _jobs_child(start: str, end: str) -> None:
    """In a child process: every metric job for one period, timed one by one (each printed
    as it ends, on stderr, so a slow one shows while it runs), then demand against the
    floor."""
    _setup()
    from outcomes.metrics.registry import METRIC_NAMES
    from outcomes.services.metrics import metric_compute

    times = {}
    for metric in METRIC_NAMES:
        began = time.monotonic()
        rows = metric_compute(
            metric=metric, start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end)
        )
        times[metric] = {"seconds": time.monotonic() - began, "rows": rows}
        print(f"    {metric}: {times[metric]['seconds']:.2f}s", file=sys.stderr, flush=True)
    against = _demand_against_floor(start, end)
    print(
        json.dumps(
            {
                "jobs": times,
                "parts": _demand_parts(start, end),
                "demand_against_floor": against,
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


def _demand_parts(start: str, end: str) -> dict[str, dict[str, Any]]:
    """The demand job's parts timed on their own, each in a metric session as the job runs
    them: before/after with the attendance skew as it ran without the comparison group (its
    own pass over the appointment rows: "demand alone"), then the job's three steps (the one
    per-patient pass both halves share, before/after with the skew read from it, and the
    comparison group read from it)."""
    from outcomes.metrics import comparison, demand
    from outcomes.metrics.registry import METRICS
    from outcomes.metrics.sql import metric_session

    info = METRICS["demand"]
    kw: dict[str, Any] = {
        "start": dt.date.fromisoformat(start),
        "end": dt.date.fromisoformat(end),
        "window": info.window_for(None),
        "dimensions": info.dimensions,
        "levels": info.levels,
    }
    parts: dict[str, dict[str, Any]] = {}
    began = time.monotonic()
    with metric_session():
        demand.compute(**kw)
    parts["demand_alone_own_pass"] = {"seconds": time.monotonic() - began}
    with metric_session():
        began = time.monotonic()
        with comparison.patient_pass(kw["start"], kw["end"], kw["window"]) as patients:
            parts["shared_patient_pass"] = {"seconds": time.monotonic() - began}
            began = time.monotonic()
            demand.compute(**kw, patients=patients)
            parts["before_after_and_skew_from_pass"] = {"seconds": time.monotonic() - began}
            began = time.monotonic()
            found = comparison.compute(**kw, patients=patients)
            seconds = time.monotonic() - began
    total = found.get(("all", "", "total", "all"), {})
    names = ("comparison_n", "comparison_unmatched", "did", "did_ci_low", "did_ci_high")
    parts["comparison_group_from_pass"] = {
        "seconds": seconds,
        **{k: total.get(k) for k in names},
    }
    return parts


def _explain_comparison(start: str, end: str) -> None:
    """Print PostgreSQL's plan, with times, of the comparison group's query for the period."""
    _setup()
    from django.db import connection

    from outcomes.metrics import comparison
    from outcomes.metrics.registry import METRICS
    from outcomes.metrics.sql import metric_session

    ctes, params = comparison.comparison_sql(
        dt.date.fromisoformat(start), dt.date.fromisoformat(end), METRICS["demand"].window_for(None)
    )
    select = ", ".join(f"{expr} AS {name}" for name, expr in comparison.AGGREGATES.items())
    with metric_session(), comparison._hash_joins(), connection.cursor() as cursor:
        cursor.execute(
            f"EXPLAIN {os.environ.get('BENCH_EXPLAIN', '(ANALYZE, BUFFERS)')} WITH {ctes} SELECT {select} FROM cohort",
            params,
        )
        print("\n".join(line for (line,) in cursor.fetchall()))


def _csv_write(path: Path, practice_codes: list[str]) -> int:
    """An appointments.csv (ods_code, month, patient_key, appointments) of these practices'
    whole extracts, written by COPY … TO STDOUT."""
    from django.db import connection

    from outcomes.metrics.sql import T

    codes = ", ".join(f"'{c}'" for c in practice_codes)
    query = f"""COPY (
        SELECT pr.ods_code, to_char(a.month, 'YYYY-MM'), k.key, a.appointments
        FROM {T["appointments"]} a JOIN {T["practice"]} pr ON pr.id = a.practice_id
        JOIN {T["patient_keys"]} k ON k.id = a.patient_id
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


def _nhs_numbers(count: int) -> Any:
    """``count`` valid NHS numbers (modulus 11), in order from 400000000x."""
    n = 400_000_000
    made = 0
    while made < count:
        digits = f"{n:09d}"
        n += 1
        check = 11 - sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            check = 0
        if check == 10:
            continue
        made += 1
        yield digits + str(check)


NHS_PRACTICE = "Y8NHS0"


def _nhs_csv_write(path: Path, rows: int, months: list[str]) -> int:
    """An appointments.csv of ``rows`` rows by NHS number (the NHS number check and the keyed
    hash run on every row) for one scratch practice, with age band and sex."""
    per_month = -(-rows // len(months))
    numbers = list(_nhs_numbers(per_month))
    written = 0
    with path.open("w") as f:
        f.write("ods_code,month,nhs_number,appointments,age_band,sex\n")
        for month in months:
            for i, number in enumerate(numbers):
                if written == rows:
                    return written
                f.write(f"{NHS_PRACTICE},{month},{number},{i % 7},45-54,female\n")
                written += 1
    return written


def _extracts_empty(practice_codes: list[str]) -> None:
    """Delete these practices' appointment rows and extracts."""
    from django.db import connection

    from outcomes.metrics.sql import T

    with connection.cursor() as cursor:
        for table in (T["appointments"], T["extract"]):
            cursor.execute(
                f"DELETE FROM {table} WHERE practice_id IN "
                f"(SELECT id FROM {T['practice']} WHERE ods_code = ANY(%s))",
                [practice_codes],
            )


def _import_measure(path: Path, lines: int, label: str) -> dict[str, Any]:
    with Timer(f"import {label}: {lines:,} rows"):
        answer, rss = _child("--import-child", str(path))
    return {
        "rows": lines,
        "seconds": answer["seconds"],
        "rows_per_second": lines / answer["seconds"],
        "peak_rss_mb": rss,
        "file_mb": path.stat().st_size / 1e6,
        "how": answer["how"],
    }


def measure(*, quarter: tuple[dt.date, dt.date], import_practices: int) -> dict[str, Any]:
    from django.db import connection

    from outcomes.metrics.periods import month_end, month_of, month_start
    from outcomes.metrics.sql import T
    from outcomes.models import AppointmentCount, AppointmentExtract
    from socialrx.models import Practice

    report: dict[str, Any] = {}
    codes = list(Practice.objects.order_by("ods_code").values_list("ods_code", flat=True))
    base = max(1, import_practices)
    with tempfile.TemporaryDirectory() as tmp:
        # The world's own extracts by patient key, re-imported (each replaces itself): 1× and
        # 5× the rows, to show memory staying flat.
        for label, n in (("1x", base), ("5x", min(len(codes), 5 * base))):
            chosen = codes[:n]
            path = Path(tmp) / f"appointments_{label}.csv"
            lines = _csv_write(path, chosen)
            report[f"import_{label}"] = _import_measure(
                path, lines, f"{label} ({len(chosen)} practices × 24 months, by patient key)"
            )
            if label == "1x":
                # The same file into emptied extracts: every row new, as when a month's
                # extract arrives for the first time (the re-import above writes only what
                # changed, usually nothing).
                _extracts_empty(chosen)
                report["import_1x_new"] = _import_measure(
                    path, lines, "1x into emptied extracts (every row new)"
                )
            path.unlink()
        # By NHS number, as a GP system sends it: the check and the hash on every row. A
        # scratch practice, removed afterwards, so the metric jobs see the world unchanged.
        practice = Practice.objects.create(ods_code=NHS_PRACTICE, name="Benchmark scratch")
        try:
            path = Path(tmp) / "appointments_nhs.csv"
            months = [f"2020-{m:02d}" for m in range(1, 13)] + [
                f"2021-{m:02d}" for m in range(1, 13)
            ]
            lines = _nhs_csv_write(path, report["import_1x"]["rows"], months)
            report["import_nhs"] = _import_measure(path, lines, "by NHS number")
        finally:
            AppointmentCount.objects.filter(practice=practice).delete()
            AppointmentExtract.objects.filter(practice=practice).delete()
            practice.delete()
    with connection.cursor() as cursor:
        # The imports replaced rows: settle the table as a fresh world would be.
        cursor.execute(f"VACUUM ANALYZE {T['appointments']}")
        cursor.execute(f"SELECT COUNT(*) FROM {T['appointments']}")
        report["appointment_rows"] = cursor.fetchone()[0]
        last = month_of(quarter[1])
        cursor.execute(
            f"SELECT COUNT(*) FROM {T['appointments']} WHERE month BETWEEN %s AND %s",
            [month_start(last - 11), month_end(last)],
        )
        report["floor_rows"] = cursor.fetchone()[0]
    with Timer(f"every metric job for {quarter[0]}..{quarter[1]}, then demand against the floor"):
        answer, rss = _child("--jobs-child", quarter[0].isoformat(), quarter[1].isoformat())
    report["jobs"] = answer["jobs"]
    report["demand_parts"] = answer["parts"]
    report["demand_against_floor"] = answer["demand_against_floor"]
    report["floor_seconds"] = answer["demand_against_floor"]["floor_median"]
    report["jobs_peak_rss_mb"] = rss
    report["jobs_total_seconds"] = sum(j["seconds"] for j in answer["jobs"].values())
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="1 = a large integrated care system (1,000,000 patients).",
    )
    parser.add_argument("--dense", action="store_true", help="A row for every patient-month.")
    parser.add_argument(
        "--skip-generate", action="store_true", help="Measure the data already generated."
    )
    parser.add_argument("--import-child", help=argparse.SUPPRESS)
    parser.add_argument("--jobs-child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument(
        "--explain-comparison",
        nargs=2,
        metavar=("START", "END"),
        help="Print the plan (EXPLAIN ANALYZE) of the demand comparison group's query.",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if args.import_child:
        _import_child(args.import_child)
        return
    if args.jobs_child:
        _jobs_child(*args.jobs_child)
        return
    if args.explain_comparison:
        _explain_comparison(*args.explain_comparison)
        return

    _database_ensure(os.environ["DATABASE_URL"])
    _setup()
    from django.core.management import call_command
    from django.utils import timezone

    from outcomes.metrics.periods import month_end, month_of, month_start, quarter_of

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
        from bench.world import generate

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
    print(f"  load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for key, value in report["counts"].items():
        print(f"  {key}: {value:,}" if isinstance(value, int) else f"  {key}: {value}")
    print(f"  appointment rows in the table: {report['appointment_rows']:,}")
    for label in ("1x", "1x_new", "5x", "nhs"):
        imp = report[f"import_{label}"]
        print(
            f"  import {label} ({imp['how']}): {imp['rows']:,} rows in {imp['seconds']:.1f}s = "
            f"{imp['rows_per_second']:,.0f} rows/s, peak RSS {imp['peak_rss_mb']:.0f} MB"
        )
    against = report["demand_against_floor"]
    floor = against["floor_median"]
    print(
        f"  floor ({report['floor_rows']:,} rows, 12 months): median {floor:.2f}s of "
        + ", ".join(f"{x:.2f}" for x in against["floor_seconds"])
    )
    print(
        f"  demand job: median {against['demand_median']:.2f}s of "
        + ", ".join(f"{x:.2f}" for x in against["demand_seconds"])
    )
    print(
        f"  demand / floor: {against['ratio']:.1f}× (medians of {len(against['floor_seconds'])} "
        f"alternating runs; spread {against['ratio_low']:.1f}–{against['ratio_high']:.1f}×)"
    )
    for metric, job in report["jobs"].items():
        print(f"  {metric}: {job['seconds']:.2f}s, {job['rows']} rows")
    for part, figures in report["demand_parts"].items():
        ratio = f" ({figures['seconds'] / floor:.1f}× floor)" if floor else ""
        extra = ", ".join(f"{k} {v}" for k, v in figures.items() if k != "seconds")
        print(
            f"  demand part {part}: {figures['seconds']:.2f}s{ratio}{', ' + extra if extra else ''}"
        )
    print(
        f"  all jobs for the quarter: {report['jobs_total_seconds']:.1f}s, "
        f"peak RSS {report['jobs_peak_rss_mb']:.0f} MB"
    )
    print("JSON " + json.dumps(report, default=str))


if __name__ == "__main__":
    main()

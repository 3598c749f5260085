"""socialrx's load test: PostgreSQL at integrated-care-system scale, gunicorn with DEBUG off.
First one user asks for each main page in turn (``--one-runs`` times: the page's own server
time and CPU, bench/loadtest/one_user.py); then Locust headless in three runs: light load
(``--light-users`` at ``--light-think`` seconds between pages), a working day (``--users`` at
``--think`` seconds between pages, ramped up) and saturation (``--saturation-users`` with no
think time). Prints p50/p95/p99 per page, pages a second, and the server's CPU and memory,
sampled from /proc.

    python -m bench.loadtest.run [--scale 1] [--users 200] [--time 120s] [--workers N]

LOADTEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/socialrx_load) is created
when missing and migrated; the world is generated unless the database already holds it at this
scale (``--regenerate`` drops the database and makes it again; ``--fresh`` is the same).
The server's workers share one cache, as in a deployment (``REDIS_URL`` in docker-compose.yml):
LOADTEST_REDIS_URL (default redis://127.0.0.1:6379/3; empty, or no Redis answering: each worker
caches in its own memory).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

from bench.common import admin_connection, postgres_config
from bench.loadtest import one_user

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/socialrx_load"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"
ROOT = Path(__file__).resolve().parent.parent.parent
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
CLK_TCK = os.sysconf("SC_CLK_TCK")
# The ramp: every user started within this many seconds (1 a second at least). Each sign-in is
# a password hash (Django's PBKDF2, about 0.4 s of CPU on a 2-core machine): 200 users within
# 30 s asked for 2.7 cores of hashing, and the backlog spilled into the measured time; within
# 120 s it takes about two thirds of a core, and is over when measuring starts.
RAMP_SECONDS = 120


def cache_url() -> str:
    """The Redis the server's workers share as their cache (LOADTEST_REDIS_URL); "" when it is
    set empty or nothing answers there (each worker then caches in its own memory)."""
    url = os.environ.get("LOADTEST_REDIS_URL", DEFAULT_REDIS_URL)
    if not url:
        return ""
    place = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((place.hostname or "127.0.0.1", place.port or 6379), 2):
            return url
    except OSError:
        print(f"No Redis answers at {place.hostname}:{place.port}: each worker caches alone.")
        return ""


def server_env(url: str, cache: str = "") -> dict[str, str]:
    """The environment of the server and of the setup: development settings (as the demo)
    with DEBUG off, the load test's database and shared cache, logs at WARNING."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="socialrx.settings.dev",
        DEBUG="false",
        DATABASE_URL=url,
        REDIS_URL=cache,
        LOG_LEVEL=env.get("LOADTEST_LOG_LEVEL", "WARNING"),
        # Sessions of the load users last the whole run.
        SESSION_IDLE_MINUTES="240",
        MFA_ENFORCE="false",
        CONN_MAX_AGE=env.get("CONN_MAX_AGE", "60"),
    )
    return env


def database_ensure(url: str, *, fresh: bool) -> None:
    from psycopg import sql

    config = postgres_config(url, why=" for the load test")
    name = sql.Identifier(config["NAME"])
    with admin_connection(config) as admin:
        if fresh:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
            print(f"Created database {config['NAME']}.")


def setup_child(scale: float, regenerate: bool, users_path: str) -> None:
    """In a child process (Django set up for the load database): migrate, generate the world
    unless present, compute the outcome metrics of the last complete quarter, write the users
    file."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from bench.common import Timer
    from bench.loadtest import world
    from outcomes.metrics.periods import month_end, month_of, month_start, quarter_of
    from outcomes.metrics.registry import METRIC_NAMES
    from outcomes.models import MetricSnapshot
    from outcomes.services.metrics import metric_compute

    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    months = list(range(month_of(today) - 24, month_of(today)))
    if (
        not world.world_present(scale)
        and world.User.objects.filter(username__startswith=world.USER_PREFIX).exists()
    ):
        # The load users' own records (audit entries, conversations) hold on to them: a world
        # at another scale is made in a new database.
        raise SystemExit("The database holds a world at another scale: add --regenerate.")
    if regenerate or not world.world_present(scale):
        print(f"Generating the world at scale {scale}:", flush=True)
        began = time.monotonic()
        counts = world.build(scale=scale, months=months)
        print(f"Generated in {time.monotonic() - began:.0f}s: {json.dumps(counts)}", flush=True)
    quarter = quarter_of(month_start(months[-1]))
    if quarter[1] > month_end(months[-1]):
        quarter = quarter_of(quarter[0] - dt.timedelta(days=1))
    for metric in METRIC_NAMES:
        if not MetricSnapshot.objects.filter(metric=metric, start=quarter[0]).exists():
            with Timer(f"metric {metric} for {quarter[0]}..{quarter[1]}"):
                metric_compute(metric=metric, start=quarter[0], end=quarter[1])
    by_role = world.users_file(Path(users_path))
    print("Load users: " + ", ".join(f"{len(v)} {k}" for k, v in sorted(by_role.items())))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, seconds: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"The server did not answer {url} in {seconds:.0f}s.")


def processes_under(root: int) -> list[int]:
    """``root`` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """CPU seconds used so far by each of ``pids`` still running."""
    out = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            out[pid] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    return out


def cpu_and_rss(pids: list[int]) -> tuple[float, float]:
    """CPU seconds used so far and resident memory (MB) of ``pids`` together."""
    cpu = sum(cpu_by_pid(pids).values())
    rss = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1]) / 1024
    return cpu, rss


class CpuCounter:
    """CPU seconds used by a changing set of processes, counted from one sample to the next
    for each process: a process that ends keeps what it used (a plain sum over the processes
    running would fall when a database backend exits)."""

    def __init__(self) -> None:
        self.last: dict[int, float] = {}
        self.total = 0.0

    def add(self, now: dict[int, float]) -> float:
        self.total += sum(max(0.0, cpu - self.last.get(pid, cpu)) for pid, cpu in now.items())
        self.last = now
        return self.total


def database_backends(url: str) -> list[int]:
    """The PostgreSQL server processes serving the load test's database (on this machine;
    with persistent connections they live as long as the gunicorn workers)."""
    config = postgres_config(url)
    try:
        with admin_connection(config) as admin:
            rows = admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [config["NAME"]]
            ).fetchall()
    except Exception:  # the figure is left out, the run goes on
        return []
    return [int(pid) for (pid,) in rows]


class Sampler(threading.Thread):
    """Samples every second the server's CPU (cores busy) and memory, the load average, and
    the CPU seconds used so far by the app server and by its database backends."""

    def __init__(self, root: int, url: str) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.url = url
        self.samples: list[tuple[float, float, float, float]] = []
        self.totals: list[tuple[float, float, float]] = []  # (time, app CPU s, database CPU s)
        self.stopping = threading.Event()

    def run(self) -> None:
        app, database = CpuCounter(), CpuCounter()
        last_cpu = app.add(cpu_by_pid(processes_under(self.root)))
        database.add(cpu_by_pid(database_backends(self.url)))
        last_t = time.monotonic()
        while not self.stopping.wait(1.0):
            pids = processes_under(self.root)
            cpu, rss = app.add(cpu_by_pid(pids)), cpu_and_rss(pids)[1]
            now = time.monotonic()
            load = float(Path("/proc/loadavg").read_text().split()[0])
            self.samples.append(((cpu - last_cpu) / (now - last_t), rss, load, now))
            self.totals.append((now, cpu, database.add(cpu_by_pid(database_backends(self.url)))))
            last_cpu, last_t = cpu, now

    def cpu_since(self, since: float) -> tuple[float, float]:
        """CPU seconds of the app server and of its database since ``since``."""
        rows = [t for t in self.totals if t[0] >= since]
        if len(rows) < 2:
            return 0.0, 0.0
        return rows[-1][1] - rows[0][1], rows[-1][2] - rows[0][2]

    def summary(self, since: float = 0.0) -> dict[str, float]:
        rows = [s for s in self.samples if s[3] >= since] or [(0.0, 0.0, 0.0, 0.0)]
        return {
            "cpu_cores_mean": round(sum(r[0] for r in rows) / len(rows), 2),
            "cpu_cores_max": round(max(r[0] for r in rows), 2),
            "rss_mb_max": round(max(r[1] for r in rows)),
            "load_average_mean": round(sum(r[2] for r in rows) / len(rows), 1),
            "load_average_max": round(max(r[2] for r in rows), 1),
        }


def seconds(text: str) -> int:
    """Seconds of a Locust-style time ("90", "90s", "2m", "1h30m")."""
    found = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?", text.strip())
    if not found or not any(found.groups()):
        raise SystemExit(f"not a length of time: {text!r} (say 90s, 2m or 1h30m)")
    hours, minutes, secs = (int(g or 0) for g in found.groups())
    return hours * 3600 + minutes * 60 + secs


def locust(
    *, host: str, users: int, rate: float, run_time: str, think: float, users_path: str, out: str
) -> dict[str, Any]:
    """One headless Locust run; its per-page figures from the CSV it writes. The figures
    count from the end of the ramp (``--reset-stats``): the sign-ins of the ramp (each a
    deliberately slow password hash) are not the steady state measured."""
    env = dict(os.environ, LOADTEST_USERS=users_path, LOADTEST_THINK=str(think))
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "--host", host, "-u", str(users), "-r", str(rate), "-t", run_time,
        "--csv", out, "--only-summary", "--loglevel", "WARNING", "--reset-stats",
    ]  # fmt: skip
    subprocess.run(command, env=env, cwd=ROOT, check=False)
    pages: dict[str, dict[str, Any]] = {}
    with open(f"{out}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            pages[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50": _number(row["50%"]),
                "p95": _number(row["95%"]),
                "p99": _number(row["99%"]),
                "rps": _number(row["Requests/s"]),
            }
    return pages


def _number(text: str) -> float:
    """A figure of Locust's CSV ("N/A" when no request finished: 0)."""
    try:
        return float(text)
    except ValueError:
        return 0.0


def table(title: str, pages: dict[str, dict[str, Any]], server: dict[str, float]) -> str:
    lines = [
        title,
        f"{'page':<26}{'requests':>9}{'fail':>6}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}",
    ]
    for name, p in sorted(pages.items(), key=lambda kv: kv[0] == "Aggregated"):
        lines.append(
            f"{name:<26}{p['requests']:>9}{p['failures']:>6}"
            f"{p['p50']:>8.0f}{p['p95']:>8.0f}{p['p99']:>8.0f}"
        )
    total = pages.get("Aggregated", {})
    lines.append(
        f"throughput {total.get('rps', 0):.1f} pages/s; server CPU {server['cpu_cores_mean']} cores "
        f"mean, {server['cpu_cores_max']} max; server RSS {server['rss_mb_max']} MB max; "
        f"load average {server['load_average_mean']} mean, {server['load_average_max']} max"
    )
    if "app_cpu_ms_per_page" in server:
        per_page = server["app_cpu_ms_per_page"] + server["db_cpu_ms_per_page"]
        lines.append(
            f"CPU per page: app {server['app_cpu_ms_per_page']} ms + database "
            f"{server['db_cpu_ms_per_page']} ms; on {os.cpu_count()} cores of its own the "
            f"server would top out near {1000 * (os.cpu_count() or 1) / max(per_page, 0.1):.0f} "
            "pages/s"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 100 practices")
    parser.add_argument("--users", type=int, default=200, help="users of the working-day run")
    parser.add_argument("--think", type=float, default=5.0, help="seconds between pages")
    parser.add_argument("--time", default="120s", help="time measured, after the ramp")
    parser.add_argument("--ramp", type=float, default=0, help="users started a second")
    parser.add_argument("--saturation-users", type=int, default=50)
    parser.add_argument("--saturation-time", default="", help="default: --time")
    parser.add_argument(
        "--only", choices=["one", "light", "day", "saturation"], help="one of the four runs"
    )
    parser.add_argument("--one-runs", type=int, default=20, help="requests a page, one user")
    parser.add_argument("--light-users", type=int, default=10)
    parser.add_argument("--light-think", type=float, default=2.0)
    parser.add_argument("--light-time", default="60s")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--regenerate", action="store_true", help="drop the database, remake")
    parser.add_argument("--fresh", action="store_true", help="the same as --regenerate")
    parser.add_argument("--setup-only", action="store_true", help="make the world, run nothing")
    parser.add_argument("--setup-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.setup_child:
        setup_child(float(args.setup_child[0]), args.setup_child[1] == "1", args.setup_child[2])
        return

    url = os.environ.get("LOADTEST_DATABASE_URL", DEFAULT_URL)
    cache = cache_url()
    env = server_env(url, cache)
    database_ensure(url, fresh=args.fresh or args.regenerate)
    work = Path(tempfile.mkdtemp(prefix="socialrx-load-"))
    users_path = str(work / "users.json")
    setup = subprocess.run(
        [sys.executable, "-m", "bench.loadtest.run", "--setup-child",
         str(args.scale), "1" if args.regenerate else "0", users_path],
        env=env, cwd=ROOT, check=False,
    )  # fmt: skip
    if setup.returncode:
        raise SystemExit(setup.returncode)
    if args.setup_only:
        return
    port = args.port or free_port()
    host = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "socialrx.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
         "--timeout", "60", "--log-level", "warning"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    results: dict[str, Any] = {
        "scale": args.scale,
        "workers": args.workers,
        "cores": os.cpu_count(),
        "machine": " ".join(os.uname()[2:5]),
        "cache": "redis" if cache else "each worker's memory",
    }
    try:
        wait_for(f"{host}/healthz")
        print(f"gunicorn: {args.workers} workers; cache: {results['cache']}")
        sampler = Sampler(server.pid, url)
        sampler.start()
        if args.only in (None, "one"):
            # One user at a time first, on a quiet server: each page's own server time.
            def cpu() -> tuple[float, float]:
                app = sum(cpu_by_pid(processes_under(server.pid)).values())
                return app, sum(cpu_by_pid(database_backends(url)).values())

            users = json.loads(Path(users_path).read_text())
            warm = 2 * args.workers  # so that every worker has served each page
            alone = one_user.one_user(
                host=host, users=users, runs=args.one_runs, cpu=cpu, warm_up=warm
            )
            results["one_user"] = alone
            print(one_user.table(alone, args.one_runs, warm))
        runs = []
        if args.only in (None, "light"):
            # Light load: a few users far apart, so that a page hardly ever waits for another;
            # its p50 is the page's own server time at this scale.
            runs.append(("light", args.light_users, args.light_think, args.light_time))
        if args.only in (None, "day"):
            runs.append(("day", args.users, args.think, args.time))
        if args.only in (None, "saturation"):
            runs.append(
                ("saturation", args.saturation_users, 0.0, args.saturation_time or args.time)
            )
        for label, users, think, run_time in runs:
            # The previous run's queue drains first: the server answers at once again.
            wait_for(f"{host}/healthz", 300)
            rate = args.ramp or max(1.0, users / RAMP_SECONDS)
            ramp = math.ceil(users / rate)
            print(
                f"\n{label}: {users} users, {think:g}s think time, {run_time} measured after "
                f"a {ramp}s ramp ({rate:g} users/s)"
            )
            began = time.monotonic()
            pages = locust(
                host=host, users=users, rate=rate, run_time=f"{ramp + seconds(run_time)}s",
                think=think, users_path=users_path, out=str(work / label),
            )  # fmt: skip
            # Figures from the end of the ramp, as Locust's (--reset-stats).
            figures = sampler.summary(since=began + users / rate)
            app, db = sampler.cpu_since(began + users / rate)
            # CPU per page served: what the throughput on dedicated cores would be bounded by.
            served = max(1, pages.get("Aggregated", {}).get("requests", 0))
            figures["app_cpu_ms_per_page"] = round(app * 1000 / served, 1)
            figures["db_cpu_ms_per_page"] = round(db * 1000 / served, 1)
            results[label] = {"users": users, "think": think, "pages": pages, "server": figures}
            print(table(f"\n{label}: {users} users, think {think:g}s", pages, figures))
        sampler.stopping.set()
    finally:
        # Workers still busy with a queued request when gunicorn is told to stop are stopped too.
        started = processes_under(server.pid)
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        for pid in started:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    print("JSON " + json.dumps(results))


if __name__ == "__main__":
    main()

"""Server time of the main pages, measured in-process with Django's test client on the demo data
(``python manage.py seed_demo``): the median of ``--runs`` requests per page after warming up,
and the queries each page makes. ``--profile PAGE`` prints the page's cProfile instead
(``--sort tottime|cumulative``), ``--pyinstrument PAGE`` a pyinstrument tree when installed,
``--split`` where each page's CPU time goes (around the view, its templates, the rest of the
view: mostly its queries).

    DATABASE_URL=postgres://… python -m bench.pages [--runs 50] [--profile caseload]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from bench.common import django_setup


def pages() -> dict[str, tuple[str, str]]:
    """Page name -> (username of the demo user who opens it, URL)."""
    from django.urls import reverse

    from referrals.models import Person
    from socialrx.models import User

    worker = User.objects.get(username="lw_asha")
    person = Person.objects.filter(team=worker.team).order_by("pk").first()
    if person is None:
        raise SystemExit("No demo data: run `python manage.py seed_demo`.")
    return {
        "caseload": ("lw_asha", reverse("referrals:caseload")),
        "person": ("lw_asha", reverse("referrals:person", args=[person.pk])),
        "conversation form": (
            "lw_asha",
            reverse("referrals:conversation_create", args=[person.pk]),
        ),
        "directory search": ("", reverse("assets:public_directory") + "?q=walking"),
        "practice referrals": ("gp_patel", reverse("referrals:practice_referrals")),
        "outcomes overview": ("commissioner", reverse("outcomes:overview")),
        "metric page": ("commissioner", reverse("outcomes:metric", args=["friends"])),
    }


def client_for(username: str) -> Any:
    from django.test import Client

    from socialrx.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    if username:
        client.force_login(User.objects.get(username=username))
    return client


def measure(get: Callable[[], Any], runs: int) -> tuple[float, float, int]:
    """Median milliseconds of ``runs`` calls (wall clock, and this process's CPU: the server's
    own work without the database's, steadier on a busy machine), after three to warm up; and
    queries per call."""
    from django.db import connection

    for _ in range(3):
        response = get()
        if response.status_code != 200:
            raise SystemExit(f"{response.status_code} from {response.request['PATH_INFO']}")
    queries = []

    def count(execute: Any, sql: str, *rest: Any) -> Any:
        queries.append(sql)
        return execute(sql, *rest)

    with connection.execute_wrapper(count):
        get()
    times, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        get()
        times.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    return statistics.median(times), statistics.median(cpu), len(queries)


def split(table: dict[str, tuple[str, str]], runs: int, only: list[str] | None) -> None:
    """Each page's CPU milliseconds (mean of ``runs``): around the view (middleware, session,
    audit), rendering its templates, and the rest of the view (its queries, mostly)."""
    from django.core.handlers.base import BaseHandler
    from django.template.backends.django import Template

    spent: dict[str, float] = {}

    def timed(cls: Any, name: str, key: str) -> None:
        original = getattr(cls, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            began = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent[key] = spent.get(key, 0.0) + time.process_time() - began

        setattr(cls, name, wrapper)

    timed(BaseHandler, "_get_response", "view")
    timed(Template, "render", "templates")
    print(f"{'page':<22} {'CPU ms':>7} {'around':>7} {'templates':>10} {'rest of view':>13}")
    for name, (username, url) in table.items():
        if only and name not in only:
            continue
        client = client_for(username)
        for _ in range(3):
            client.get(url)
        spent.clear()
        began = time.process_time()
        for _ in range(runs):
            client.get(url)
        total = (time.process_time() - began) * 1000 / runs
        view = spent["view"] * 1000 / runs
        templates = spent.get("templates", 0.0) * 1000 / runs
        print(
            f"{name:<22} {total:>7.1f} {total - view:>7.1f} {templates:>10.1f} "
            f"{view - templates:>13.1f}",
            flush=True,
        )
    print(f"load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", action="append", help="page name (repeatable)")
    parser.add_argument("--profile", help="print this page's cProfile")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--pyinstrument", help="print this page's pyinstrument tree")
    parser.add_argument(
        "--split", action="store_true", help="where each page's CPU time goes (no medians)"
    )
    args = parser.parse_args()
    django_setup()
    table = pages()
    if args.split:
        split(table, args.runs, args.only)
        return
    if args.profile or args.pyinstrument:
        name = args.profile or args.pyinstrument
        username, url = table[name]
        client = client_for(username)
        for _ in range(3):
            client.get(url)
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.runs):
                client.get(url)
            profile.disable()
            pstats.Stats(profile).sort_stats(args.sort).print_stats(45)
        else:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            with profiler:
                for _ in range(args.runs):
                    client.get(url)
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        return
    results = {}
    print(f"{'page':<22} {'median ms':>10} {'CPU ms':>8} {'queries':>8}")
    for name, (username, url) in table.items():
        if args.only and name not in args.only:
            continue
        client = client_for(username)
        ms, cpu, queries = measure(partial(client.get, url), args.runs)
        results[name] = {"ms": round(ms, 1), "cpu_ms": round(cpu, 1), "queries": queries}
        print(f"{name:<22} {ms:>10.1f} {cpu:>8.1f} {queries:>8}", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("JSON " + json.dumps(results))


if __name__ == "__main__":
    main()

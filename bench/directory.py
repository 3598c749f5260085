"""Benchmark of the directory search page at integrated-care-system scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/socialrx python -m bench.directory [--runs 30]

Needs PostgreSQL. It never touches the database DATABASE_URL names: it creates a throwaway
database beside it (``<name>_assets_bench``), migrates it, generates 20,000 listings (with
sessions, organisations and 2,000 located postcodes), times the search page through Django's
test client over several realistic queries, then does the same over the demo data
(``demo.core`` and ``demo.directory``), and drops the database.

Figures and how to read them: docs/directory.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from typing import Any

from bench.common import admin_connection, django_setup, postgres_config
from bench.listings import listing_text

ASSET_COUNT = 20_000
POSTCODE_COUNT = 2_000

QUERIES: list[tuple[str, str]] = [
    ("everything, first page", ""),
    ("one word", "q=walking"),
    ("two words", "q=gardening+group"),
    ("category and day", "category=music_singing&day=2"),
    ("near a postcode", "postcode={pc}"),
    ("near, within 2 miles, free", "postcode={pc}&within=2&free=on"),
    ("words + near + needs + citizen-led", "q=tea&postcode={pc}&needs=step_free&citizen=on"),
    ("page 5 of everything", "page=5"),
]


def _throwaway_url(url: str) -> tuple[str, dict[str, Any]]:
    config = postgres_config(
        url, why=": SQLite has no full-text search, so its figures would mean nothing"
    )
    name = f"{config['NAME']}_assets_bench"
    base = url.rsplit("/", 1)[0]
    return f"{base}/{name}", config | {"BENCH_NAME": name}


def _recreate(config: dict[str, Any], *, drop_only: bool = False) -> None:
    from psycopg import sql

    with admin_connection(config) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(config["BENCH_NAME"])
            )
        )
        if not drop_only:
            admin.execute(
                sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["BENCH_NAME"]))
            )


def _generate(rng: random.Random) -> list[str]:
    """20,000 listings over 2,000 located postcodes. Returns the postcodes (spaced)."""
    import datetime as dt

    from django.utils import timezone

    from assets.models import (
        Asset,
        Capacity,
        Category,
        LedBy,
        Organisation,
        OrganisationKind,
        Session,
    )
    from socialrx.models import Postcode

    postcodes: list[str] = []
    rows = []
    for i in range(POSTCODE_COUNT):
        outward = f"M{1 + i % 40}"
        inward = f"{i % 10}{chr(65 + (i // 10) % 26)}{chr(65 + (i // 260) % 26)}"
        postcodes.append(f"{outward} {inward}")
        rows.append(
            Postcode(
                postcode=f"{outward}{inward}",
                latitude=53.35 + rng.random() * 0.3,
                longitude=-2.45 + rng.random() * 0.45,
            )
        )
    Postcode.objects.bulk_create(rows, batch_size=2000)
    orgs = Organisation.objects.bulk_create(
        [
            Organisation(name=f"Community trust {i}", kind=rng.choice(OrganisationKind.values))
            for i in range(500)
        ]
    )
    now = timezone.now()
    assets = []
    for i in range(ASSET_COUNT):
        assets.append(
            Asset(
                asset_ref=f"bench-{i}",
                **listing_text(rng, i),
                category=rng.choice(Category.values),
                led_by=rng.choice(LedBy.values),
                organisation=rng.choice(orgs) if rng.random() < 0.4 else None,
                postcode=rng.choice(postcodes),
                is_free=(free := rng.random() < 0.7),
                cost="" if free else "£2 a session",
                step_free=rng.random() < 0.5,
                hearing_loop=rng.random() < 0.2,
                capacity=rng.choice(Capacity.values),
                last_confirmed_at=now - dt.timedelta(days=rng.randint(0, 200)),
            )
        )
    # The trigger fills search_vector for every row, as it would for an import.
    Asset.objects.bulk_create(assets, batch_size=2000)
    sessions = [
        Session(asset_id=pk, weekday=rng.randint(0, 6), starts_at=dt.time(rng.randint(9, 19), 0))
        for pk in Asset.objects.values_list("pk", flat=True)
        for _ in range(rng.choice([1, 1, 2]))
    ]
    Session.objects.bulk_create(sessions, batch_size=5000)
    return postcodes


def _count(query: str) -> int:
    from django.http import QueryDict

    from assets.forms import DirectorySearchForm
    from assets.selectors import directory_search

    form = DirectorySearchForm(QueryDict(query))
    if not form.is_valid():
        raise SystemExit(f"Bad benchmark query {query}: {form.errors}")
    return directory_search(search=form.to_search()).assets.count()


def _time_queries(*, postcode: str, runs: int) -> list[tuple[str, float, float, int]]:
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    results = []
    for label, template in QUERIES:
        url = "/directory/?" + template.format(pc=postcode.replace(" ", "+"))
        response = client.get(url)  # warm-up (and a check the page works)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        hits = _count(url.split("?", 1)[1])
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        results.append((label, statistics.median(times), p95, hits))
    return results


# The Open Referral UK v3 API (docs/api.md), timed with its cache emptied before every request:
# the work a first reader of each page causes.
ORUK_QUERIES: list[tuple[str, str]] = [
    ("services, first page", "services"),
    ("services, 200 a page", "services?per_page=200"),
    ("services, page 50", "services?page=50"),
    ("services, search", "services?search=walking"),
    ("services near, within 2 km", "services?postcode={pc}&proximity=2000"),
    ("services near, all by distance", "services?postcode={pc}"),
    ("services by category term", "services?taxonomy_term_id={term}"),
    ("services modified after", "services?modified_after=2020-01-01"),
    ("service at locations near", "service_at_locations?postcode={pc}"),
    ("one service, fully nested", "services/{sid}"),
]


def _time_oruk(*, postcode: str, runs: int) -> list[tuple[str, float, float, int]]:
    from django.core.cache import cache
    from django.test import Client

    from assets import oruk
    from assets.models import Asset

    client = Client(HTTP_HOST="localhost")
    term = oruk.local_term("category", "green_nature").id
    sid = Asset.objects.order_by("pk").values_list("oruk_id", flat=True).first()
    results = []
    for label, template in ORUK_QUERIES:
        url = "/api/oruk/v3/" + template.format(pc=postcode.replace(" ", "+"), term=term, sid=sid)
        cache.clear()
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        hits = response.json().get("total_items", 1)
        times = []
        for _ in range(runs):
            cache.clear()
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        results.append((label, statistics.median(times), p95, hits))
    return results


def _print(title: str, rows: list[tuple[str, float, float, int]]) -> None:
    print(f"\n{title}\n")
    print("| query | results | median ms | p95 ms |\n|---|---:|---:|---:|")
    for label, median, p95, hits in rows:
        print(f"| {label} | {hits:,} | {median:.1f} | {p95:.1f} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs per query (≥ 30)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise SystemExit("bench.directory needs DATABASE_URL set to a PostgreSQL database.")
    bench_url, config = _throwaway_url(url)
    _recreate(config)
    os.environ["DATABASE_URL"] = bench_url
    django_setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log growing in memory while timing
    settings.ALLOWED_HOSTS = ["localhost"]
    settings.WHITENOISE_AUTOREFRESH = False
    from django.core.management import call_command
    from django.db import connection

    try:
        call_command("migrate", verbosity=0)
        rng = random.Random(20261123)
        started = time.perf_counter()
        postcodes = _generate(rng)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(
            f"Generated {ASSET_COUNT:,} listings in {time.perf_counter() - started:.0f}s "
            f"(PostgreSQL {getattr(connection, 'pg_version', 0) // 10000}, {args.runs} timed runs a query)."
        )
        _print(
            f"Search page over {ASSET_COUNT:,} listings",
            _time_queries(postcode=postcodes[0], runs=args.runs),
        )
        _print(
            f"Open Referral UK v3 over {ASSET_COUNT:,} listings (cache emptied each time)",
            _time_oruk(postcode=postcodes[0], runs=args.runs),
        )

        call_command("flush", interactive=False, verbosity=0)
        from demo import directory as demo_directory
        from demo.core import demo_context, seed_core

        ctx = demo_context()
        seed_core(ctx)
        demo_directory.seed(ctx)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        located = [p for p, *_ in ctx.postcodes] or ["M1 1AE"]
        _print(
            f"Search page over the demo data ({len(ctx.assets)} listings)",
            _time_queries(postcode=located[0], runs=args.runs),
        )
    finally:
        connection.close()
        if not args.keep:
            _recreate(config, drop_only=True)


if __name__ == "__main__":
    main()

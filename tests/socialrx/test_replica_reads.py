"""Reads from a replica (socialrx/db_routing.py): the outcome dashboards, downloads and API read
the replica when one is configured; everything else, every write, job progress and the pages
of a user who has just asked for a computation read the primary.

The rules are checked on any database; the real thing on PostgreSQL, with the replica a second
database made as a copy of the test database (so that each holds different figures, as a
replica that has not yet caught up would)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from django.contrib.sessions.models import Session
from django.db import connections
from django.test import RequestFactory
from rest_framework.test import APIClient

from outcomes.models import MetricSnapshot, Run
from socialrx import db_routing
from socialrx.db_routing import (
    PIN_SESSION_KEY,
    REPLICA,
    ReplicaRouter,
    pin_to_primary,
    primary_reads,
    reads_from_replica,
    replica_health_forget,
    replica_reads,
)
from socialrx.models import User
from tests.outcomes.factories_dashboard import change_values, demo_snapshots

ROUTER = ReplicaRouter()
FRIENDS_API = "/api/v1/metrics/friends/"
Q1_PARAMS = {"start": "2026-01-01", "end": "2026-03-31"}
COVERAGE_Q1 = "/outcomes/metrics/coverage/?period=2026-01-01/2026-03-31"


@pytest.fixture
def reads_on(settings) -> Iterator[None]:
    settings.DATABASE_REPLICA_READS = True
    replica_health_forget()
    yield
    replica_health_forget()


# --- the rules, on any database ------------------------------------------------------------


@pytest.fixture
def caught_up(reads_on, monkeypatch) -> None:
    """A replica that is not behind (without asking it)."""
    monkeypatch.setattr(db_routing, "lag_seconds", lambda: 0.0)


def test_without_a_replica_nothing_is_routed_to_one(settings):
    settings.DATABASE_REPLICA_READS = False
    with replica_reads() as used:
        assert used is False
        assert ROUTER.db_for_read(MetricSnapshot) == "default"


def test_inside_replica_reads_only_reads_outside_a_transaction_go_to_the_replica(
    caught_up, monkeypatch
):
    assert ROUTER.db_for_read(MetricSnapshot) == "default"
    with replica_reads() as used:
        assert used is True
        assert ROUTER.db_for_read(MetricSnapshot) == REPLICA
        assert ROUTER.db_for_read(User) == REPLICA
        # What must be current, or what signing in reads and writes: the primary.
        assert ROUTER.db_for_read(Run) == "default"
        assert ROUTER.db_for_read(Session) == "default"
        # Reads inside a transaction (which may have written): the primary.
        with monkeypatch.context() as inside:
            inside.setattr(connections["default"], "in_atomic_block", True)
            assert ROUTER.db_for_read(MetricSnapshot) == "default"
        # A row's related rows come from where the row came from.
        user = User(username="x")
        user._state.db = "default"
        assert ROUTER.db_for_read(User, instance=user) == "default"
        with primary_reads():
            assert ROUTER.db_for_read(MetricSnapshot) == "default"
        assert ROUTER.db_for_read(MetricSnapshot) == REPLICA
        # After a write, the rest of the view reads the primary, which has it.
        assert ROUTER.db_for_write(MetricSnapshot) == "default"
        assert ROUTER.db_for_read(MetricSnapshot) == "default"
    with replica_reads():
        assert ROUTER.db_for_read(MetricSnapshot) == REPLICA
    assert ROUTER.allow_migrate(REPLICA, "outcomes") is False
    assert ROUTER.allow_migrate("default", "outcomes") is None


def test_the_decorator_routes_only_gets_of_users_not_just_pinned(caught_up):
    seen: list[str] = []

    @reads_from_replica
    def view(request):
        seen.append(ROUTER.db_for_read(MetricSnapshot))
        return None

    factory = RequestFactory()
    get, post = factory.get("/"), factory.post("/")
    get.session, post.session = {}, {}
    view(get)
    view(post)
    assert seen == [REPLICA, "default"]
    pin_to_primary(get)
    assert get.session[PIN_SESSION_KEY] > time.time()
    view(get)
    assert seen[-1] == "default"
    get.session[PIN_SESSION_KEY] = time.time() - 1
    view(get)
    assert seen[-1] == REPLICA


def test_a_replica_too_far_behind_or_down_is_not_used(reads_on, monkeypatch, settings):
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 10
    monkeypatch.setattr(db_routing, "lag_seconds", lambda: 30.0)
    with replica_reads() as used:
        assert used is False
        assert ROUTER.db_for_read(MetricSnapshot) == "default"
    # Remembered for DATABASE_REPLICA_CHECK_SECONDS, then looked at again.
    monkeypatch.setattr(db_routing, "lag_seconds", lambda: 2.0)
    with replica_reads() as used:
        assert used is False
    replica_health_forget()
    with replica_reads() as used:
        assert used is True

    def down() -> float:
        from django.db import OperationalError

        raise OperationalError("connection refused")

    replica_health_forget()
    monkeypatch.setattr(db_routing, "lag_seconds", down)
    with replica_reads() as used:
        assert used is False


# --- the real thing: a second PostgreSQL database ------------------------------------------


def _copy_of_primary() -> str:
    """A new database copied from the test database as it is now; its name."""
    import psycopg

    primary = connections["default"].settings_dict
    name = f"{primary['NAME']}_replica"
    for alias in ("default", REPLICA):
        connections[alias].close()
    with psycopg.connect(
        host=primary["HOST"] or None,
        port=primary["PORT"] or None,
        user=primary["USER"] or None,
        password=primary["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        deadline = time.monotonic() + 10
        while True:  # a connection just closed may take a moment to leave the server
            try:
                admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{primary["NAME"]}"')
                return name
            except psycopg.errors.ObjectInUse:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


def _drop(name: str) -> None:
    import psycopg

    primary = connections["default"].settings_dict
    with psycopg.connect(
        host=primary["HOST"] or None,
        port=primary["PORT"] or None,
        user=primary["USER"] or None,
        password=primary["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def copy_to_replica(postgres_required, reads_on) -> Iterator[Callable[[], str]]:
    """``copy_to_replica()`` copies the test database as it is now into a second database and
    points the ``replica`` alias at it."""
    replica = connections[REPLICA]
    mirrored = replica.settings_dict["NAME"]
    made: list[str] = []

    def copy() -> str:
        name = _copy_of_primary()
        replica.settings_dict["NAME"] = name
        made.append(name)
        return name

    yield copy
    replica.close()
    replica.settings_dict["NAME"] = mirrored
    for name in made:
        _drop(name)


def _time_both(client, settings, runs: int = 10) -> None:
    """Prints how long the overview and a metric page take from each database (here both are
    on one server: this shows the routing costs nothing, not what a standby buys)."""
    pages = ("/outcomes/", "/outcomes/metrics/friends/?period=2026-01-01/2026-03-31")
    took = {}
    for reads in (False, True):
        settings.DATABASE_REPLICA_READS = reads
        for page in pages:
            assert client.get(page).status_code == 200  # warm
        began = time.perf_counter()
        for _ in range(runs):
            for page in pages:
                client.get(page)
        took[reads] = (time.perf_counter() - began) / runs * 1000
    settings.DATABASE_REPLICA_READS = True
    print(f"\noverview + metric page: {took[False]:.0f} ms from the primary, {took[True]:.0f} ms")
    print("from the replica (a second database on the same server)")


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_dashboards_and_the_api_read_the_replica_and_the_rest_the_primary(
    copy_to_replica, practice_a, pcn, commissioner, client_for, settings
):
    # Written before the copy: both databases have the figures (friends: 120 people)...
    demo_snapshots(practices=("A00001",), pcns=("U00001",))
    client = client_for(commissioner)
    api = APIClient()
    api.force_login(commissioner)
    second = copy_to_replica()
    _time_both(client, settings)
    # ... then the primary moves on: friends now counts 240 people and coverage is gone.
    MetricSnapshot.objects.filter(metric="friends", level="all", dimension="total").update(
        values=change_values(240)
    )
    MetricSnapshot.objects.filter(metric="coverage").delete()
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT current_database()")
        assert cursor.fetchone()[0] == second

    # The API and the dashboards show the replica's figures.
    body = api.get(FRIENDS_API, Q1_PARAMS).json()
    assert body["rows"][0]["values"]["n"] == 120
    assert 'id="figures"' in client.get(COVERAGE_Q1).content.decode()
    assert client.get("/outcomes/report/").status_code == 200
    assert client.get("/outcomes/board-pack.xlsx").status_code == 200

    # Without the replica, the same pages show the primary's.
    settings.DATABASE_REPLICA_READS = False
    assert api.get(FRIENDS_API, Q1_PARAMS).json()["rows"][0]["values"]["n"] == 240
    assert 'id="figures"' not in client.get(COVERAGE_Q1).content.decode()
    settings.DATABASE_REPLICA_READS = True

    # Job progress is read from the primary: a computation the replica has not yet heard of
    # is found, and once it is done the user's pages read the primary (which has what the job
    # wrote) until the replica has certainly caught up.
    run = Run.objects.create(
        kind="metric:coverage",
        status=Run.Status.DONE,
        params={"start": "2026-01-01", "end": "2026-03-31", "window": 0},
        created_by=commissioner,
    )
    assert not Run.objects.using(REPLICA).filter(pk=run.pk).exists()
    status = client.get(f"/outcomes/runs/{run.pk}/compute/", HTTP_HX_REQUEST="true")
    assert status.status_code == 200
    assert status["HX-Refresh"] == "true"
    assert 'id="figures"' not in client.get(COVERAGE_Q1).content.decode()
    # Someone who has not just computed anything still reads the replica.
    assert api.get(FRIENDS_API, Q1_PARAMS).json()["rows"][0]["values"]["n"] == 120


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_a_replica_that_cannot_be_reached_leaves_the_pages_on_the_primary(
    postgres_required, reads_on, practice_a, pcn, commissioner
):
    demo_snapshots(practices=("A00001",), pcns=("U00001",))
    replica = connections[REPLICA]
    mirrored = replica.settings_dict["NAME"]
    replica.close()
    replica.settings_dict["NAME"] = "socialrx_no_such_replica"
    try:
        api = APIClient()
        api.force_login(commissioner)
        response = api.get(FRIENDS_API, Q1_PARAMS)
        assert response.status_code == 200
        assert response.json()["rows"][0]["values"]["n"] == 120
    finally:
        replica.close()
        replica.settings_dict["NAME"] = mirrored

"""The monthly capacity snapshot against a world small enough to count by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from assets.models import ListingStatus
from funding import services
from funding.models import CapacitySnapshot, PlacesOffered
from funding.tasks import capacity_snapshot_task
from referrals.models import Connection, ConnectionOutcome, GroupAnswer, GroupAnswerChoice
from tests.assets.factories import AssetFactory, OrganisationFactory
from tests.funding.factories import AwardFactory
from tests.referrals.factories import ConnectionFactory

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)


def _connect(asset, day, *, outcome=ConnectionOutcome.PENDING, answers=(), funded=None):
    c = ConnectionFactory(asset=asset, made_on=day, outcome=outcome)
    if funded is not None:
        Connection.objects.filter(pk=c.pk).update(funded_at_connection=funded)
    for answer in answers:
        GroupAnswer.objects.create(connection=c, answer=answer)
    return c


@pytest.fixture
def world():
    """Two groups.

    Choir (its organisation holds an award for every listing from 10 March):
      - 1 Mar, pending, no answer             -> waiting, unfunded (before the award)
      - 5 Mar, attended                       -> accepted, unfunded
      - 9 Mar, "full"                          -> declined full, unfunded
      - 10 Mar, "came" (outcome still pending) -> accepted, funded
      - 20 Mar, "came" then "not suitable"     -> declined not suitable (latest answer), funded
      - 31 Mar, "too complex"                  -> declined too complex, funded
      - 25 Mar, did not attend                 -> counted in received only, funded
      - 1 Apr: another month, not counted
    Walk (no award; says 4 places from February, 6 from April):
      - 2 Mar, member                          -> accepted, unfunded
      - 15 Mar, pending, already recorded as funded when made -> waiting, funded (kept)
    A third listing with no connection is still in the directory: a row of zeros.
    """
    org = OrganisationFactory(name="Choir trust")
    choir = AssetFactory(name="Choir", organisation=org)
    walk = AssetFactory(name="Walk")
    quiet = AssetFactory(name="Quiet group")
    AssetFactory(name="Pending listing", listing_status=ListingStatus.PENDING)
    AwardFactory(recipient=org, starts_on=dt.date(2026, 3, 10), ends_on=dt.date(2026, 9, 30))
    _connect(choir, dt.date(2026, 3, 1))
    _connect(choir, dt.date(2026, 3, 5), outcome=ConnectionOutcome.ATTENDED)
    _connect(choir, dt.date(2026, 3, 9), answers=[GroupAnswerChoice.FULL])
    _connect(choir, dt.date(2026, 3, 10), answers=[GroupAnswerChoice.CAME])
    _connect(
        choir,
        dt.date(2026, 3, 20),
        answers=[GroupAnswerChoice.CAME, GroupAnswerChoice.NOT_SUITABLE],
    )
    _connect(choir, dt.date(2026, 3, 31), answers=[GroupAnswerChoice.TOO_COMPLEX])
    _connect(choir, dt.date(2026, 3, 25), outcome=ConnectionOutcome.DID_NOT_ATTEND)
    _connect(choir, dt.date(2026, 4, 1))
    _connect(walk, dt.date(2026, 3, 2), outcome=ConnectionOutcome.MEMBER)
    _connect(walk, dt.date(2026, 3, 15), funded=True)
    PlacesOffered.objects.create(asset=walk, from_month=dt.date(2026, 2, 1), places=4)
    PlacesOffered.objects.create(asset=walk, from_month=dt.date(2026, 4, 1), places=6)
    return {"choir": choir, "walk": walk, "quiet": quiet}


def _row(asset, month=MARCH):
    s = CapacitySnapshot.objects.get(asset=asset, month=month)
    return {
        "places": s.places_offered,
        "received": s.received,
        "accepted": s.accepted,
        "full": s.declined_full,
        "not_suitable": s.declined_not_suitable,
        "too_complex": s.declined_too_complex,
        "waiting": s.waiting,
        "funded": s.funded,
        "unfunded": s.unfunded,
    }


def test_snapshot_matches_the_hand_count(world):
    assert services.capacity_snapshot(month=dt.date(2026, 3, 17)) == 3
    assert _row(world["choir"]) == {
        "places": None,
        "received": 7,
        "accepted": 2,
        "full": 1,
        "not_suitable": 1,
        "too_complex": 1,
        "waiting": 1,
        "funded": 4,
        "unfunded": 3,
    }
    assert _row(world["walk"]) == {
        "places": 4,
        "received": 2,
        "accepted": 1,
        "full": 0,
        "not_suitable": 0,
        "too_complex": 0,
        "waiting": 1,
        "funded": 1,
        "unfunded": 1,
    }
    assert _row(world["quiet"])["received"] == 0
    # The pending listing is not in the directory and had no connection: no row.
    assert CapacitySnapshot.objects.filter(month=MARCH).count() == 3


def test_snapshot_keeps_funded_as_it_was_when_the_connection_was_made(world):
    services.capacity_snapshot(month=MARCH)
    # The walk's second connection was recorded funded when made: no award says so now, and
    # it stays funded.
    assert Connection.objects.filter(asset=world["walk"], funded_at_connection=True).count() == 1
    # Connections of other months are not filled in.
    assert Connection.objects.get(made_on=dt.date(2026, 4, 1)).funded_at_connection is None


def test_snapshot_twice_gives_the_same_rows(world):
    services.capacity_snapshot(month=MARCH)
    first = list(
        CapacitySnapshot.objects.values(
            "asset_id",
            "month",
            "received",
            "accepted",
            "waiting",
            "funded",
            "unfunded",
            "places_offered",
        ).order_by("asset_id")
    )
    services.capacity_snapshot(month=MARCH)
    second = list(
        CapacitySnapshot.objects.values(
            "asset_id",
            "month",
            "received",
            "accepted",
            "waiting",
            "funded",
            "unfunded",
            "places_offered",
        ).order_by("asset_id")
    )
    assert first == second
    assert CapacitySnapshot.objects.count() == 3


def test_snapshot_of_another_month_leaves_march_alone(world):
    services.capacity_snapshot(month=MARCH)
    services.capacity_snapshot(month=dt.date(2026, 4, 1))
    assert _row(world["choir"])["received"] == 7
    april = _row(world["choir"], dt.date(2026, 4, 1))
    assert april["received"] == 1 and april["funded"] == 1
    assert _row(world["walk"], dt.date(2026, 4, 1))["places"] == 6


def test_task_and_command_run_any_month(world):
    assert capacity_snapshot_task(month="2026-03") == ["2026-03"]
    assert _row(world["choir"])["received"] == 7
    call_command("snapshot_capacity", "--month", "2026-03", "--to", "2026-04")
    assert CapacitySnapshot.objects.filter(month=dt.date(2026, 4, 1)).exists()


def test_command_refuses_a_bad_month(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("snapshot_capacity", "--month", "March")
    assert not CapacitySnapshot.objects.exists()


def test_nightly_refresh_does_this_month_and_last(world):
    done = services.capacity_refresh(today=dt.date(2026, 4, 12))
    assert done == [MARCH, dt.date(2026, 4, 1)]
    assert set(CapacitySnapshot.objects.values_list("month", flat=True)) == {
        MARCH,
        dt.date(2026, 4, 1),
    }


def test_beat_schedule_runs_the_capacity_job_every_night():
    from socialrx.celery import app

    entry = app.conf.beat_schedule["funding-capacity-snapshot"]
    assert entry["task"] == "funding.tasks.capacity_snapshot_task"
    assert entry["task"] in app.tasks
    assert app.tasks[entry["task"]].time_limit

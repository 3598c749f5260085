"""Importing a feed: a service at several places becomes a listing for each place, and a
whole-feed import flags (never deletes) this feed's listings that are no longer in it."""

from __future__ import annotations

import copy
import io
import json
import socket
import uuid

import pytest
from django.core.management import call_command

from assets.models import Asset, AssetChange, Capacity
from assets.oruk_import import oruk_import as run_import
from tests.assets.factories import AssetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to use the network")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def place(sal_id: str, venue: str, postcode: str) -> dict:
    return {
        "id": sal_id,
        "location": {
            "id": f"loc-{sal_id}",
            "name": venue,
            "addresses": [{"address_1": "1 High Street", "city": "Leeds", "postal_code": postcode}],
        },
    }


def service(sid: str, name: str, *places: dict) -> dict:
    return {
        "id": sid,
        "name": name,
        "status": "active",
        "description": "Walks for all.",
        "service_at_locations": list(places),
    }


WALKS = service(
    "walks",
    "Health walks",
    place("north", "North library", "LS6 1AA"),
    place("south", "South park cafe", "LS11 5AA"),
    place("east", "East community centre", "LS9 7AA"),
)


def test_a_service_at_three_places_is_three_listings_one_per_postcode():
    result = run_import(source="Council", services=[copy.deepcopy(WALKS)])
    assert result.ok, result.as_dict()
    assert (result.rows, result.listings, result.created) == (1, 3, 3)
    assert "Imported 1 services at 3 places (a listing for each)" in result.summary()
    listings = Asset.objects.order_by("postcode")
    assert [(a.feed_ref, a.feed_place_ref, a.venue_name, a.postcode) for a in listings] == [
        ("walks", "south", "South park cafe", "LS11 5AA"),
        ("walks", "north", "North library", "LS6 1AA"),
        ("walks", "east", "East community centre", "LS9 7AA"),
    ]
    assert {a.name for a in listings} == {"Health walks"}
    assert {a.description for a in listings} == {"Walks for all."}
    # Again: nothing changes.
    again = run_import(source="Council", services=[copy.deepcopy(WALKS)])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_a_change_to_the_service_reaches_every_place_and_a_place_change_only_its_own():
    run_import(source="Council", services=[copy.deepcopy(WALKS)])
    changed = copy.deepcopy(WALKS)
    changed["description"] = "Gentle walks for all."
    changed["service_at_locations"][1]["location"]["name"] = "South park pavilion"
    result = run_import(source="Council", services=[changed])
    assert (result.updated, result.unchanged) == (3, 0)
    assert set(Asset.objects.values_list("description", flat=True)) == {"Gentle walks for all."}
    assert Asset.objects.get(feed_place_ref="south").venue_name == "South park pavilion"
    assert Asset.objects.get(feed_place_ref="north").venue_name == "North library"


def test_service_and_place_uuids_become_the_listings_own_ids():
    sid, sal1, sal2 = (str(uuid.uuid4()) for _ in range(3))
    doc = service(sid, "Choir", place(sal1, "Hall", "LS6 1AA"), place(sal2, "Church", "LS9 7AA"))
    run_import(source="Council", services=[doc])
    first, second = Asset.objects.get(feed_place_ref=sal1), Asset.objects.get(feed_place_ref=sal2)
    assert str(first.oruk_id) == sid and str(first.oruk_sal_id) == sal1
    assert str(second.oruk_id) != sid and str(second.oruk_sal_id) == sal2


def test_a_place_id_given_twice_in_a_service_imports_nothing():
    doc = service("s", "Choir", place("p", "Hall", "LS6 1AA"), place("p", "Church", "LS9 7AA"))
    result = run_import(source="Council", services=[doc])
    assert not result.ok
    assert (
        "service_at_locations[1].id: this id is given to an earlier place of this service too"
        in (result.as_dict()["problems"][0]["message"])
    )
    assert not Asset.objects.exists()


def test_a_listing_imported_before_places_were_told_apart_keeps_its_place():
    run_import(source="Council", services=[service("walks", "Health walks")])
    old = Asset.objects.get()
    assert old.feed_place_ref == ""
    result = run_import(source="Council", services=[copy.deepcopy(WALKS)])
    assert (result.created, result.updated) == (2, 1)
    old.refresh_from_db()
    assert old.feed_place_ref in {"north", "south", "east"} and old.postcode
    assert Asset.objects.count() == 3


def test_a_feed_that_renumbers_its_places_keeps_the_listings():
    run_import(source="Council", services=[copy.deepcopy(WALKS)])
    pks = dict(Asset.objects.values_list("postcode", "pk"))
    renumbered = copy.deepcopy(WALKS)
    for i, sal in enumerate(reversed(renumbered["service_at_locations"])):
        sal["id"] = f"new-{i}"
    result = run_import(source="Council", services=[renumbered], whole_feed=True)
    assert (result.created, result.left) == (0, 0)
    assert dict(Asset.objects.values_list("postcode", "pk")) == pks


def test_a_whole_feed_import_flags_listings_no_longer_in_it_and_touches_nothing_else(
    client_for, admin_user
):
    local = AssetFactory(name="Our own choir")
    run_import(source="Other", services=[service("x", "Other feed's group")])
    run_import(
        source="Council",
        services=[copy.deepcopy(WALKS), service("knit", "Knit and natter")],
        whole_feed=True,
    )
    fewer = copy.deepcopy(WALKS)
    fewer["service_at_locations"].pop()  # east closed
    # A file that is not the whole feed flags nothing.
    partial = run_import(source="Council", services=[copy.deepcopy(fewer)])
    assert partial.left == 0 and not Asset.objects.filter(feed_left_at__isnull=False).exists()

    result = run_import(source="Council", services=[fewer], whole_feed=True, by=admin_user)

    assert result.ok and result.left == 2
    assert result.as_dict()["left"] == 2
    assert "2 listings are no longer in the feed: kept, and marked for review" in result.summary()
    gone = Asset.objects.filter(feed_left_at__isnull=False)
    assert {(a.feed_ref, a.feed_place_ref) for a in gone} == {("walks", "east"), ("knit", "")}
    assert Asset.objects.count() == 6  # nothing deleted
    local.refresh_from_db()
    assert local.feed_left_at is None
    assert Asset.objects.get(feed__name="Other").feed_left_at is None
    knit = Asset.objects.get(feed_ref="knit")
    assert knit.capacity == Capacity.OPEN and knit.ended_on is None  # left as it was
    assert "no longer in the directory it was imported from" in " ".join(knit.connection_warnings())
    flag = AssetChange.objects.get(asset=knit, action=AssetChange.Action.LEFT_FEED)
    assert flag.needs_review and flag.by == admin_user
    body = client_for(admin_user).get("/directory/moderation/").content.decode()
    assert "No longer in its Open Referral feed (listing kept)" in body
    assert "Knit and natter" in body

    # Flagged once: the next import does not flag it again.
    again = run_import(source="Council", services=[copy.deepcopy(fewer)], whole_feed=True)
    assert again.left == 0
    assert AssetChange.objects.filter(action=AssetChange.Action.LEFT_FEED).count() == 2

    # Back in the feed: the mark goes, and the history says so.
    back = run_import(
        source="Council",
        services=[copy.deepcopy(WALKS), service("knit", "Knit and natter")],
        whole_feed=True,
    )
    assert back.returned == 2 and back.left == 0
    assert not Asset.objects.filter(feed_left_at__isnull=False).exists()
    assert AssetChange.objects.filter(asset=knit, changes__feed__1="back in Council").exists()


def test_an_empty_whole_feed_flags_nothing():
    run_import(source="Council", services=[copy.deepcopy(WALKS)], whole_feed=True)
    result = run_import(source="Council", services=[], whole_feed=True)
    assert result.left == 0
    assert "The feed has no services: no listing was marked as gone." in result.summary()
    assert not Asset.objects.filter(feed_left_at__isnull=False).exists()


def test_the_command_marks_leavers_only_when_told_the_file_is_the_whole_feed(tmp_path):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([WALKS, service("knit", "Knit and natter")]))
    call_command("import_openreferral", str(path), "--source", "Council", stdout=io.StringIO())
    path.write_text(json.dumps([WALKS]))
    call_command("import_openreferral", str(path), "--source", "Council", stdout=io.StringIO())
    assert not Asset.objects.filter(feed_left_at__isnull=False).exists()
    out = io.StringIO()
    call_command(
        "import_openreferral", str(path), "--source", "Council", "--whole-feed", stdout=out
    )
    assert "1 listing is no longer in the feed" in out.getvalue()
    assert Asset.objects.get(feed_left_at__isnull=False).feed_ref == "knit"

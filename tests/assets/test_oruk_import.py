"""Importing an Open Referral UK v3 feed: the profile's example documents, socialrx's own
export (round trip without loss), idempotence, local edits kept and flagged, all or nothing
with clear errors. Never the network: fetching is passed in, and urlopen is made to fail."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import socket
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assets import oruk_import
from assets.models import Asset, AssetChange, Capacity, Organisation, OrukSource
from assets.oruk import has_location
from assets.oruk_import import (
    FeedError,
    services_from_document,
    services_from_file,
    services_from_url,
)
from assets.oruk_import import oruk_import as run_import
from tests.assets.factories import AssetFactory, OrganisationFactory, SessionFactory
from tests.assets.oruk_schemas import EXAMPLES, example

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to use the network")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def client_fetch(client):
    """A fetch that answers from this site's own API through the test client."""

    def fetch(url: str) -> bytes:
        parts = urlsplit(url)
        response = client.get(parts.path + ("?" + parts.query if parts.query else ""))
        assert response.status_code == 200, url
        return response.content

    return fetch


def test_the_profiles_full_example_imports():
    result = run_import(source="Example", services=[example("service_full.json")])
    assert result.ok, result.as_dict()
    assert result.created == 1
    asset = Asset.objects.get()
    assert asset.name == "Community Counselling"
    assert asset.feed.name == "Example"
    assert asset.feed_ref == "ac148810-d857-441c-9679-408f346de14b"
    assert asset.feed_modified_at == dt.datetime(2023, 3, 15, 10, 30, 45, 123000, tzinfo=dt.UTC)
    assert asset.organisation.name == "Example Organization Inc."
    assert asset.venue_name == "MyCity Civic Center"
    # Not a UK postcode (the example is from the US): kept in the address.
    assert asset.postcode == ""
    assert asset.address == "1-30 Main Street, MyCity, ABC 1234"
    assert asset.is_free is False and asset.cost == "£35 per 1 hour session"
    assert asset.contact_name == "Ann Persona"
    assert [(s.weekday, s.starts_at, s.ends_at) for s in asset.sessions.all()] == [
        (3, dt.time(10), dt.time(18)),
        (4, dt.time(10), dt.time(18)),
    ]
    assert asset.category == oruk_import.DEFAULT_CATEGORY
    assert "no directory category" in result.summary()


@pytest.mark.parametrize(
    "name", ["service_list.json", "service_full.json", "service_at_location_list.json"]
)
def test_every_example_document_of_services_is_read(name):
    document = example(name)
    if name == "service_at_location_list.json":
        document = [
            item["service"] | {"id": item["service"]["id"]} for item in document["contents"]
        ]
    services = services_from_document(document)
    result = run_import(source="Example", services=services)
    assert result.ok, result.as_dict()
    assert Asset.objects.count() == len(services)


def test_a_file_reads_from_disk(tmp_path):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([example("service_full.json")]))
    assert len(services_from_file(path)) == 1
    assert len(services_from_file(EXAMPLES / "service_list.json")) == 1
    path.write_text("not json")
    with pytest.raises(FeedError, match="not JSON"):
        services_from_file(path)
    path.write_text('{"hello": 1}')
    with pytest.raises(FeedError, match="not an Open Referral UK v3 document"):
        services_from_file(path)


def _listing_values(asset: Asset) -> dict:
    values = {
        f: getattr(asset, f) for f in oruk_import.FIELDS if f not in ("organisation", "sessions")
    }
    values["organisation"] = asset.organisation.name if asset.organisation else None
    values["organisation_kind"] = asset.organisation.kind if asset.organisation else None
    values["sessions"] = [(s.weekday, s.starts_at, s.ends_at) for s in asset.sessions.all()]
    values["oruk_id"] = asset.oruk_id
    # A listing with no place has no service_at_location, so no id for it to keep.
    values["oruk_sal_id"] = asset.oruk_sal_id if has_location(asset) else None
    values["confirmed_on"] = asset.last_confirmed_at.date() if asset.last_confirmed_at else None
    return values


def _edge_cases() -> None:
    org = OrganisationFactory(name="Friends of the Park", kind="community_group")
    park = AssetFactory(
        name="Park walk",
        organisation=org,
        kind="activity",
        led_by="vcse",
        venue_name="Park gates",
        address="Park Road, Levenshulme, Manchester",
        is_free=False,
        cost="£1 a week",
        step_free=True,
        hearing_loop=False,
        accessible_toilet=None,
        little_talking=True,
        slowest_pace=True,
        languages="English, Polish",
        contact_name="Sam",
        contact_email="walks@example.org",
        contact_phone="0161 000 0000",
        website="https://walks.example.org",
        first_visit="Meet at the gates.",
        ask_for="Sam",
        getting_there="Bus 50 to the park.",
        schedule_text="Every week, whatever the weather",
        capacity=Capacity.LIMITED,
        last_confirmed_at=dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC),
    )
    SessionFactory(asset=park, weekday=0, starts_at=dt.time(9), ends_at=dt.time(10))
    SessionFactory(asset=park, weekday=3, starts_at=dt.time(18, 30))
    AssetFactory(name="Telephone befriending", postcode="", category="befriending", languages="")
    AssetFactory(
        name="Online choir",
        postcode="",
        website="https://choir.example.org",
        schedule_text="Sundays online",
        category="music_singing",
        led_by="citizen",
    )
    AssetFactory(name="Paused", capacity=Capacity.PAUSED, category="food")
    AssetFactory(name="Full", capacity=Capacity.FULL, category="carers_support")


def test_round_trip_of_socialrxs_own_export_loses_nothing(anon_client):
    _edge_cases()
    before = {a.name: _listing_values(a) for a in Asset.objects.all()}
    services = services_from_url("http://testserver/api/oruk/v3/", fetch=client_fetch(anon_client))
    assert len(services) == 5
    Asset.objects.all().delete()
    Organisation.objects.all().delete()

    result = run_import(source="Our own export", services=services)

    assert result.ok, result.as_dict()
    assert result.created == 5
    after = {a.name: _listing_values(a) for a in Asset.objects.all()}
    assert set(after) == set(before)
    for name, values in before.items():
        lost = {k: (v, after[name][k]) for k, v in values.items() if after[name][k] != v}
        assert not lost, (name, lost)


def test_importing_the_same_feed_twice_changes_nothing():
    services = [example("service_full.json")]
    run_import(source="Example", services=services)
    changes = AssetChange.objects.count()
    updated_at = Asset.objects.get().updated_at
    again = run_import(source="Example", services=copy.deepcopy(services))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Asset.objects.count() == 1
    assert AssetChange.objects.count() == changes
    assert Asset.objects.get().updated_at == updated_at
    # The same ids from another feed are another feed's listings.
    run_import(source="Another directory", services=services)
    assert Asset.objects.count() == 2
    assert OrukSource.objects.count() == 2


def test_a_local_edit_is_kept_and_flagged_and_the_rest_updates():
    service = example("service_full.json")
    run_import(source="Example", services=[service])
    asset = Asset.objects.get()
    asset.name = "Counselling (corrected by our keeper)"
    asset.save()

    changed = copy.deepcopy(service)
    changed["name"] = "Community Counselling Service"
    changed["description"] = "Now also on Saturdays."
    result = run_import(source="Example", services=[changed])

    assert result.ok and result.conflicts == 1
    asset.refresh_from_db()
    assert asset.name == "Counselling (corrected by our keeper)"
    assert asset.description == "Now also on Saturdays."
    flag = AssetChange.objects.get(action=AssetChange.Action.CONFLICT)
    assert flag.needs_review is True
    assert flag.changes == {
        "name": ["Counselling (corrected by our keeper)", "Community Counselling Service"]
    }
    applied = AssetChange.objects.get(action=AssetChange.Action.IMPORTED)
    assert list(applied.changes) == ["description"]
    # Importing the same feed again flags nothing new.
    run_import(source="Example", services=[changed])
    assert AssetChange.objects.filter(action=AssetChange.Action.CONFLICT).count() == 1


def test_a_feed_with_bad_services_imports_nothing_and_says_where():
    good = example("service_full.json")
    no_name = copy.deepcopy(good) | {"id": "7a1e0d54-4a39-4ff4-a6f1-55f6e6b1d001", "name": ""}
    bad_time = copy.deepcopy(good) | {"id": "7a1e0d54-4a39-4ff4-a6f1-55f6e6b1d002"}
    bad_time["schedules"][0]["opens_at"] = "25 o'clock"
    bad_postcode = copy.deepcopy(good) | {"id": "7a1e0d54-4a39-4ff4-a6f1-55f6e6b1d003"}
    bad_postcode["service_at_locations"][0]["location"]["addresses"][0] |= {
        "country": "GB",
        "postal_code": "NOT A CODE",
    }
    repeated = copy.deepcopy(good)

    result = run_import(
        source="Example", services=[good, no_name, bad_time, bad_postcode, repeated, "text"]
    )

    assert not result.ok
    assert Asset.objects.count() == 0 and OrukSource.objects.count() == 0
    messages = [p["message"] for p in result.as_dict()["problems"]]
    assert messages == [
        "service 2 (id 7a1e0d54-4a39-4ff4-a6f1-55f6e6b1d001), name: this is empty; expected text",
        "service 3 (id 7a1e0d54-4a39-4ff4-a6f1-55f6e6b1d002), schedules[0].opens_at: "
        '"25 o\'clock" is not a time; expected a time as HH:MM, like 10:30',
        "service 4 (id 7a1e0d54-4a39-4ff4-a6f1-55f6e6b1d003), "
        'service_at_locations[0].location.addresses[0].postal_code: "NOT A CODE" is not a full '
        "UK postcode; expected a postcode like M1 1AE",
        "service 5 (id ac148810-d857-441c-9679-408f346de14b), id: this id is given to an "
        "earlier service too; expected a different id for each service",
        "service 6, the service: this is not an object; expected an Open Referral UK v3 service",
    ]
    assert result.summary() == "Nothing imported: 5 bad services in the feed."


def test_reading_a_feed_over_the_web_follows_every_page(anon_client):
    for i in range(5):
        AssetFactory(name=f"Group {i}")
    oruk_import.PER_PAGE, saved = 2, oruk_import.PER_PAGE
    asked: list[str] = []
    fetch = client_fetch(anon_client)

    def counting(url: str) -> bytes:
        asked.append(url)
        return fetch(url)

    progress: list[tuple[int, int | None]] = []
    try:
        services = services_from_url(
            "http://testserver/api/oruk/v3",
            fetch=counting,
            on_progress=lambda d, t: progress.append((d, t)),
        )
    finally:
        oruk_import.PER_PAGE = saved
    assert [s["name"] for s in services] == [f"Group {i}" for i in range(5)]
    assert sum("/services?page=" in u for u in asked) == 3
    assert progress[-1] == (5, 5)


def test_a_web_address_that_does_not_answer_is_a_clear_error():
    with pytest.raises(FeedError, match="not a web address"):
        oruk_import.fetch_url("file:///etc/passwd")

    def down(url: str) -> bytes:
        raise FeedError(f"{url} did not answer: connection refused")

    with pytest.raises(FeedError, match="did not answer"):
        services_from_url("https://feed.example.org/oruk", fetch=down)


def test_the_command_imports_a_file_and_reports(tmp_path):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(example("service_list.json")))
    out = io.StringIO()
    call_command("import_openreferral", str(path), "--source", "Example", stdout=out)
    assert "1 created" in out.getvalue()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"id": "x", "name": "", "status": "active"}]))
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_openreferral", str(bad), "--source", "Example", stdout=io.StringIO())
    assert Asset.objects.count() == 1


def test_the_moderation_page_shows_a_feed_that_differs_from_a_local_edit(client_for, admin_user):
    service = example("service_full.json")
    run_import(source="Example", services=[service])
    asset = Asset.objects.get()
    asset.name = "Our name"
    asset.save()
    run_import(source="Example", services=[service | {"name": "Their name"}])
    body = client_for(admin_user).get("/directory/moderation/").content.decode()
    assert "Feed differs from a local edit (local edit kept)" in body
    assert "kept “Our name”; the feed says “Their name”" in body

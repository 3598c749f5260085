"""The Open Referral UK v3 API: every response validates against the UK profile's compiled
JSON Schemas (Draft 2020-12), for generated edge cases and for every demo listing; filters,
paging, caching, query counts and bad input."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from assets import oruk
from assets.models import Asset, Capacity, ListingStatus
from socialrx.models import Postcode
from tests.assets.factories import AssetFactory, OrganisationFactory, SessionFactory
from tests.assets.oruk_schemas import assert_valid, errors, example

pytestmark = pytest.mark.django_db

V3 = "/api/oruk/v3/"


def get_json(client, path: str, status: int = 200):
    response = client.get(path)
    assert response.status_code == status, response.content[:500]
    return response.json()


def check_everything(client) -> int:
    """Every list page and every item the API serves is valid ORUK v3. Returns the number of
    services checked."""
    services = get_json(client, V3 + "services?per_page=200")
    assert_valid("service_page", services)
    for item in services["contents"]:
        assert_valid("service", get_json(client, V3 + f"services/{item['id']}"))
    sals = get_json(client, V3 + "service_at_locations?per_page=200")
    assert_valid("service_at_location_page", sals)
    for item in sals["contents"]:
        assert_valid(
            "service_at_location", get_json(client, V3 + f"service_at_locations/{item['id']}")
        )
    taxonomies = get_json(client, V3 + "taxonomies")
    assert_valid("taxonomy_page", taxonomies)
    for item in taxonomies["contents"]:
        assert_valid("taxonomy", get_json(client, V3 + f"taxonomies/{item['id']}"))
    terms = get_json(client, V3 + "taxonomy_terms?per_page=200")
    assert_valid("taxonomy_term_page", terms)
    for item in terms["contents"]:
        assert_valid("taxonomy_term", get_json(client, V3 + f"taxonomy_terms/{item['id']}"))
    return services["total_items"]


def test_the_vendored_schemas_accept_the_profiles_examples_and_refuse_bad_documents():
    assert_valid("service", example("service_full.json"))
    assert_valid("service_at_location", example("service_at_location_full.json"))
    assert_valid("service_page", example("service_list.json"))
    assert_valid("taxonomy_term_page", example("taxonomy_term_list.json"))
    assert errors("service", {"id": "not-a-uuid", "name": "x"}) == [
        "id: 'not-a-uuid' is not a 'uuid'",
        "(root): 'status' is a required property",
    ]
    bad = example("service_full.json") | {"url": "not a web address", "email": "nobody"}
    assert len(errors("service", bad)) == 2


def test_root_names_the_version_and_the_openapi(anon_client):
    data = get_json(anon_client, V3)
    assert data["version"] == "3.0"
    assert data["openapi_url"].endswith("/api/schema/")


def test_edge_cases_are_valid_oruk(anon_client):
    """No location, free, paid, online only, several sessions, unknown and known access
    answers, no organisation, a paused and a full group, a schedule in words only."""
    Postcode.objects.create(postcode="M11AE", latitude=53.4808, longitude=-2.2426)
    org = OrganisationFactory(name="Friends of the Park", website="https://park.example.org")
    busy = AssetFactory(
        name="Park walk",
        organisation=org,
        venue_name="Park gates",
        address="Park Road, Levenshulme, Manchester",
        is_free=False,
        cost="£1 a week",
        step_free=True,
        hearing_loop=False,
        little_talking=True,
        languages="English, Polish",
        contact_name="Sam",
        contact_email="walks@example.org",
        contact_phone="0161 000 0000",
        website="https://walks.example.org",
        first_visit="Meet at the gates.",
        ask_for="Sam",
        getting_there="Bus 50 to the park.",
        schedule_text="Every week, whatever the weather",
        last_confirmed_at=timezone.now() - dt.timedelta(days=3),
    )
    for day, start, end in ((0, dt.time(9), dt.time(10)), (3, dt.time(18, 30), None)):
        SessionFactory(asset=busy, weekday=day, starts_at=start, ends_at=end)
    AssetFactory(name="Telephone befriending", postcode="", category="befriending")
    AssetFactory(
        name="Online choir",
        postcode="",
        website="https://choir.example.org",
        schedule_text="Sundays online",
        category="music_singing",
    )
    AssetFactory(name="Paused", capacity=Capacity.PAUSED)
    AssetFactory(name="Full", capacity=Capacity.FULL, category="carers_support")

    assert check_everything(anon_client) == 5

    service = get_json(anon_client, V3 + f"services/{busy.oruk_id}")
    assert service["organization"]["name"] == "Friends of the Park"
    assert service["cost_options"][0]["amount_description"] == "£1 a week"
    assert [(s["byday"], s["opens_at"], s.get("closes_at")) for s in service["schedules"]] == [
        ("MO", "09:00", "10:00"),
        ("TH", "18:30", None),
    ]
    location = service["service_at_locations"][0]["location"]
    assert location["latitude"] == pytest.approx(53.4808)
    assert location["addresses"][0]["address_1"] == "Park Road, Levenshulme"
    assert location["addresses"][0]["city"] == "Manchester"
    assert {a["accessibility"] for a in location["accessibility"]} == {
        "Step-free access",
        "No hearing loop",
        "Little talking needed",
    }
    terms = {a["taxonomy_term"]["name"] for a in service["attributes"]}
    assert {"Green and nature", "Social inclusion"} <= terms
    online = Asset.objects.get(name="Online choir")
    online_json = get_json(anon_client, V3 + f"services/{online.oruk_id}")
    assert online_json["service_at_locations"] == []
    assert "organization" not in online_json
    assert online_json["schedules"][0]["description"] == "Sundays online"
    statuses = {
        s["name"]: (s["status"], s.get("alert"))
        for s in get_json(anon_client, V3 + "services")["contents"]
    }
    assert statuses["Paused"] == ("temporarily closed", None)
    assert statuses["Full"][0] == "active" and statuses["Full"][1].startswith("Full")


def test_every_demo_listing_is_valid_oruk(anon_client):
    call_command("seed_demo", stdout=io.StringIO())
    assert check_everything(anon_client) >= 50


def test_services_filters(anon_client):
    Postcode.objects.create(postcode="M11AE", latitude=53.4808, longitude=-2.2426)
    Postcode.objects.create(postcode="M144PX", latitude=53.4490, longitude=-2.2200)
    far = AssetFactory(name="Far choir", postcode="M14 4PX", category="music_singing")
    SessionFactory(asset=far, weekday=4, starts_at=dt.time(19))
    AssetFactory(name="Near choir", postcode="M1 1AE", category="music_singing")
    AssetFactory(name="Garden club", postcode="M1 1AE", category="green_nature")

    def names(query: str) -> list[str]:
        page = get_json(anon_client, V3 + "services?" + query)
        assert_valid("service_page", page)
        return [s["name"] for s in page["contents"]]

    choir = oruk.local_term("category", "music_singing").id
    assert names(f"taxonomy_term_id={choir}") == ["Far choir", "Near choir"]
    assert names("postcode=M11AE") == ["Garden club", "Near choir", "Far choir"]
    assert names("postcode=M1+1AE&proximity=1000") == ["Garden club", "Near choir"]
    assert names("search=choir") == ["Far choir", "Near choir"]
    assert names("day=FR") == ["Far choir"]
    assert names("day=FR&start_time=18:00") == ["Far choir"]
    assert names("start_time=20:00") == []
    assert names(f"taxonomy_term_id={oruk.SOCIAL_INCLUSION.id}") == [
        "Far choir",
        "Garden club",
        "Near choir",
    ]
    assert names("taxonomy_term_id=00000000-0000-0000-0000-000000000000") == []
    Asset.objects.filter(name="Garden club").update(
        updated_at=timezone.now() - dt.timedelta(days=30)
    )
    since = (timezone.now() - dt.timedelta(days=1)).date().isoformat()
    assert names(f"modified_after={since}") == ["Far choir", "Near choir"]
    sal_names = [
        s["service"]["name"]
        for s in get_json(anon_client, V3 + "service_at_locations?postcode=M11AE")["contents"]
    ]
    assert sal_names == ["Garden club", "Near choir", "Far choir"]


def test_paging_as_oruk_v3(anon_client):
    for i in range(5):
        AssetFactory(name=f"Group {i}")
    page = get_json(anon_client, V3 + "services?page=3&per_page=2")
    assert {k: v for k, v in page.items() if k != "contents"} == {
        "total_items": 5,
        "total_pages": 3,
        "page_number": 3,
        "size": 1,
        "first_page": False,
        "last_page": True,
        "empty": False,
    }
    beyond = get_json(anon_client, V3 + "services?page=9&per_page=2")
    assert beyond["empty"] is True and beyond["contents"] == []
    assert_valid("service_page", beyond)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=x", "page"),
        ("page=0", "page"),
        ("per_page=500", "per_page"),
        ("postcode=XYZ", "postcode"),
        ("proximity=100", "proximity"),
        ("postcode=M11AE&proximity=far", "proximity"),
        ("day=Friday", "day"),
        ("modified_after=yesterday", "modified_after"),
        ("modified_after=2026-13-01", "modified_after"),
        ("modified_after=2026-02-30T09:00:00Z", "modified_after"),
        ("start_time=noon", "start_time"),
    ],
)
def test_bad_input_names_the_parameter_and_changes_nothing(anon_client, query, field):
    AssetFactory()
    data = get_json(anon_client, V3 + "services?" + query, status=400)
    assert list(data["error"]["fields"]) == [field]
    assert Asset.objects.count() == 1


def test_unknown_ids_are_not_found(anon_client):
    for path in (
        "services/not-a-uuid",
        "services/00000000-0000-0000-0000-000000000000",
        "service_at_locations/00000000-0000-0000-0000-000000000000",
        "taxonomies/nope",
        "taxonomy_terms/nope",
    ):
        assert anon_client.get(V3 + path).status_code == 404


def test_only_public_listings_are_served(anon_client):
    live = AssetFactory(name="Live")
    pending = AssetFactory(name="Waiting", listing_status=ListingStatus.PENDING)
    ended = AssetFactory(name="Ended", started_on=dt.date(2020, 1, 1), ended_on=dt.date(2021, 1, 1))
    hidden = AssetFactory(name="Long unconfirmed")
    Asset.objects.filter(pk=hidden.pk).update(created_at=timezone.now() - dt.timedelta(days=800))
    assert [s["name"] for s in get_json(anon_client, V3 + "services")["contents"]] == ["Live"]
    for asset in (pending, ended, hidden):
        assert anon_client.get(V3 + f"services/{asset.oruk_id}").status_code == 404
        assert anon_client.get(V3 + f"service_at_locations/{asset.oruk_sal_id}").status_code == 404
    assert anon_client.get(V3 + f"services/{live.oruk_id}").status_code == 200


def test_keepers_never_appear(anon_client, kept_asset, volunteer):
    volunteer.email = "eve@example.org"
    volunteer.save()
    body = anon_client.get(V3 + f"services/{kept_asset.oruk_id}").content.decode()
    assert "eve@example.org" not in body
    assert volunteer.username not in body


def test_responses_are_cached_until_the_directory_changes(anon_client, django_assert_num_queries):
    asset = AssetFactory(name="Before")
    first = anon_client.get(V3 + "services")
    assert "public" in first["Cache-Control"] and "max-age=300" in first["Cache-Control"]
    with django_assert_num_queries(0):
        again = anon_client.get(V3 + "services")
    assert again.json() == first.json()
    asset.name = "After"
    asset.save()
    assert get_json(anon_client, V3 + "services")["contents"][0]["name"] == "After"


def test_query_counts_do_not_grow_with_the_page(anon_client, django_assert_max_num_queries):
    Postcode.objects.create(postcode="M11AE", latitude=53.4808, longitude=-2.2426)
    for i in range(30):
        asset = AssetFactory(name=f"G{i}", organisation=OrganisationFactory())
        SessionFactory(asset=asset)
        SessionFactory(asset=asset, weekday=4)
    from django.core.cache import cache

    for path in (
        "services?per_page=30",
        "service_at_locations?per_page=30",
        "services?postcode=M11AE&proximity=5000&per_page=30",
        f"services?taxonomy_term_id={oruk.SOCIAL_INCLUSION.id}",
    ):
        cache.clear()
        with django_assert_max_num_queries(3):
            assert anon_client.get(V3 + path).status_code == 200
    one = Asset.objects.first()
    cache.clear()
    with django_assert_max_num_queries(2):
        anon_client.get(V3 + f"services/{one.oruk_id}")
    cache.clear()
    with django_assert_max_num_queries(2):
        anon_client.get(V3 + f"service_at_locations/{one.oruk_sal_id}")


def test_service_at_location_and_service_ids_are_stable(anon_client):
    asset = AssetFactory()
    sal = get_json(anon_client, V3 + "service_at_locations")["contents"][0]
    assert sal["id"] == str(asset.oruk_sal_id)
    assert sal["service_id"] == str(asset.oruk_id)
    full = get_json(anon_client, V3 + f"service_at_locations/{asset.oruk_sal_id}")
    assert full["service"]["id"] == str(asset.oruk_id)
    assert full["location"]["addresses"][0]["postal_code"] == "M1 1AE"


def test_taxonomies_hold_the_local_and_the_published_lists(anon_client):
    taxonomies = get_json(anon_client, V3 + "taxonomies")["contents"]
    assert {t["name"] for t in taxonomies} >= {"Directory categories", "LGA service types"}
    categories = next(t for t in taxonomies if t["name"] == "Directory categories")
    detail = get_json(anon_client, V3 + f"taxonomies/{categories['id']}")
    assert len(detail["taxonomy_terms"]) == 15
    terms = get_json(anon_client, V3 + f"taxonomy_terms?taxonomy_id={categories['id']}")
    assert terms["total_items"] == 15
    carers = get_json(anon_client, V3 + f"taxonomy_terms/{oruk.CARERS_SUPPORT_GROUPS.id}")
    assert carers["term_uri"] == "http://id.esd.org.uk/service/298"

"""The directory's categories and the published LGA lists: every published term is one of the
list's identifiers, the API serves and filters by them, and an import reads a service type
that belongs to one category only."""

from __future__ import annotations

import re

import pytest

from assets import oruk
from assets.models import Asset, Category
from assets.oruk_import import DEFAULT_CATEGORY
from assets.oruk_import import oruk_import as run_import
from tests.assets.factories import AssetFactory
from tests.assets.oruk_schemas import assert_valid

pytestmark = pytest.mark.django_db

V3 = "/api/oruk/v3/"


def test_every_published_term_is_an_lga_identifier():
    for term in oruk.PUBLISHED_TERMS:
        kind = "service" if term.taxonomy == oruk.ESD_SERVICES else "need"
        assert re.fullmatch(rf"http://id\.esd\.org\.uk/{kind}/\d+", term.term_uri), term
        assert term.term_uri.endswith(f"/{term.code}")
    # Every category meets the need for social inclusion; twelve of fifteen have a service type.
    assert all(oruk.SOCIAL_INCLUSION in terms for terms in oruk.CATEGORY_PUBLISHED.values())
    typed = [
        c
        for c, terms in oruk.CATEGORY_PUBLISHED.items()
        if any(t.taxonomy == oruk.ESD_SERVICES for t in terms)
    ]
    assert len(typed) == 12
    assert set(Category.values) - set(typed) == {"reading", "food", "faith_culture"}


def test_a_listing_carries_its_service_types_and_is_found_by_them(anon_client):
    AssetFactory(name="Chair yoga", category=Category.PHYSICAL_ACTIVITY)
    AssetFactory(name="Debt clinic", category=Category.ADVICE_MONEY)
    yoga = Asset.objects.get(name="Chair yoga")
    service = anon_client.get(V3 + f"services/{yoga.oruk_id}").json()
    assert_valid("service", service)
    uris = {a["taxonomy_term"].get("term_uri") for a in service["attributes"]}
    assert {
        "http://id.esd.org.uk/service/1789",
        "http://id.esd.org.uk/service/641",
        "http://id.esd.org.uk/need/69",
    } <= uris
    page = anon_client.get(
        V3 + f"services?taxonomy_term_id={oruk.EXERCISE_FITNESS_CLASSES.id}"
    ).json()
    assert [s["name"] for s in page["contents"]] == ["Chair yoga"]
    term = anon_client.get(V3 + f"taxonomy_terms/{oruk.DEBT_COUNSELLING.id}").json()
    assert term["name"] == "Debt counselling" and term["term"] == "651"


@pytest.mark.parametrize(
    ("term", "category"),
    [
        (
            {"id": "x1", "name": "Keep fit", "term_uri": "http://id.esd.org.uk/service/1789"},
            "physical_activity",
        ),
        (
            {"id": "x2", "name": "Museums", "term_uri": "https://id.esd.org.uk/service/620/"},
            "heritage_museums",
        ),
        ({"id": "esdServiceType:442", "name": "IT"}, "digital_skills"),
        ({"id": "x3", "code": "esdServiceType:298", "name": "Carers"}, "carers_support"),
        ({"id": oruk.WELFARE_RIGHTS_ADVICE.id, "name": "Welfare"}, "advice_money"),
        # In several categories (befriending, peer support, community groups): not decided.
        ({"id": "x4", "name": "Support", "term_uri": "http://id.esd.org.uk/service/297"}, None),
        ({"id": "x5", "name": "Other", "term_uri": "http://id.esd.org.uk/service/999999"}, None),
    ],
)
def test_an_imported_service_type_of_one_category_gives_the_category(term, category):
    service = {
        "id": "s1",
        "name": "Something",
        "status": "active",
        "attributes": [{"taxonomy_term": term}],
    }
    result = run_import(source="Council", services=[service])
    assert result.ok, result.as_dict()
    assert Asset.objects.get().category == (category or DEFAULT_CATEGORY)


def test_services_of_an_unknown_taxonomy_are_none(anon_client):
    AssetFactory(name="Chair yoga", category=Category.PHYSICAL_ACTIVITY)
    page = anon_client.get(V3 + "services?taxonomy_id=00000000-0000-0000-0000-000000000000")
    assert page.status_code == 200 and page.json()["total_items"] == 0
    services = oruk.TAXONOMIES[oruk.ESD_SERVICES].id
    assert anon_client.get(V3 + f"services?taxonomy_id={services}").json()["total_items"] == 1


def test_ranked_results_page_in_order_with_their_count(anon_client):
    for i in range(7):
        AssetFactory(name=f"Walking group {i}", description="A walking group.")
    AssetFactory(name="Choir")
    seen = []
    for page in (1, 2, 3, 4):
        body = anon_client.get(V3 + f"services?search=walking&per_page=2&page={page}").json()
        assert body["total_items"] == 7 and body["total_pages"] == 4
        seen += [s["name"] for s in body["contents"]]
    assert sorted(seen) == [f"Walking group {i}" for i in range(7)]
    beyond = anon_client.get(V3 + "services?search=walking&per_page=2&page=9").json()
    assert beyond["total_items"] == 7 and beyond["contents"] == []

"""Full-text search on PostgreSQL (skipped on SQLite unless REQUIRE_SERVICES is set)."""

from __future__ import annotations

import logging

import pytest

from assets.models import Asset
from assets.selectors import DirectorySearch, directory_search
from tests.assets.factories import AssetFactory

pytestmark = pytest.mark.django_db


def _names(q: str) -> list[str]:
    return [a.name for a in directory_search(search=DirectorySearch(q=q)).assets]


def test_trigger_fills_the_search_vector_on_every_write(postgres_required):
    asset = AssetFactory(name="Allotment society", description="Growing vegetables")
    assert Asset.objects.get(pk=asset.pk).search_vector is not None
    Asset.objects.bulk_create([Asset(name="Bulk choir", category="music_singing", led_by="vcse")])
    assert _names("choir") == ["Bulk choir"]
    Asset.objects.filter(pk=asset.pk).update(description="Knitting circle")
    assert _names("knitting") == ["Allotment society"]
    assert _names("vegetables") == []


def test_search_stems_words_and_ranks_name_matches_first(postgres_required):
    AssetFactory(name="Coffee morning", description="A chat and a garden tour sometimes")
    AssetFactory(name="Community gardening", description="Dig, plant and grow")
    assert _names("gardens") == ["Community gardening", "Coffee morning"]


def test_search_takes_web_search_syntax(postgres_required):
    AssetFactory(name="Walking football", description="Gentle football for over 50s")
    AssetFactory(name="Walking group", description="Walks in the park")
    assert _names("walking -football") == ["Walking group"]
    assert _names('"walking football"') == ["Walking football"]


def test_search_matches_word_beginnings(postgres_required):
    AssetFactory(name="Park walkers", description="Friendly strolls")
    AssetFactory(name="Choir", description="Singing together")
    assert _names("walk") == ["Park walkers"]


# --- words people use: stems, synonyms, typos, ranking ---------------------------------------


def test_walk_walking_and_walks_find_the_same_listings(postgres_required):
    AssetFactory(name="Park walkers", description="Friendly strolls")
    AssetFactory(name="Canal walk", description="Along the towpath")
    AssetFactory(name="Health walks", description="An hour at an easy pace")
    AssetFactory(name="Ramble club", description="Walking in the hills every Sunday")
    AssetFactory(name="Choir", description="Singing together")
    found = {q: sorted(_names(q)) for q in ("walk", "walking", "walks")}
    assert found["walk"] == ["Canal walk", "Health walks", "Park walkers", "Ramble club"]
    assert found["walking"] == found["walk"]
    assert found["walks"] == found["walk"]


def test_garden_and_gardening_find_the_same_listings(postgres_required):
    AssetFactory(name="Community gardening", description="Dig, plant and grow")
    AssetFactory(name="Rose garden volunteers", description="Weeding and pruning")
    AssetFactory(name="Allotment society", description="Vegetables for everyone")
    AssetFactory(name="Choir", description="Singing together")
    expected = ["Allotment society", "Community gardening", "Rose garden volunteers"]
    assert sorted(_names("garden")) == expected
    assert sorted(_names("gardening")) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("lonely", ["Befriending service", "Social group for over 60s"]),
        ("money", ["Debt advice drop-in"]),
        ("sad", ["Mental wellbeing café"]),
        ("low", ["Mental wellbeing café"]),
        ("exercise", ["Sport for all", "Walking group"]),
    ],
)
def test_synonyms_find_listings_by_the_words_groups_use(postgres_required, typed, expected):
    AssetFactory(name="Befriending service", description="A volunteer rings you every week")
    AssetFactory(name="Social group for over 60s", description="Cards and a cup of tea")
    AssetFactory(name="Debt advice drop-in", description="Help with bills")
    AssetFactory(name="Mental wellbeing café", description="Talk, listen, tea")
    AssetFactory(name="Sport for all", description="Badminton and table tennis")
    AssetFactory(name="Walking group", description="Once round the park")
    AssetFactory(name="Pottery class", description="Clay and a wheel")
    assert sorted(_names(typed)) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("walkng", "Walking group"), ("alotment", "Allotment society"), ("choirr", "Choir")],
)
def test_misspelt_words_find_the_listing_by_its_name(postgres_required, typed, expected):
    AssetFactory(name="Walking group", description="Once round the park")
    AssetFactory(name="Allotment society", description="Vegetables for everyone")
    AssetFactory(name="Choir", description="Songs old and new")
    AssetFactory(name="Pottery class", description="Clay and a wheel")
    assert _names(typed) == [expected]


def test_the_exact_name_comes_first(postgres_required):
    AssetFactory(name="Singing for the brain", description="Choir for people with memory loss")
    AssetFactory(name="Tuesday singers", description="A choir that sings choral music")
    AssetFactory(name="Choir", description="Songs old and new")
    assert _names("choir")[0] == "Choir"


def test_a_name_match_ranks_above_a_description_match(postgres_required):
    AssetFactory(name="Coffee morning", description="Walking to the park afterwards")
    AssetFactory(name="Walking football", description="Gentle football")
    assert _names("walking") == ["Walking football", "Coffee morning"]


def test_the_public_api_search_understands_synonyms_and_typos(postgres_required, anon_client):
    AssetFactory(name="Allotment society", description="Vegetables for everyone")
    AssetFactory(name="Choir", description="Songs old and new")
    for typed in ("garden", "alotment"):
        body = anon_client.get("/api/v1/directory/", {"q": typed}).json()
        assert [row["name"] for row in body["results"]] == ["Allotment society"]


def test_search_words_cannot_inject_tsquery_syntax(postgres_required):
    AssetFactory(name="Walking group", description="Once round the park")
    assert _names("walk & ! : * ( |") == ["Walking group"]
    assert _names("!!! ((") == []


def test_the_search_words_are_never_logged(anon_client, caplog):
    AssetFactory(name="Walking group", description="Once round the park")
    with caplog.at_level(logging.DEBUG):
        response = anon_client.get("/directory/", {"q": "walkng bereavement"})
        anon_client.get("/api/v1/directory/", {"q": "walkng bereavement"})
    assert response.status_code == 200
    assert "bereavement" not in caplog.text
    assert "walkng" not in caplog.text


def test_near_spellings_are_not_added_when_the_words_find_listings(postgres_required):
    AssetFactory(name="Allotment society", description="Vegetables for everyone")
    AssetFactory(name="Alotment friends", description="Misspelt by its keeper")
    # Spelt right, the word finds a listing: names that merely look like it stay out.
    assert _names("allotment") == ["Allotment society"]
    assert _names("alotment") == ["Alotment friends"]
    # A word that matches nothing as spelt finds the name it is closest to.
    assert _names("allotmnt") == ["Allotment society"]


def test_each_misspelt_word_must_match_a_listing(postgres_required):
    AssetFactory(name="Allotment society", description="Vegetables for everyone")
    AssetFactory(name="Allotment open day", description="Once a year")
    assert _names("alotment society") == ["Allotment society"]


def test_a_word_search_adds_one_query_whatever_the_results(
    postgres_required, anon_client, django_assert_max_num_queries
):
    for i in range(25):
        AssetFactory(name=f"Walking group {i}")
    # The check for matches as spelt, the count, one page of listings, their sessions.
    for q in ("walking", "walkng"):
        with django_assert_max_num_queries(4):
            response = anon_client.get("/directory/", {"q": q})
        assert response.status_code == 200
        assert "25 listings" in response.content.decode()


def test_near_spellings_are_looked_up_through_the_trigram_index(postgres_required):
    """A word that matches no listing as spelt is matched against names by word similarity:
    its operator carries the cost of comparing every word of a name, so that the planner reads
    the trigram and full-text indexes instead of testing every listing."""
    from django.db import connection

    Asset.objects.bulk_create(
        [
            Asset(name=f"Bench group {i}", category="music_singing", led_by="vcse")
            for i in range(5000)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE assets_asset")
        cursor.execute(
            "SELECT procost FROM pg_proc WHERE proname IN "
            "('word_similarity_op', 'word_similarity_commutator_op')"
        )
        assert [cost for (cost,) in cursor.fetchall()] == [100, 100]
        qs = directory_search(search=DirectorySearch(q="walking")).assets
        sql, params = qs.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "assets_asset_name_trgm" in plan and "assets_asset_search_gin" in plan, plan

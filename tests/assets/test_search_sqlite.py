"""The SQLite fallback (laptop demo): substring matching on each word, its crude stem and its
synonyms. PostgreSQL's full-text search is tested in test_search_postgres.py."""

from __future__ import annotations

import pytest

from assets.search_synonyms import SYNONYMS, crude_stem, synonyms_for
from assets.selectors import DirectorySearch, directory_search
from tests.assets.factories import AssetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fallback(monkeypatch):
    """The search without PostgreSQL's full-text search, whichever database the tests use."""
    monkeypatch.setattr("assets.selectors._is_postgres", lambda: False)


fallback_search = pytest.mark.usefixtures("fallback")


def _names(q: str, **filters: object) -> list[str]:
    found = directory_search(search=DirectorySearch(q=q, **filters)).assets  # type: ignore[arg-type]
    return [a.name for a in found]


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("walking", "walk"),
        ("walkers", "walk"),
        ("walks", "walk"),
        ("gardening", "garden"),
        ("class", "class"),
        ("sing", "sing"),
        ("is", "is"),
    ],
)
def test_crude_stem_strips_one_common_ending(word, stem):
    assert crude_stem(word) == stem


def test_synonyms_are_found_by_any_form_of_the_word():
    assert "allotment" in synonyms_for("Gardening")
    assert synonyms_for("garden") == synonyms_for("gardens")
    assert synonyms_for("pottery") == ()
    # Keys are plain lower-case words, so a lookup can find them.
    assert all(key == key.lower().strip() and " " not in key for key in SYNONYMS)


@fallback_search
def test_fallback_walk_walking_and_walks_find_the_same():
    AssetFactory(name="Park walkers", description="Friendly strolls")
    AssetFactory(name="Ramble club", description="Walking in the hills")
    AssetFactory(name="Choir", description="Singing together")
    expected = ["Park walkers", "Ramble club"]
    for q in ("walk", "walking", "walks", "walkers"):
        assert sorted(_names(q)) == expected, q


@fallback_search
def test_fallback_uses_synonyms_and_the_category():
    AssetFactory(name="Allotment society", description="Vegetables")
    AssetFactory(name="Phone friends", description="A call each week", category="befriending")
    AssetFactory(name="Debt drop-in", description="Help with bills", category="advice_money")
    AssetFactory(name="Pottery class", description="Clay", category="arts_creativity")
    assert _names("garden") == ["Allotment society"]
    assert _names("lonely") == ["Phone friends"]
    assert _names("money") == ["Debt drop-in"]


@fallback_search
def test_fallback_needs_every_word_and_puts_name_matches_first():
    AssetFactory(name="Coffee morning", description="Then a walk in the park")
    AssetFactory(name="Park walk", description="An hour, then coffee")
    AssetFactory(name="Walking football", description="Gentle football")
    assert _names("walk park") == ["Park walk", "Coffee morning"]
    assert _names("walking")[0] in {"Park walk", "Walking football"}
    assert _names("choir") == []


@fallback_search
def test_fallback_exact_name_comes_first():
    AssetFactory(name="Choir practice", description="Weekly")
    AssetFactory(name="Choir", description="Songs old and new")
    assert _names("choir")[0] == "Choir"


@fallback_search
def test_fallback_no_words_of_substance_finds_nothing_rather_than_everything():
    AssetFactory(name="Choir")
    assert _names("!!!") == []

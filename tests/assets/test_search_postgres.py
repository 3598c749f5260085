"""Full-text search on PostgreSQL (skipped on SQLite unless REQUIRE_SERVICES is set)."""

from __future__ import annotations

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

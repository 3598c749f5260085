"""Ranked directory results page in two steps: the page's ids (with the number of matches)
first, then the page's listings in full. Works on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from assets.selectors import DirectorySearch, RankedPages, directory_search
from socialrx.models import Postcode
from tests.assets.factories import AssetFactory, OrganisationFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _walking_groups(n: int) -> None:
    organisation = OrganisationFactory()
    for i in range(n):
        asset = AssetFactory(name=f"Walking group {i:02d}", organisation=organisation)
        SessionFactory(asset=asset)


def test_pages_of_a_word_search_follow_one_order_with_nothing_lost_or_repeated(anon_client):
    _walking_groups(45)
    AssetFactory(name="Choir", description="Songs old and new")
    seen = []
    for number in (1, 2, 3):
        page = anon_client.get("/directory/", {"q": "walking", "page": number}).context["page"]
        assert page.paginator.count == 45
        assert page.number == number
        seen.extend(a.name for a in page.object_list)
    assert len(seen) == 45
    assert sorted(seen) == sorted({f"Walking group {i:02d}" for i in range(45)})
    everything = list(directory_search(search=DirectorySearch(q="walking")).assets)
    assert seen == [a.name for a in everything]


def test_the_page_and_its_count_come_from_one_query(anon_client, django_assert_num_queries):
    _walking_groups(25)
    results = directory_search(search=DirectorySearch(q="walking"))
    assert results.ranked
    pages = results.pages(per_page=20, page="2")
    # The ranked ids with the count, the page's listings (with their organisation), sessions.
    with django_assert_num_queries(3):
        assert pages.count() == 25
        listings = pages[20:25]
        assert [a.organisation.name for a in listings]
        assert all(a.sessions.all() for a in listings)
    assert [a.name for a in listings] == [
        a.name for a in list(directory_search(search=DirectorySearch(q="walking")).assets)[20:]
    ]


def test_a_page_out_of_range_shows_the_last_page(anon_client):
    _walking_groups(25)
    page = anon_client.get("/directory/", {"q": "walking", "page": 9}).context["page"]
    assert page.number == 2
    assert page.paginator.count == 25
    assert len(page.object_list) == 5
    page = anon_client.get("/directory/", {"q": "walking", "page": "x"}).context["page"]
    assert page.number == 1


def test_a_search_with_no_matches_counts_none(anon_client):
    _walking_groups(3)
    response = anon_client.get("/directory/", {"q": "nothing-is-called-this"})
    assert response.context["page"].paginator.count == 0
    assert "0 listings" in response.content.decode()


def test_no_first_page_means_no_matches_without_counting_again(django_assert_num_queries):
    _walking_groups(3)
    pages = RankedPages(
        directory_search(search=DirectorySearch(q="nothing-is-called-this")).assets,
        per_page=20,
        page=1,
    )
    with django_assert_num_queries(1):  # the ranked ids only, no second count
        assert pages.count() == 0
        assert pages[0:20] == []


def test_distance_results_page_in_two_steps_with_their_distance(anon_client):
    Postcode.objects.create(postcode="M11AE", latitude=53.4808, longitude=-2.2426)
    Postcode.objects.create(postcode="M144PX", latitude=53.4490, longitude=-2.2200)
    AssetFactory(name="Far group", postcode="M14 4PX")
    AssetFactory(name="Near group", postcode="M1 1AE")
    response = anon_client.get("/directory/", {"postcode": "M1 1AE"})
    listings = response.context["page"].object_list
    assert [a.name for a in listings] == ["Near group", "Far group"]
    assert listings[0].distance_miles == pytest.approx(0, abs=0.01)
    assert 2 < listings[1].distance_miles < 3


def test_results_in_name_order_page_through_the_queryset_itself():
    AssetFactory(name="Choir")
    results = directory_search(search=DirectorySearch())
    assert not results.ranked
    assert results.pages(per_page=20) is results.assets


def test_ranked_pages_read_like_a_list():
    _walking_groups(2)
    pages = RankedPages(
        directory_search(search=DirectorySearch(q="walking")).assets, per_page=20, page=1
    )
    assert len(pages) == 2
    assert pages[1].name == "Walking group 01"
    assert [a.name for a in pages] == ["Walking group 00", "Walking group 01"]
    with pytest.raises(IndexError):
        pages[2]
    with pytest.raises(TypeError):
        pages[0:2:2]
    assert pages[5:10] == []

"""The public directory, search, listings and the printable directory."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from assets.models import Asset, Capacity, ListingStatus
from socialrx.models import Postcode
from tests.assets.factories import AssetFactory, OrganisationFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _names(response) -> list[str]:
    return [a.name for a in response.context["page"].object_list]


def test_anonymous_visitor_sees_the_public_directory(anon_client, kept_asset):
    response = anon_client.get("/directory/")
    assert response.status_code == 200
    assert "Riverside walking group" in response.content.decode()
    assert "Suggest a group" in response.content.decode()


def test_both_directory_url_names_exist():
    from django.urls import reverse

    assert reverse("assets:public_directory") == "/directory/"
    assert reverse("assets:directory") == "/directory/"


def test_directory_hides_pending_rejected_and_ended_listings(anon_client):
    AssetFactory(name="Live group")
    AssetFactory(name="Waiting group", listing_status=ListingStatus.PENDING)
    AssetFactory(name="Rejected group", listing_status=ListingStatus.REJECTED)
    AssetFactory(
        name="Ended group",
        started_on=dt.date(2020, 1, 1),
        ended_on=timezone.localdate() - dt.timedelta(days=1),
    )
    assert _names(anon_client.get("/directory/")) == ["Live group"]


def test_search_by_words_matches_name_description_and_venue(anon_client):
    AssetFactory(name="Knit and natter", description="Wool provided")
    AssetFactory(name="Men's shed", description="Woodwork and a brew")
    AssetFactory(name="Book club", venue_name="Wool Street Library")
    assert sorted(_names(anon_client.get("/directory/?q=wool"))) == ["Book club", "Knit and natter"]
    assert _names(anon_client.get("/directory/?q=woodwork+brew")) == ["Men's shed"]


def test_search_filters_category_day_free_needs_and_citizen_led(anon_client):
    walk = AssetFactory(name="Walk", category="physical_activity", step_free=True)
    SessionFactory(asset=walk, weekday=0)
    choir = AssetFactory(
        name="Choir", category="music_singing", is_free=False, cost="£2", led_by="vcse"
    )
    SessionFactory(asset=choir, weekday=3)
    AssetFactory(name="Garden", category="green_nature", hearing_loop=True)
    assert _names(anon_client.get("/directory/?category=music_singing")) == ["Choir"]
    assert _names(anon_client.get("/directory/?day=0")) == ["Walk"]
    assert _names(anon_client.get("/directory/?free=on")) == ["Garden", "Walk"]
    assert _names(anon_client.get("/directory/?needs=step_free")) == ["Walk"]
    assert _names(anon_client.get("/directory/?needs=step_free&needs=hearing_loop")) == []
    assert _names(anon_client.get("/directory/?citizen=on")) == ["Garden", "Walk"]


def test_search_by_distance_sorts_nearest_first_and_limits_radius(anon_client):
    Postcode.objects.create(postcode="M11AE", latitude=53.4808, longitude=-2.2426)
    Postcode.objects.create(postcode="M144PX", latitude=53.4490, longitude=-2.2200)  # ~3.8 km
    Postcode.objects.create(postcode="OL11AA", latitude=53.5400, longitude=-2.1130)  # ~10.5 km
    AssetFactory(name="Far", postcode="OL1 1AA")
    AssetFactory(name="Near", postcode="M14 4PX")
    AssetFactory(name="Here", postcode="m1 1ae")
    AssetFactory(name="Unknown place", postcode="ZZ1 1ZZ")
    response = anon_client.get("/directory/?postcode=M1+1AE")
    assert _names(response) == ["Here", "Near", "Far", "Unknown place"]
    assert "nearest first" in response.content.decode()
    assert _names(anon_client.get("/directory/?postcode=M11AE&within=5")) == ["Here", "Near"]


def test_distance_search_says_so_when_no_coordinates_are_loaded(anon_client):
    AssetFactory(name="A group")
    response = anon_client.get("/directory/?postcode=M1+1AE")
    assert "postcode locations have not been loaded" in response.content.decode()
    assert _names(response) == ["A group"]


def test_distance_search_says_so_when_the_postcode_is_unknown(anon_client):
    Postcode.objects.create(postcode="M11AE", latitude=53.48, longitude=-2.24)
    AssetFactory(name="A group")
    response = anon_client.get("/directory/?postcode=SW1A+1AA")
    assert "could not find that postcode" in response.content.decode()
    assert _names(response) == ["A group"]


def test_bad_postcode_shows_an_error_summary(anon_client):
    AssetFactory(name="A group")
    response = anon_client.get("/directory/?postcode=XYZ+123")
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Enter a full UK postcode" in body
    assert response.context["page"] is None


def test_htmx_search_returns_only_the_results_partial(anon_client, kept_asset):
    response = anon_client.get("/directory/?q=river", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="directory-results"' in body
    assert "Riverside walking group" in body
    assert "<html" not in body
    assert "Search words" not in body
    assert "HX-Request" in response["Vary"]


def test_search_pages_results(anon_client):
    for i in range(25):
        AssetFactory(name=f"Group {i:02d}")
    first = anon_client.get("/directory/")
    second = anon_client.get("/directory/?page=2")
    assert len(_names(first)) == 20
    assert len(_names(second)) == 5
    assert "page=2" in first.content.decode()


def test_search_query_count_does_not_grow_with_results(anon_client, django_assert_max_num_queries):
    org = OrganisationFactory()
    for i in range(20):
        asset = AssetFactory(name=f"Group {i}", organisation=org)
        SessionFactory(asset=asset, weekday=i % 7)
        SessionFactory(asset=asset, weekday=(i + 1) % 7)
    # count, page of assets, their sessions (anonymous: no session or user queries)
    with django_assert_max_num_queries(3):
        response = anon_client.get("/directory/?category=green_nature&day=1")
    assert response.status_code == 200


def test_stale_listings_show_not_confirmed_recently(anon_client):
    AssetFactory(name="Old group", last_confirmed_at=timezone.now() - dt.timedelta(days=91))
    AssetFactory(name="Fresh group", last_confirmed_at=timezone.now() - dt.timedelta(days=5))
    body = anon_client.get("/directory/").content.decode()
    assert body.count("Not confirmed recently") == 1
    old = Asset.objects.get(name="Old group")
    assert (
        "Not confirmed recently"
        in anon_client.get(f"/directory/listings/{old.pk}/").content.decode()
    )


def test_listing_page_is_public_and_hides_volunteers_details(anon_client, kept_asset, volunteer):
    volunteer.email = "eve.helper@example.org"
    volunteer.save()
    response = anon_client.get(f"/directory/listings/{kept_asset.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Riverside walking group" in body
    assert "eve.helper@example.org" not in body
    assert "Who keeps this listing" not in body


def test_link_worker_sees_keepers_contact_and_warnings(
    client_for, link_worker, kept_asset, volunteer
):
    volunteer.email = "eve.helper@example.org"
    volunteer.save()
    kept_asset.capacity = Capacity.FULL
    kept_asset.save()
    body = client_for(link_worker).get(f"/directory/listings/{kept_asset.pk}/").content.decode()
    assert "eve.helper@example.org" in body
    assert "is full" in body


def test_pending_listing_is_not_found_for_public_but_seen_by_its_keeper_and_admin(
    anon_client, client_for, volunteer, other_volunteer, admin_user
):
    asset = AssetFactory(listing_status=ListingStatus.PENDING)
    asset.maintainers.add(volunteer)
    url = f"/directory/listings/{asset.pk}/"
    assert anon_client.get(url).status_code == 404
    assert client_for(other_volunteer).get(url).status_code == 404
    assert client_for(volunteer).get(url).status_code == 200
    assert client_for(admin_user).get(url).status_code == 200


def test_unknown_listing_is_404(anon_client):
    assert anon_client.get("/directory/listings/999999/").status_code == 404


def test_listing_page_query_count(anon_client, kept_asset, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        anon_client.get(f"/directory/listings/{kept_asset.pk}/")


def test_printable_directory_groups_by_area_and_category(anon_client):
    AssetFactory(name="Walk", postcode="M14 4PX", category="physical_activity")
    AssetFactory(name="Choir", postcode="M1 1AE", category="music_singing")
    AssetFactory(name="Hidden", postcode="M1 1AE", listing_status=ListingStatus.PENDING)
    response = anon_client.get("/directory/print/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "directory-print.css" in body
    assert body.index("<h2>M1</h2>") < body.index("Choir") < body.index("<h2>M14</h2>")
    assert body.index("<h2>M14</h2>") < body.index("Walk")
    assert "Hidden" not in body


def test_print_query_count(anon_client, django_assert_max_num_queries):
    for i in range(10):
        SessionFactory(asset=AssetFactory(name=f"G{i}"))
    with django_assert_max_num_queries(2):
        anon_client.get("/directory/print/")


# --- a search that finds nothing, and the offer of a conversation -----------------------------


def test_a_search_with_no_matches_shows_the_count_and_what_to_try_next(anon_client):
    AssetFactory(name="Knit and natter", category="arts_creativity")
    body = anon_client.get("/directory/?q=lonely&category=arts_creativity").content.decode()
    assert "0 listings" in body
    assert "Nothing matches “lonely”" in body
    assert "try fewer or different words" in body
    # Each filter in use can be taken off with one link that keeps the rest of the search.
    assert 'href="?q=lonely"' in body
    assert "remove the filter “Category: Arts and creativity”" in body
    assert "Ask for a conversation with a link worker" in body


def test_an_empty_search_page_as_htmx_partial_still_shows_the_count(anon_client):
    response = anon_client.get("/directory/?q=lonely", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "0 listings" in body
    assert "Nothing matches" in body


def test_every_directory_and_listing_page_offers_a_conversation(anon_client):
    from django.urls import reverse

    asset = AssetFactory(name="Knit and natter")
    ask = reverse("referrals:self_referral")
    for url in ("/directory/", "/directory/?q=knit", f"/directory/listings/{asset.pk}/"):
        body = anon_client.get(url).content.decode()
        assert f'href="{ask}"' in body, url
        assert "Ask for a conversation with a link worker" in body, url


def test_on_a_phone_the_results_come_before_the_filters(anon_client):
    body = anon_client.get("/directory/").content.decode()
    assert body.index('id="directory-results"') < body.index('id="directory-filters"')

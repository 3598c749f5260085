"""The connect page shows each group's places, and a listing offers a link worker "Connect a
person": choose one of the team's people, then the usual connection form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assets.models import Capacity, ListingStatus
from referrals.models import Connection
from socialrx.models import AuditLog
from tests.assets.factories import AssetFactory
from tests.referrals.factories import PersonFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def _connect_url(asset) -> str:
    return reverse("referrals:connect_to_group", args=[asset.pk])


def test_search_results_show_full_and_places(client_for, link_worker, person):
    AssetFactory(name="Canal choir", capacity=Capacity.FULL)
    AssetFactory(name="Canal cafe", capacity=Capacity.LIMITED, member_count=12)
    AssetFactory(name="Canal walk", capacity=Capacity.OPEN)
    content = (
        client_for(link_worker)
        .get(reverse("referrals:connection_create", args=[person.pk]), {"q": "Canal"})
        .content.decode()
    )
    assert content.count("sx-capacity") == 3
    choir = content.split("Canal choir", 1)[1].split("</li>", 1)[0]
    assert ">Full<" in choir
    cafe = content.split("Canal cafe", 1)[1].split("</li>", 1)[0]
    assert ">A few places<" in cafe and "12 members" in cafe


def test_listing_offers_connect_a_person_to_link_workers_only(
    client_for, link_worker, volunteer, practice_staff, asset
):
    url = _connect_url(asset)
    assert (
        url
        in client_for(link_worker).get(reverse("assets:detail", args=[asset.pk])).content.decode()
    )
    for user in (volunteer, practice_staff):
        page = client_for(user).get(reverse("assets:detail", args=[asset.pk])).content.decode()
        assert url not in page
    assert url not in client_for(link_worker).get(
        reverse("assets:detail", args=[asset.pk])
    ).content.decode().replace(url, "", 1)  # offered once


def test_choose_page_lists_own_caseload_and_links_to_the_connection_form(
    client_for, link_worker, person, referral, asset
):
    response = client_for(link_worker).get(_connect_url(asset))
    assert response.status_code == 200
    content = response.content.decode()
    form_url = reverse("referrals:connection_create", args=[person.pk]) + f"?asset={asset.pk}"
    assert form_url in content and person.full_name in content
    # Following the link opens the connection form for that group, and connecting works.
    form = client_for(link_worker).get(form_url)
    assert f'value="{asset.pk}"' in form.content.decode()
    assert AuditLog.objects.filter(detail__contains="choose a person to connect").exists()


def test_search_is_a_post_and_finds_team_people_only(
    client_for, link_worker, person, referral, practice_b, asset
):
    stranger = PersonFactory(practice=practice_b, given_name="Maria", family_name="Other")
    ReferralFactory(person=stranger)
    response = client_for(link_worker).post(_connect_url(asset), {"q": "Maria"})
    content = response.content.decode()
    assert response.status_code == 200
    assert person.full_name in content
    assert stranger.full_name not in content


def test_empty_search_is_refused_with_a_message(client_for, link_worker, person, asset):
    response = client_for(link_worker).post(_connect_url(asset), {"q": ""})
    assert response.status_code == 400
    assert "nhsuk-error-summary" in response.content.decode()
    assert person.full_name not in response.content.decode()
    assert not Connection.objects.exists()


@pytest.mark.parametrize("status", [ListingStatus.PENDING, ListingStatus.REJECTED])
def test_a_listing_not_in_the_directory_cannot_be_connected_from(client_for, link_worker, status):
    asset = AssetFactory(listing_status=status)
    assert client_for(link_worker).get(_connect_url(asset)).status_code == 404


def test_who_may_not_choose_a_person(
    client_for, anon_client, volunteer, practice_staff, commissioner, asset
):
    assert anon_client.get(_connect_url(asset)).status_code == 302
    for user in (volunteer, practice_staff, commissioner):
        assert client_for(user).get(_connect_url(asset)).status_code == 404
        assert client_for(user).post(_connect_url(asset), {"q": "Maria"}).status_code == 404

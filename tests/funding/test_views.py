"""Who may see which organisation's money, and what each page shows them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from funding.models import Award, LinkWorkerPost, PlacesOffered
from tests.assets.factories import AssetFactory, OrganisationFactory
from tests.funding.world import funding_world

pytestmark = pytest.mark.django_db

PERIOD = {"first": "2026-01", "last": "2026-06"}


@pytest.fixture
def world(commissioner, volunteer):
    return funding_world(commissioner=commissioner, volunteer=volunteer)


# --- the commissioner's view ----------------------------------------------------------------


def test_commissioner_sees_the_view_with_small_numbers_withheld(world, client_for, commissioner):
    response = client_for(commissioner).get(reverse("funding:dashboard"), PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Big charity" in html
    assert "£5,950.68" in html
    assert "Lunch club" in html
    assert 'id="suppression-note"' in html
    assert "chart-per-connection-data" in html


def test_administrator_sees_exact_figures(world, client_for, admin_user):
    html = client_for(admin_user).get(reverse("funding:dashboard"), PERIOD).content.decode()
    assert 'id="suppression-note"' not in html
    assert "<td>3</td>" in html  # the craft circle's connections


@pytest.mark.parametrize("persona", ["link_worker", "practice_staff", "volunteer"])
def test_other_roles_cannot_see_the_commissioners_view(world, client_for, persona, request):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(reverse("funding:dashboard"), PERIOD).status_code == 404
    url = reverse("funding:dashboard_csv", args=["organisations"])
    assert client_for(user).get(url, PERIOD).status_code == 404


def test_anonymous_is_sent_to_sign_in(world, anon_client):
    response = anon_client.get(reverse("funding:dashboard"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_bad_period_names_the_field(world, client_for, commissioner):
    response = client_for(commissioner).get(
        reverse("funding:dashboard"), {"first": "2026-13", "last": "2026-01"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_first"' in html
    assert "From month must be a month" in html


def test_period_ending_before_it_starts_is_refused(world, client_for, commissioner):
    response = client_for(commissioner).get(
        reverse("funding:dashboard"), {"first": "2026-06", "last": "2026-01"}
    )
    assert response.status_code == 400
    assert "To month must be the same as or after From month" in response.content.decode()


def test_csv_download_withholds_for_commissioners(world, client_for, commissioner, admin_user):
    url = reverse("funding:dashboard_csv", args=["organisations"])
    response = client_for(commissioner).get(url, PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "organisation,connections,funded,unfunded,funding,funding_per_connection"
    small = next(line for line in lines if line.startswith("Small group"))
    assert small.split(",")[1] == "*"
    exact = client_for(admin_user).get(url, PERIOD).content.decode()
    assert "Small group,3,0,3," in exact


@pytest.mark.parametrize("table", ["unfunded", "routes", "staffing", "started"])
def test_every_csv_table_downloads(world, client_for, commissioner, table):
    response = client_for(commissioner).get(reverse("funding:dashboard_csv", args=[table]), PERIOD)
    assert response.status_code == 200
    assert len(response.content.decode().splitlines()) >= 2


def test_unknown_csv_table_is_not_found(world, client_for, commissioner):
    url = reverse("funding:dashboard_csv", args=["people"])
    assert client_for(commissioner).get(url, PERIOD).status_code == 404


def test_staffing_is_context_not_a_league_table(world, client_for, commissioner):
    html = client_for(commissioner).get(reverse("funding:dashboard"), PERIOD).content.decode()
    assert "context, not targets" in html
    assert "about 250" in html


# --- awards ---------------------------------------------------------------------------------


def _award_post(funder, recipient, **over):
    data = {
        "funder": funder.pk,
        "funder_type": "icb",
        "recipient": recipient.pk,
        "amount": "750.50",
        "starts_on": "2026-04-01",
        "ends_on": "2027-03-31",
        "route": "capacity_building",
        "purpose": "Volunteer training",
        "version": "0",
    }
    data.update(over)
    return data


def test_commissioner_records_an_award_for_their_own_body(world, client_for, commissioner):
    response = client_for(commissioner).post(
        reverse("funding:award_create"), _award_post(world["icb"], world["small"])
    )
    assert response.status_code == 302
    award = Award.objects.get(amount="750.50")
    assert award.funder == world["icb"]
    assert award.recorded_by == commissioner


def test_commissioner_cannot_record_another_bodys_award(world, client_for, commissioner):
    before = Award.objects.count()
    response = client_for(commissioner).post(
        reverse("funding:award_create"), _award_post(world["council"], world["small"])
    )
    assert response.status_code == 400
    assert 'href="#id_funder"' in response.content.decode()
    assert Award.objects.count() == before


def test_commissioner_cannot_change_another_bodys_award(world, client_for, commissioner):
    url = reverse("funding:award_edit", args=[world["small_award"].pk])
    assert client_for(commissioner).get(url).status_code == 403
    response = client_for(commissioner).post(url, _award_post(world["icb"], world["small"]))
    assert response.status_code == 403
    assert Award.objects.get(pk=world["small_award"].pk).funder == world["council"]


def test_commissioner_changes_their_own_award(world, client_for, commissioner):
    award = world["big_award"]
    url = reverse("funding:award_edit", args=[award.pk])
    assert client_for(commissioner).get(url).status_code == 200
    response = client_for(commissioner).post(
        url, _award_post(world["icb"], world["big"], amount="13000", version=str(award.version))
    )
    assert response.status_code == 302
    award.refresh_from_db()
    assert str(award.amount) == "13000.00"


def test_bad_award_names_each_field_and_saves_nothing(world, client_for, admin_user):
    before = Award.objects.count()
    response = client_for(admin_user).post(
        reverse("funding:award_create"),
        _award_post(world["icb"], world["small"], amount="lots", ends_on="2026-01-01"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Amount must be a number of pounds" in html
    assert "End date must be the same as or after the start date" in html
    assert Award.objects.count() == before


def test_commissioner_without_a_funding_body_cannot_record(client_for, commissioner):
    assert client_for(commissioner).get(reverse("funding:award_create")).status_code == 403


@pytest.mark.parametrize("persona", ["link_worker", "practice_staff", "volunteer"])
def test_other_roles_reach_no_award_page(world, client_for, persona, request):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    assert client.get(reverse("funding:awards")).status_code == 404
    assert client.get(reverse("funding:award_create")).status_code == 404
    edit = reverse("funding:award_edit", args=[world["big_award"].pk])
    assert client.get(edit).status_code == 404


def test_awards_register_lists_every_award_for_commissioners(world, client_for, commissioner):
    html = client_for(commissioner).get(reverse("funding:awards")).content.decode()
    assert "Big charity" in html and "Small group" in html
    # Only their own body's award offers a change link.
    assert reverse("funding:award_edit", args=[world["big_award"].pk]) in html
    assert reverse("funding:award_edit", args=[world["small_award"].pk]) not in html


# --- posts ----------------------------------------------------------------------------------


def test_commissioner_adds_a_post_their_body_funds(world, client_for, commissioner):
    response = client_for(commissioner).post(
        reverse("funding:post_create"),
        {
            "title": "Link worker, east",
            "host": world["big"].pk,
            "funder": world["icb"].pk,
            "fte": "0.6",
            "population_covered": "8000",
            "starts_on": "2026-01-01",
            "version": "0",
        },
    )
    assert response.status_code == 302
    assert LinkWorkerPost.objects.filter(title="Link worker, east").exists()


def test_bad_post_is_refused_with_the_field_named(world, client_for, admin_user):
    before = LinkWorkerPost.objects.count()
    response = client_for(admin_user).post(
        reverse("funding:post_create"),
        {
            "title": "Link worker",
            "host": world["big"].pk,
            "funder": world["icb"].pk,
            "fte": "1.5",
            "population_covered": "8000",
            "starts_on": "2026-01-01",
            "version": "0",
        },
    )
    assert response.status_code == 400
    assert "Full-time equivalent must be more than 0 and at most 1" in response.content.decode()
    assert LinkWorkerPost.objects.count() == before


# --- the keeper's view ----------------------------------------------------------------------


def test_keeper_sees_only_their_own_groups_and_awards(world, client_for, volunteer):
    html = client_for(volunteer).get(reverse("funding:keeper")).content.decode()
    assert "Craft circle" in html
    assert "Allotment" not in html and "Lunch club" not in html
    assert "Town council" in html  # the grant to their group
    assert "North ICB" not in html  # another organisation's money


def test_keeper_sets_places_for_their_group(world, client_for, volunteer):
    craft = world["craft"]
    response = client_for(volunteer).post(
        reverse("funding:keeper_places", args=[craft.pk]),
        {f"a{craft.pk}-places": "5", f"a{craft.pk}-from_month": "2026-05"},
    )
    assert response.status_code == 302
    row = PlacesOffered.objects.get(asset=craft)
    assert (row.places, row.from_month) == (5, dt.date(2026, 5, 1))


def test_keeper_bad_places_names_the_field(world, client_for, volunteer):
    craft = world["craft"]
    response = client_for(volunteer).post(
        reverse("funding:keeper_places", args=[craft.pk]),
        {f"a{craft.pk}-places": "-2", f"a{craft.pk}-from_month": "May"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Places must be 0 or more" in html
    assert "From month must be a month" in html
    assert not PlacesOffered.objects.exists()


def test_keeper_cannot_set_places_for_another_group(world, client_for, volunteer):
    other = world["allotment"]
    response = client_for(volunteer).post(
        reverse("funding:keeper_places", args=[other.pk]),
        {f"a{other.pk}-places": "5", f"a{other.pk}-from_month": "2026-05"},
    )
    assert response.status_code == 404
    assert not PlacesOffered.objects.exists()


@pytest.mark.parametrize("persona", ["link_worker", "commissioner", "practice_staff"])
def test_keeper_pages_are_for_volunteers(world, client_for, persona, request):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(reverse("funding:keeper")).status_code == 404


# --- current capacity for link workers -------------------------------------------------------


def test_link_worker_sees_current_capacity_of_a_listing(world, client_for, link_worker):
    response = client_for(link_worker).get(
        reverse("funding:listing_capacity", args=[world["allotment"].pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Places and referrals this month" in html
    assert "£" not in html  # no money on the link worker's page


def test_listing_page_offers_link_workers_the_capacity_link(world, client_for, link_worker):
    asset = world["allotment"]
    html = client_for(link_worker).get(reverse("assets:detail", args=[asset.pk])).content.decode()
    assert reverse("funding:listing_capacity", args=[asset.pk]) in html


def test_keeper_sees_capacity_of_their_own_listing_only(world, client_for, volunteer):
    own = reverse("funding:listing_capacity", args=[world["craft"].pk])
    other = reverse("funding:listing_capacity", args=[world["allotment"].pk])
    assert client_for(volunteer).get(own).status_code == 200
    assert client_for(volunteer).get(other).status_code == 404


@pytest.mark.parametrize("persona", ["practice_staff", "commissioner"])
def test_capacity_page_is_not_for_others(world, client_for, persona, request):
    user = request.getfixturevalue(persona)
    url = reverse("funding:listing_capacity", args=[world["allotment"].pk])
    assert client_for(user).get(url).status_code == 404


def test_capacity_warns_when_places_are_taken(client_for, link_worker, volunteer):
    from funding.services import places_set
    from tests.referrals.factories import ConnectionFactory

    asset = AssetFactory(organisation=OrganisationFactory())
    places_set(asset=asset, from_month=timezone.localdate(), places=1, by=volunteer)
    ConnectionFactory(asset=asset)
    html = (
        client_for(link_worker)
        .get(reverse("funding:listing_capacity", args=[asset.pk]))
        .content.decode()
    )
    assert "No places likely left" in html


def test_award_saved_by_someone_else_meanwhile_is_not_overwritten(world, client_for, admin_user):
    award = world["big_award"]
    url = reverse("funding:award_edit", args=[award.pk])
    client = client_for(admin_user)
    form = client.get(url).context["form"]
    loaded = form.initial["loaded"]
    first = _award_post(world["icb"], world["big"], amount="13000", version="0", loaded=loaded)
    assert client.post(url, first).status_code == 302
    second = _award_post(world["icb"], world["big"], amount="9000", version="0", loaded=loaded)
    response = client.post(url, second)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Someone else changed this record while you were editing it" in html
    assert "Amount in pounds was changed by someone else to: 13000.00" in html
    award.refresh_from_db()
    assert str(award.amount) == "13000.00"

"""Community referrals by volunteers, referrals recorded from other services, and the
administrators' closed-route enquiries."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from referrals.models import ClosedRouteEnquiry, Person, Referral, Source
from referrals.services.enquiries import closed_route_enquiry_create
from tests.assets.factories import AssetFactory
from tests.referrals.factories import PersonFactory

pytestmark = pytest.mark.django_db

COMMUNITY = reverse("referrals:community_referral_create")
OTHER = reverse("referrals:other_referral_create")
ENQUIRIES = reverse("referrals:closed_route_enquiries")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def community_data(**kw):
    data = {
        "on_behalf": "self",
        "referring_asset": "",
        "organisation_name": "",
        "given_name": "Lee",
        "family_name": "Moss",
        "date_of_birth": "",
        "postcode": "M1 1AE",
        "phone": "07700 900789",
        "email": "",
        "practice": "",
        "communication_needs": "",
        "reason": "Wants to get back into gardening.",
        "consent_confirmed": "on",
        "consent_share_with_group": "yes",
        "consent_deidentified_figures": "yes",
    }
    data.update(kw)
    return data


def other_data(**kw):
    data = {
        "source": "other",
        "referrer_name": "Dr Kay",
        "referrer_organisation": "Community mental health team",
        "referrer_email": "kay@cmht.example",
        "given_name": "Lee",
        "family_name": "Moss",
        "date_of_birth": "1970-01-01",
        "nhs_number": "",
        "postcode": "M1 1AE",
        "phone": "",
        "practice": "",
        "communication_needs": "",
        "reason": "Isolated after discharge.",
        "consent_confirmed": "on",
        "consent_share_with_group": "yes",
        "consent_deidentified_figures": "yes",
    }
    data.update(kw)
    return data


# --- community -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [COMMUNITY, OTHER, ENQUIRIES])
def test_anonymous_visitors_are_sent_to_log_in(anon_client, url):
    response = anon_client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["practice_staff", "commissioner", "link_worker"])
def test_only_volunteers_make_community_referrals(request, client_for, persona):
    assert client_for(request.getfixturevalue(persona)).get(COMMUNITY).status_code == 404


def test_volunteer_refers_for_themselves(client_for, volunteer, practice_a, link_worker):
    response = client_for(volunteer).post(COMMUNITY, community_data(practice=str(practice_a.pk)))
    referral = Referral.objects.get()
    assert response["Location"] == reverse("referrals:referral_confirmation", args=[referral.pk])
    assert referral.source == Source.COMMUNITY
    assert referral.referred_by == volunteer
    assert referral.referring_asset is None
    assert referral.referrer_name == "Eve Helper"
    assert referral.link_worker == link_worker
    confirmation = client_for(volunteer).get(response["Location"])
    assert confirmation.status_code == 200 and str(referral.pk) in confirmation.content.decode()


def test_volunteer_refers_on_behalf_of_their_group(client_for, volunteer):
    group = AssetFactory(name="Canal Gardeners")
    group.maintainers.add(volunteer)
    AssetFactory(name="Someone else's group")
    client = client_for(volunteer)
    page = client.get(COMMUNITY).content.decode()
    # Up to the apostrophe, which a select's options escape differently from page text.
    assert "Canal Gardeners" in page and "Someone else" not in page
    client.post(COMMUNITY, community_data(on_behalf="group", referring_asset=str(group.pk)))
    referral = Referral.objects.get()
    assert referral.referring_asset == group
    assert referral.referrer_organisation == "Canal Gardeners"


def test_volunteer_cannot_refer_for_a_group_they_do_not_keep(client_for, volunteer):
    group = AssetFactory(name="Not mine")
    response = client_for(volunteer).post(
        COMMUNITY, community_data(on_behalf="group", referring_asset=str(group.pk))
    )
    assert "nhsuk-error-summary" in response.content.decode()
    assert Referral.objects.count() == 0


def test_volunteer_refers_for_an_organisation(client_for, volunteer):
    client = client_for(volunteer)
    missing = client.post(COMMUNITY, community_data(on_behalf="organisation"))
    assert "Enter the organisation&#x27;s name" in missing.content.decode()
    assert Referral.objects.count() == 0
    client.post(COMMUNITY, community_data(on_behalf="organisation", organisation_name="Food Bank"))
    assert Referral.objects.get().referrer_organisation == "Food Bank"


def test_community_referral_needs_consent(client_for, volunteer):
    response = client_for(volunteer).post(COMMUNITY, community_data(consent_confirmed=""))
    assert "Confirm that the person has agreed" in response.content.decode()
    assert Person.objects.count() == 0 and Referral.objects.count() == 0


def test_community_referral_does_not_disclose_existing_records(client_for, volunteer):
    PersonFactory(practice=None, given_name="Lee", family_name="Moss", postcode="M1 1AE")
    response = client_for(volunteer).post(COMMUNITY, community_data(date_of_birth="1960-05-17"))
    assert response.status_code == 302  # no duplicate question for volunteers
    assert Person.objects.count() == 1  # matched on name, birth date and postcode


def test_volunteer_cannot_open_someone_elses_confirmation(client_for, volunteer, practice_a):
    other = Referral.objects.create(
        person=PersonFactory(practice=practice_a), received_on="2026-01-01", source="gp"
    )
    url = reverse("referrals:referral_confirmation", args=[other.pk])
    assert client_for(volunteer).get(url).status_code == 404


def test_closed_community_route(settings, client_for, volunteer):
    settings.REFERRAL_ROUTES_OPEN = ["gp"]
    response = client_for(volunteer).post(COMMUNITY, community_data())
    assert response["Location"] == reverse("referrals:enquiry_received")
    assert ClosedRouteEnquiry.objects.get().submitted_by == volunteer
    assert Referral.objects.count() == 0


# --- other services ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["practice_staff", "commissioner", "volunteer"])
def test_only_link_workers_and_admins_record_other_referrals(request, client_for, persona):
    assert client_for(request.getfixturevalue(persona)).get(OTHER).status_code == 404


@pytest.mark.parametrize("persona", ["link_worker", "admin_user"])
def test_link_worker_or_admin_records_a_referral_from_another_service(
    request, client_for, persona, practice_a
):
    user = request.getfixturevalue(persona)
    response = client_for(user).post(OTHER, other_data(practice=str(practice_a.pk)))
    referral = Referral.objects.get()
    assert response["Location"] == reverse("referrals:referral_confirmation", args=[referral.pk])
    assert referral.source == Source.OTHER
    assert referral.referrer_name == "Dr Kay"
    assert referral.referrer_organisation == "Community mental health team"
    assert referral.referrer_email == "kay@cmht.example"
    assert referral.referred_by == user


def test_vcse_referral_is_recorded_as_community(client_for, link_worker):
    client_for(link_worker).post(OTHER, other_data(source="community"))
    assert Referral.objects.get().source == Source.COMMUNITY


def test_other_referral_needs_referrer(client_for, link_worker):
    response = client_for(link_worker).post(OTHER, other_data(referrer_organisation=""))
    assert "Enter the referrer&#x27;s organisation" in response.content.decode()
    assert Referral.objects.count() == 0


def test_other_referral_warns_about_duplicates(client_for, link_worker):
    existing = PersonFactory(
        practice=None, given_name="Lee", family_name="Moss", date_of_birth="1970-01-01"
    )
    client = client_for(link_worker)
    assert "may already be known" in client.post(OTHER, other_data()).content.decode()
    assert Referral.objects.count() == 0
    client.post(OTHER, other_data(duplicate_choice=str(existing.pk)))
    assert Referral.objects.get().person == existing


def test_maker_sees_confirmation_for_another_teams_area(client_for, other_link_worker, practice_a):
    response = client_for(other_link_worker).post(OTHER, other_data(practice=str(practice_a.pk)))
    referral = Referral.objects.get()
    assert referral.team.code == "team-a"
    assert client_for(other_link_worker).get(response["Location"]).status_code == 200


# --- closed-route enquiries ----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["link_worker", "practice_staff", "volunteer", "commissioner"])
def test_only_admins_see_enquiries(request, client_for, persona):
    enquiry = closed_route_enquiry_create(route="self", data={"given_name": "Al"}, by=None)
    client = client_for(request.getfixturevalue(persona))
    assert client.get(ENQUIRIES).status_code == 404
    url = reverse("referrals:closed_route_enquiry_handled", args=[enquiry.pk])
    assert client.post(url).status_code == 404
    enquiry.refresh_from_db()
    assert not enquiry.handled


def test_admin_lists_and_marks_enquiries_handled(client_for, admin_user):
    enquiry = closed_route_enquiry_create(
        route="self", data={"given_name": "Al", "reason": "Lonely"}, by=None
    )
    client = client_for(admin_user)
    content = client.get(ENQUIRIES).content.decode()
    assert "Self-referral" in content and "Lonely" in content and "Mark handled" in content
    url = reverse("referrals:closed_route_enquiry_handled", args=[enquiry.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, HTTP_HX_REQUEST="true")
    row = response.content.decode()
    assert "<html" not in row and f'id="enquiry-{enquiry.pk}"' in row and "Handled" in row
    enquiry.refresh_from_db()
    assert enquiry.handled and enquiry.handled_by == admin_user


def test_mark_handled_without_javascript_redirects(client_for, admin_user):
    enquiry = closed_route_enquiry_create(route="gp", data={}, by=None)
    url = reverse("referrals:closed_route_enquiry_handled", args=[enquiry.pk])
    response = client_for(admin_user).post(url)
    assert response.status_code == 302 and response["Location"] == ENQUIRIES


def test_enquiry_list_query_count(client_for, admin_user, volunteer, django_assert_max_num_queries):
    for i in range(30):
        closed_route_enquiry_create(route="community", data={"n": i}, by=volunteer)
    client = client_for(admin_user)
    with django_assert_max_num_queries(6):  # with the audit entry
        response = client.get(ENQUIRIES)
    assert response.content.decode().count("Mark handled<") == 30


def test_volunteer_without_groups_is_not_offered_a_group(client_for, volunteer):
    content = client_for(volunteer).get(COMMUNITY).content.decode()
    assert 'value="group"' not in content
    response = client_for(volunteer).post(COMMUNITY, community_data(on_behalf="group"))
    assert "nhsuk-error-summary" in response.content.decode()
    assert Referral.objects.count() == 0


def test_api_enquiries_are_shown_readably(client_for, admin_user):
    closed_route_enquiry_create(
        route="gp", data={"person": {"given_name": "Al"}, "reason": "Lonely"}, by=None
    )
    content = client_for(admin_user).get(ENQUIRIES).content.decode()
    assert "Person: given name" in content and "Al" in content

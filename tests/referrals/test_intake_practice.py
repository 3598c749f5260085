from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals.models import (
    CaseNote,
    ClosedRouteEnquiry,
    Feedback,
    Person,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    Source,
)
from socialrx.models import AuditLog
from tests.referrals.factories import ConversationFactory, ReferralFactory
from tests.referrals.factories import PersonFactory as _PersonFactory

pytestmark = pytest.mark.django_db

NHS = "9434765919"
CREATE = reverse("referrals:practice_referral_create")
LIST = reverse("referrals:practice_referrals")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def PersonFactory(**kw):
    kw.setdefault("practice", None)
    return _PersonFactory(**kw)


def form_data(**kw):
    data = {
        "given_name": "Jo",
        "family_name": "Bloggs",
        "date_of_birth": "1960-05-17",
        "nhs_number": "",
        "postcode": "m1 1ae",
        "phone": "07700 900123",
        "communication_needs": "",
        "reason": "Lonely since her husband died.",
        "consent_confirmed": "on",
        "consent_share_with_group": "yes",
        "consent_deidentified_figures": "yes",
    }
    data.update(kw)
    return data


def practice_referral(practice, **kw):
    person = PersonFactory(practice=practice)
    return ReferralFactory(person=person, referring_practice=practice, **kw)


# --- who may use the pages -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["referrals:practice_referral_create", "referrals:practice_referrals"]
)
def test_anonymous_visitors_are_sent_to_log_in(anon_client, name):
    response = anon_client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["volunteer", "commissioner", "link_worker"])
@pytest.mark.parametrize(
    "name", ["referrals:practice_referral_create", "referrals:practice_referrals"]
)
def test_other_roles_do_not_find_practice_pages(request, client_for, persona, name):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(reverse(name)).status_code == 404


def test_anonymous_detail_is_login_redirect(anon_client, practice_a):
    referral = practice_referral(practice_a)
    url = reverse("referrals:practice_referral_detail", args=[referral.pk])
    assert anon_client.get(url).status_code == 302


# --- making a referral ---------------------------------------------------------------------


def test_gp_referral_creates_person_and_referral_for_the_practice(
    client_for, practice_staff, practice_a, team_a, link_worker
):
    response = client_for(practice_staff).post(CREATE, form_data(nhs_number="943 476 5919"))
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:referral_confirmation", args=[referral.pk])
    assert referral.source == Source.GP
    assert referral.referring_practice == practice_a
    assert referral.referred_by == practice_staff
    assert referral.consent_confirmed
    assert referral.link_worker == link_worker and referral.team == team_a
    person = referral.person
    assert person.practice == practice_a and person.nhs_number == NHS
    assert person.postcode == "M1 1AE"
    assert ReferralStatusChange.objects.filter(referral=referral, to_status="received").exists()
    page = client_for(practice_staff).get(response["Location"])
    assert str(referral.pk) in page.content.decode()
    assert "Anna Link" in page.content.decode()


def test_non_gp_practice_staff_refer_as_practice_staff(
    client_for, other_practice_staff, practice_b
):
    client_for(other_practice_staff).post(CREATE, form_data())
    referral = Referral.objects.get()
    assert referral.source == Source.PRACTICE_STAFF
    assert referral.referring_practice == practice_b


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"nhs_number": "9434765918"}, "Enter a valid 10-digit NHS number"),
        (
            {"consent_confirmed": ""},
            "Confirm that the person has agreed to a link worker contacting them",
        ),
        (
            {"consent_share_with_group": ""},
            "Choose yes if they agree to their details being shared with groups, or no",
        ),
        (
            {"consent_deidentified_figures": "maybe"},
            "Choose yes if they agree to their information being used in figures, or no",
        ),
        ({"reason": ""}, "Enter the reason for referral"),
        ({"postcode": "nowhere"}, "Enter a full UK postcode"),
        ({"date_of_birth": "2999-01-01"}, "Date of birth must be in the past"),
    ],
)
def test_bad_input_shows_error_summary_and_saves_nothing(
    client_for, practice_staff, changes, message
):
    response = client_for(practice_staff).post(CREATE, form_data(**changes))
    content = response.content.decode()
    assert response.status_code == 200
    assert "nhsuk-error-summary" in content and message in content
    assert Person.objects.count() == 0 and Referral.objects.count() == 0


def test_same_name_and_birth_date_asks_before_saving(client_for, practice_staff, practice_a):
    existing = PersonFactory(
        given_name="Jo", family_name="Bloggs", postcode="M1 1AE", practice=practice_a
    )
    client = client_for(practice_staff)
    response = client.post(CREATE, form_data())
    content = response.content.decode()
    assert "may already be known to the service" in content
    assert f'value="{existing.pk}"' in content
    assert Referral.objects.count() == 0

    assert "Choose an existing record or create a new one" not in content

    # Sending again without choosing asks again, with an error.
    again = client.post(CREATE, form_data(duplicate_asked="1"))
    assert "Choose an existing record or create a new one" in again.content.decode()
    again = client.post(CREATE, form_data(duplicate_choice="nonsense"))
    assert "Choose an existing record or create a new one" in again.content.decode()
    assert Referral.objects.count() == 0

    client.post(CREATE, form_data(duplicate_choice=str(existing.pk)))
    referral = Referral.objects.get()
    assert referral.person == existing
    assert Person.objects.count() == 1


def test_create_new_record_anyway(client_for, practice_staff):
    PersonFactory(given_name="Jo", family_name="Bloggs")
    client_for(practice_staff).post(CREATE, form_data(duplicate_choice="new"))
    assert Person.objects.count() == 2
    assert Referral.objects.get().person.practice == practice_staff.practice


def test_same_nhs_number_uses_the_existing_record_without_asking(client_for, practice_staff):
    existing = PersonFactory(
        nhs_number=NHS, given_name="Joanne", family_name="Bloggs", practice=practice_staff.practice
    )
    response = client_for(practice_staff).post(CREATE, form_data(nhs_number=NHS))
    assert response.status_code == 302
    assert Referral.objects.get().person == existing
    assert Person.objects.count() == 1


def test_closed_route_keeps_the_enquiry(settings, client_for, practice_staff):
    settings.REFERRAL_ROUTES_OPEN = ["self"]
    response = client_for(practice_staff).post(CREATE, form_data(), follow=True)
    assert "passed on" in response.content.decode()
    assert "administrators" in response.content.decode()
    enquiry = ClosedRouteEnquiry.objects.get()
    assert enquiry.route == Source.GP and enquiry.submitted_by == practice_staff
    assert enquiry.data["given_name"] == "Jo" and enquiry.data["postcode"] == "M1 1AE"
    assert "consent_confirmed" not in enquiry.data
    assert Referral.objects.count() == 0 and Person.objects.count() == 0


def test_confirmation_of_another_practices_referral_is_not_found(
    client_for, practice_staff, practice_b
):
    referral = practice_referral(practice_b)
    url = reverse("referrals:referral_confirmation", args=[referral.pk])
    assert client_for(practice_staff).get(url).status_code == 404


# --- the practice's referrals --------------------------------------------------------------


def test_list_shows_only_own_practice_referrals(client_for, practice_staff, practice_a, practice_b):
    mine = practice_referral(practice_a)
    theirs = practice_referral(practice_b)
    content = client_for(practice_staff).get(LIST).content.decode()
    assert mine.person.full_name in content
    assert theirs.person.full_name not in content


def test_list_shows_link_worker_and_latest_feedback(
    client_for, practice_staff, practice_a, link_worker
):
    referral = practice_referral(practice_a, link_worker=link_worker)
    Feedback.objects.create(
        referral=referral,
        snomed_code=Feedback.Snomed.REFERRED,
        needs_and_concerns="x",
        support_offered="y",
    )
    content = client_for(practice_staff).get(LIST).content.decode()
    assert "Anna Link" in content
    assert "SNOMED 871731000000106" in content


def test_status_filter_and_htmx_partial(client_for, practice_staff, practice_a):
    active = practice_referral(practice_a, status=ReferralStatus.ACTIVE)
    received = practice_referral(practice_a, status=ReferralStatus.RECEIVED)
    client = client_for(practice_staff)
    full = client.get(LIST, {"status": "active"}).content.decode()
    assert active.person.full_name in full and received.person.full_name not in full
    assert "<html" in full
    response = client.get(LIST, {"status": "active"}, HTTP_HX_REQUEST="true")
    assert "HX-Request" in response["Vary"]
    partial = response.content.decode()
    assert "<html" not in partial and 'id="results"' in partial
    assert active.person.full_name in partial and received.person.full_name not in partial
    # An unknown status shows everything rather than failing.
    both = client.get(LIST, {"status": "bogus"}).content.decode()
    assert active.person.full_name in both and received.person.full_name in both


def test_list_is_paginated(client_for, practice_staff, practice_a):
    for _ in range(27):
        practice_referral(practice_a)
    client = client_for(practice_staff)
    first = client.get(LIST).content.decode()
    assert "27 referrals" in first and "Page 2" in first
    second = client.get(LIST, {"page": 2})
    assert second.context["page"].object_list.__len__() == 2


def test_list_query_count_does_not_grow_with_rows(
    client_for, practice_staff, practice_a, link_worker
):
    client = client_for(practice_staff)

    def add(n):
        for _ in range(n):
            r = practice_referral(practice_a, link_worker=link_worker)
            Feedback.objects.create(
                referral=r,
                snomed_code="871731000000106",
                needs_and_concerns="n",
                support_offered="s",
            )

    add(2)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    add(20)
    with CaptureQueriesContext(connection) as many:
        client.get(LIST)
    assert len(many) == len(few)
    assert len(many) <= 6


# --- one referral --------------------------------------------------------------------------


def test_detail_shows_history_and_feedback_but_not_the_case(
    client_for, practice_staff, practice_a, link_worker
):
    referral = practice_referral(practice_a, link_worker=link_worker)
    ReferralStatusChange.objects.create(referral=referral, from_status="", to_status="received")
    ReferralStatusChange.objects.create(
        referral=referral, from_status="received", to_status="contacted", by=link_worker
    )
    Feedback.objects.create(
        referral=referral,
        snomed_code=Feedback.Snomed.REFERRED,
        needs_and_concerns="Feels alone at weekends",
        support_offered="Walking group on Saturdays",
        outcomes="Now attends weekly",
    )
    CaseNote.objects.create(person=referral.person, referral=referral, text="PRIVATE CASE NOTE")
    ConversationFactory(person=referral.person, what_matters="PRIVATE CONVERSATION")
    url = reverse("referrals:practice_referral_detail", args=[referral.pk])
    content = client_for(practice_staff).get(url).content.decode()
    assert "Contacted" in content and "Received" in content
    assert "Feels alone at weekends" in content and "Walking group on Saturdays" in content
    assert "Now attends weekly" in content and "871731000000106" in content
    assert "PRIVATE CASE NOTE" not in content and "PRIVATE CONVERSATION" not in content
    assert AuditLog.objects.filter(
        action="view", object_type="referrals.referral", object_id=str(referral.pk)
    ).exists()


def test_other_practices_referral_detail_is_not_found(client_for, other_practice_staff, practice_a):
    referral = practice_referral(practice_a)
    url = reverse("referrals:practice_referral_detail", args=[referral.pk])
    assert client_for(other_practice_staff).get(url).status_code == 404


@pytest.mark.parametrize("persona", ["volunteer", "commissioner", "link_worker"])
def test_other_roles_do_not_find_the_detail(request, client_for, practice_a, persona):
    referral = practice_referral(practice_a)
    url = reverse("referrals:practice_referral_detail", args=[referral.pk])
    assert client_for(request.getfixturevalue(persona)).get(url).status_code == 404


def test_received_date_is_shown(client_for, practice_staff, practice_a):
    practice_referral(practice_a, received_on=dt.date(2026, 3, 4))
    assert "4 Mar 2026" in client_for(practice_staff).get(LIST).content.decode()


def test_admin_sees_every_practices_referrals_but_has_no_practice_form(
    client_for, admin_user, practice_a, practice_b
):
    a = practice_referral(practice_a)
    b = practice_referral(practice_b)
    client = client_for(admin_user)
    content = client.get(LIST).content.decode()
    assert a.person.full_name in content and b.person.full_name in content
    assert "Make a referral</a>" not in content
    assert client.get(CREATE).status_code == 404

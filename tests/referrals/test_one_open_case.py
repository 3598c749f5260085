"""One open case per person: a referral of someone whose case is open is added to that case
(status ``joined_case``) instead of opening a second one; the link worker is told, the
referrer is told the person is already supported (the team name, nothing more), the public
is told nothing."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from referrals.models import OPEN_STATUSES, Person, Referral, ReferralStatus
from tests.referrals.factories import PersonFactory, ReferralFactory

pytestmark = pytest.mark.django_db

NHS = "9434765919"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def form_data(**kw):
    data = {
        "given_name": "Jo",
        "family_name": "Bloggs",
        "date_of_birth": "1960-05-17",
        "nhs_number": NHS,
        "postcode": "m1 1ae",
        "phone": "07700 900123",
        "communication_needs": "",
        "reason": "Money worries.",
        "consent_confirmed": "on",
        "consent_share_with_group": "yes",
        "consent_deidentified_figures": "yes",
    }
    data.update(kw)
    return data


@pytest.fixture
def open_case(practice_a, link_worker):
    person = PersonFactory(
        practice=practice_a,
        nhs_number=NHS,
        given_name="Jo",
        family_name="Bloggs",
        link_worker=link_worker,
    )
    return ReferralFactory(person=person, status=ReferralStatus.ACTIVE, link_worker=link_worker)


def _open_count(person: Person) -> int:
    return person.referrals.filter(status__in=OPEN_STATUSES).count()


def test_practice_referral_of_someone_supported_joins_their_open_case(
    client_for, practice_staff, open_case, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(practice_staff).post(
            reverse("referrals:practice_referral_create"),
            form_data(duplicate_choice=str(open_case.person.pk)),
        )
    new = Referral.objects.exclude(pk=open_case.pk).get()
    assert response.status_code == 302
    assert new.person == open_case.person
    assert new.status == ReferralStatus.JOINED_CASE
    assert new.joined_case == open_case
    assert new.closed_on == new.received_on
    assert new.link_worker == open_case.link_worker and new.team == open_case.team
    assert _open_count(open_case.person) == 1
    changes = list(new.status_changes.order_by("id"))
    assert [c.to_status for c in changes] == [ReferralStatus.RECEIVED, ReferralStatus.JOINED_CASE]
    assert all(c.note == "" for c in changes)
    # The named link worker is told which case it joined; no personal data in the email.
    assert len(mailoutbox) == 1
    assert f"open case {open_case.pk}" in mailoutbox[0].subject
    assert "Bloggs" not in mailoutbox[0].body
    page = client_for(practice_staff).get(response["Location"])
    assert "already being supported by Central link workers" in page.content.decode()


def test_confirmation_and_detail_pages_name_the_team_only(
    client_for, practice_staff, open_case, link_worker
):
    client = client_for(practice_staff)
    client.post(
        reverse("referrals:practice_referral_create"),
        form_data(duplicate_choice=str(open_case.person.pk)),
    )
    new = Referral.objects.get(joined_case=open_case)
    detail = client.get(reverse("referrals:practice_referral_detail", args=[new.pk]))
    text = detail.content.decode()
    assert "Already supported" in text and "Central link workers" in text
    # Nothing of the open case itself: not its reason nor its reference.
    assert open_case.reason not in text
    assert f"case {open_case.pk}" not in text


def test_referral_of_someone_without_an_open_case_opens_one(
    client_for, practice_staff, practice_a, link_worker
):
    person = PersonFactory(
        practice=practice_a, nhs_number=NHS, given_name="Jo", family_name="Bloggs"
    )
    ReferralFactory(person=person, status=ReferralStatus.CLOSED)
    client_for(practice_staff).post(
        reverse("referrals:practice_referral_create"), form_data(duplicate_choice=str(person.pk))
    )
    new = Referral.objects.filter(person=person).order_by("-id").first()
    assert new.status == ReferralStatus.RECEIVED and new.joined_case is None
    page = client_for(practice_staff).get(reverse("referrals:referral_confirmation", args=[new.pk]))
    assert "already being supported" not in page.content.decode()


def test_api_answer_says_already_supported(practice_staff, open_case):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=practice_staff)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    payload = {
        "person": {"given_name": "Jo", "family_name": "Bloggs", "nhs_number": NHS},
        "reason": "Isolated",
        "consent_confirmed": True,
    }
    body = client.post(reverse("api_referral_create"), payload, format="json").json()
    assert body["status"] == "joined_case"
    assert body["already_supported"] is True
    assert body["team"] == "Central link workers"
    assert "person" not in body
    fresh = client.post(
        reverse("api_referral_create"),
        {**payload, "person": {"given_name": "Sam", "family_name": "New"}},
        format="json",
    ).json()
    assert fresh["status"] == "received" and fresh["already_supported"] is False


def test_volunteer_referral_joins_but_volunteer_is_told_nothing_of_the_case(
    client_for, volunteer, open_case
):
    response = client_for(volunteer).post(
        reverse("referrals:community_referral_create"),
        {**form_data(), "on_behalf": "self", "referring_asset": "", "organisation_name": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    new = Referral.objects.get(joined_case=open_case)
    assert new.status == ReferralStatus.JOINED_CASE
    page = client_for(volunteer).get(response["Location"]).content.decode()
    # The same answer as for any referral: nothing says the person was already known.
    assert "already being supported" not in page
    assert "will contact them" in page


def test_self_referral_says_nothing_and_opens_no_second_case_on_the_record(client, open_case):
    response = client.post(
        reverse("referrals:self_referral"),
        {**form_data(), "email": "", "website": ""},
    )
    assert response.status_code == 302
    done = client.get(response["Location"]).content.decode()
    assert "already" not in done.lower()
    # The public never attaches to a record: the existing case is untouched.
    assert _open_count(open_case.person) == 1
    assert not Referral.objects.filter(joined_case=open_case).exists()


def test_joined_status_is_final(open_case, link_worker):
    from referrals.services.status import referral_allowed_statuses

    joined = ReferralFactory(
        person=open_case.person, status=ReferralStatus.JOINED_CASE, joined_case=open_case
    )
    assert referral_allowed_statuses(referral=joined) == ()


def test_database_refuses_joined_referral_without_end_date(open_case):
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=open_case.pk).update(status=ReferralStatus.JOINED_CASE)


def test_practice_referral_list_query_count_does_not_grow_with_joined_referrals(
    client_for, practice_staff, open_case, django_assert_max_num_queries
):
    client = client_for(practice_staff)
    url = reverse("referrals:practice_referrals")
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for _ in range(5):
        ReferralFactory(
            person=open_case.person, status=ReferralStatus.JOINED_CASE, joined_case=open_case
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_confirming_a_possible_match_joins_the_matched_persons_open_case(
    client_for, link_worker, open_case, practice_a, mailoutbox, django_capture_on_commit_callbacks
):
    """A self-referral matched to someone supported: once a link worker confirms it is them,
    it is added to their open case rather than opening a second one."""
    response = Client().post(
        reverse("referrals:self_referral"),
        {**form_data(nhs_number=""), "email": "", "website": "", "practice": str(practice_a.pk)},
    )
    assert response.status_code == 302
    asked = Referral.objects.exclude(person=open_case.person).get()
    assert asked.possible_match == open_case.person
    with django_capture_on_commit_callbacks(execute=True):
        client_for(link_worker).post(
            reverse("referrals:possible_match", args=[asked.pk]), {"decision": "confirm"}
        )
    asked.refresh_from_db()
    assert asked.person == open_case.person
    assert asked.status == ReferralStatus.JOINED_CASE and asked.joined_case == open_case
    assert asked.closed_on is not None
    assert _open_count(open_case.person) == 1
    assert any(f"open case {open_case.pk}" in m.subject for m in mailoutbox)

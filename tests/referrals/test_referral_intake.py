"""The intake service every referral route calls: its three results, each route, a closed
route, the practice scope, and the API going through it. Also the link worker's notice, sent
once however often its task runs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from referrals.models import ClosedRouteEnquiry, Person, Referral, Source
from referrals.services import intake as intake_service
from referrals.services.intake import (
    CandidatesToConfirm,
    EnquiryKept,
    ReferralDetails,
    ReferralMade,
    referral_intake,
    referral_notify_link_worker,
)
from referrals.services.matching import CREATE_NEW, Matching, PersonDetails
from referrals.tasks import referral_notify_link_worker_task
from tests.assets.factories import AssetFactory
from tests.referrals.factories import PersonFactory, ReferralFactory

pytestmark = pytest.mark.django_db

NHS = "9434765919"
DOB = dt.date(1960, 5, 17)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def who(**kw) -> PersonDetails:
    base = {"given_name": "Jo", "family_name": "Bloggs", "date_of_birth": DOB, "postcode": "M1 1AE"}
    base.update(kw)
    return PersonDetails(**base)


def intake(
    *,
    route: str,
    by=None,
    person: PersonDetails | None = None,
    matching: Matching = Matching.AUTOMATIC,
    choice: str = "",
    **referral,
):
    referral.setdefault("consent_confirmed", True)
    return referral_intake(
        route=route,
        person=person or who(),
        referral=ReferralDetails(**referral),
        by=by,
        matching=matching,
        choice=choice,
        enquiry_data={"given_name": (person or who()).given_name},
    )


# --- the three results -----------------------------------------------------------------------


def test_a_new_person_is_recorded_and_referred(link_worker, practice_a):
    result = intake(route=Source.SELF, person=who(practice=practice_a), reason="Lonely")
    assert isinstance(result, ReferralMade)
    referral = Referral.objects.get()
    assert result.referral == referral
    assert referral.source == Source.SELF and referral.reason == "Lonely"
    assert referral.person.given_name == "Jo" and referral.link_worker == link_worker


def test_likely_duplicates_are_offered_when_the_route_confirms(practice_staff, practice_a):
    existing = PersonFactory(practice=practice_a, given_name="Jo", family_name="Bloggs")
    result = intake(route="", by=practice_staff, matching=Matching.CONFIRM)
    assert isinstance(result, CandidatesToConfirm)
    assert result.candidates == [existing]
    assert Referral.objects.count() == 0 and Person.objects.count() == 1


def test_the_confirmed_candidate_or_a_new_record_is_used(practice_staff, practice_a):
    existing = PersonFactory(practice=practice_a, given_name="Jo", family_name="Bloggs")
    chosen = intake(route="", by=practice_staff, matching=Matching.CONFIRM, choice=str(existing.pk))
    assert isinstance(chosen, ReferralMade) and chosen.referral.person == existing
    new = intake(route="", by=practice_staff, matching=Matching.CONFIRM, choice=CREATE_NEW)
    assert isinstance(new, ReferralMade) and new.referral.person != existing
    assert Person.objects.count() == 2


def test_automatic_matching_never_offers_candidates(volunteer):
    PersonFactory(practice=None, given_name="Jo", family_name="Bloggs", postcode="LS1 4AP")
    result = intake(route=Source.COMMUNITY, by=volunteer)
    assert isinstance(result, ReferralMade)
    assert Person.objects.count() == 2


@pytest.mark.parametrize("route", Source.values)
def test_a_closed_route_keeps_an_enquiry_and_saves_no_one(settings, admin_user, route):
    settings.REFERRAL_ROUTES_OPEN = [r for r in Source.values if r != route]
    result = intake(route=route, by=admin_user, person=who(nhs_number=NHS))
    assert isinstance(result, EnquiryKept)
    enquiry = ClosedRouteEnquiry.objects.get()
    assert result.enquiry == enquiry
    assert enquiry.route == route and enquiry.data == {"given_name": "Jo"}
    assert enquiry.submitted_by == admin_user
    assert Person.objects.count() == 0 and Referral.objects.count() == 0


def test_invalid_details_raise_and_save_nothing():
    with pytest.raises(ValidationError) as exc:
        intake(route=Source.SELF, person=who(nhs_number="9434765918"))
    assert "nhs_number" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        intake(route=Source.SELF, consent_confirmed=False)
    assert "consent_confirmed" in exc.value.message_dict
    assert Person.objects.count() == 0 and Referral.objects.count() == 0


# --- each route ------------------------------------------------------------------------------


def test_gp_route_refers_for_the_practice(practice_staff, practice_a, link_worker):
    result = intake(route="", by=practice_staff, matching=Matching.CONFIRM)
    referral = result.referral
    assert referral.source == Source.GP
    assert referral.referring_practice == practice_a and referral.person.practice == practice_a
    assert referral.referrer_organisation == practice_a.name
    assert referral.referred_by == practice_staff and referral.link_worker == link_worker


def test_practice_staff_route_for_a_receptionist(other_practice_staff, practice_b):
    referral = intake(route="", by=other_practice_staff, matching=Matching.CONFIRM).referral
    assert referral.source == Source.PRACTICE_STAFF
    assert referral.referring_practice == practice_b


def test_self_route_has_no_referrer():
    referral = intake(route=Source.SELF).referral
    assert referral.source == Source.SELF and referral.referred_by is None


def test_community_route_on_behalf_of_a_group(volunteer):
    group = AssetFactory(name="Canal walkers")
    referral = intake(
        route=Source.COMMUNITY, by=volunteer, referring_asset=group, referrer_organisation="Canal"
    ).referral
    assert referral.source == Source.COMMUNITY
    assert referral.referring_asset == group and referral.referred_by == volunteer


def test_other_service_route_recorded_by_a_link_worker(link_worker):
    referral = intake(
        route=Source.OTHER,
        by=link_worker,
        matching=Matching.CONFIRM,
        referrer_name="Dr Kay",
        referrer_organisation="Housing Trust",
    ).referral
    assert referral.source == Source.OTHER
    assert (referral.referrer_name, referral.referrer_organisation) == ("Dr Kay", "Housing Trust")


def test_every_route_meets_on_one_record(practice_staff, volunteer, link_worker):
    first = intake(route="", by=practice_staff, person=who(nhs_number=NHS)).referral
    intake(route=Source.COMMUNITY, by=volunteer, person=who(given_name="Joanne", nhs_number=NHS))
    intake(
        route=Source.OTHER, by=link_worker, matching=Matching.CONFIRM, person=who(nhs_number=NHS)
    )
    assert Person.objects.count() == 1 and Referral.objects.count() == 3
    # The public's word attaches to no one, whatever matching the caller asks for: it is a
    # possible match for a link worker.
    asked = intake(route=Source.SELF, matching=Matching.AUTOMATIC).referral
    assert asked.person != first.person and asked.possible_match == first.person


# --- practice scope --------------------------------------------------------------------------


def test_practice_staff_refer_only_for_their_own_practice(practice_staff, practice_b):
    with pytest.raises(ValidationError) as exc:
        intake(route="", by=practice_staff, referring_practice=practice_b)
    assert "referring_practice" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        intake(route="", by=practice_staff, person=who(practice=practice_b))
    assert "referring_practice" in exc.value.message_dict
    assert Referral.objects.count() == 0


def test_practice_staff_refer_only_as_gp_or_practice_staff(practice_staff):
    with pytest.raises(ValidationError) as exc:
        intake(route=Source.SELF, by=practice_staff)
    assert "source" in exc.value.message_dict


def test_practice_staff_without_a_practice_may_not_refer(practice_staff):
    practice_staff.practice = None  # the database refuses this; the service does too
    with pytest.raises(PermissionDenied):
        intake(route="", by=practice_staff)


def test_everyone_else_names_the_route(admin_user, practice_a):
    with pytest.raises(ValidationError) as exc:
        intake(route="", by=admin_user)
    assert "source" in exc.value.message_dict
    referral = intake(
        route=Source.OTHER, by=admin_user, person=who(practice=practice_a), referring_practice=None
    ).referral
    assert referral.person.practice == practice_a and referral.referring_practice is None


# --- the API ---------------------------------------------------------------------------------


def test_the_api_is_one_call_to_the_intake_service(monkeypatch, practice_staff, practice_a):
    calls = []

    def spy(**kwargs):
        calls.append(kwargs)
        return referral_intake(**kwargs)

    monkeypatch.setattr("referrals.api.referral_intake", spy)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=practice_staff).key}")
    body = {
        "person": {"given_name": "Jo", "date_of_birth": "1960-05-17", "nhs_number": NHS},
        "reason": "Isolated",
        "consent_confirmed": True,
    }
    response = client.post(reverse("api_referral_create"), body, format="json")
    assert response.status_code == 201
    assert len(calls) == 1
    assert calls[0]["matching"] == Matching.AUTOMATIC and calls[0]["route"] == ""
    assert calls[0]["by"] == practice_staff
    assert Referral.objects.get().referring_practice == practice_a


def test_api_path_matches_automatically_on_nhs_number(practice_staff, practice_a):
    existing = PersonFactory(practice=practice_a, nhs_number=NHS, given_name="Joanne")
    PersonFactory(practice=practice_a, given_name="Jo", family_name="Bloggs")
    result = intake(route="", by=practice_staff, person=who(nhs_number=NHS))
    assert isinstance(result, ReferralMade) and result.referral.person == existing


# --- the link worker's notice ----------------------------------------------------------------


def test_running_the_notify_task_twice_sends_one_email(practice_a, link_worker, mailoutbox):
    referral = ReferralFactory(person=PersonFactory(practice=practice_a), link_worker=link_worker)
    referral_notify_link_worker_task.delay(referral_id=referral.pk)
    referral_notify_link_worker_task.delay(referral_id=referral.pk)
    assert len(mailoutbox) == 1
    referral.refresh_from_db()
    assert referral.notified_at is not None


def test_a_failed_send_releases_the_claim_for_the_retry(
    monkeypatch, practice_a, link_worker, mailoutbox
):
    referral = ReferralFactory(person=PersonFactory(practice=practice_a), link_worker=link_worker)

    def down(**kwargs):
        raise OSError("mail server unreachable")

    monkeypatch.setattr(intake_service, "send_mail", down)
    with pytest.raises(OSError):
        referral_notify_link_worker(referral_id=referral.pk)
    referral.refresh_from_db()
    assert referral.notified_at is None
    monkeypatch.undo()
    assert referral_notify_link_worker(referral_id=referral.pk) is True
    assert len(mailoutbox) == 1


def test_the_notify_task_retries_with_backoff_and_a_time_limit():
    task = referral_notify_link_worker_task
    assert OSError in task.autoretry_for
    assert task.retry_backoff and task.max_retries
    assert task.time_limit and task.soft_time_limit

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from referrals.models import (
    ClosedRouteEnquiry,
    Person,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    Source,
)
from referrals.selectors.intake import community_referrals_for
from referrals.services.enquiries import (
    closed_route_enquiry_create,
    closed_route_enquiry_mark_handled,
)
from referrals.services.intake import (
    EnquiryKept,
    ReferralDetails,
    referral_create,
    referral_intake,
    referral_notify_link_worker,
    self_referral_rate_limited,
)
from referrals.services.matching import (
    CREATE_NEW,
    Matching,
    PersonDetails,
    PersonResolution,
    person_find_matches,
    person_match_auto,
    person_resolve,
)
from referrals.services.people import person_create, person_fill_blanks
from socialrx.models import AuditLog
from tests.referrals.factories import PersonFactory as _PersonFactory
from tests.referrals.factories import ReferralFactory
from tests.socialrx.factories import LinkWorkerFactory, TeamFactory

NHS = "9434765919"
OTHER_NHS = "9434765927"
DOB = dt.date(1960, 5, 17)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def PersonFactory(**kw) -> Person:
    # The shared factory derives the team from ``practice``, so it must always be given.
    kw.setdefault("practice", None)
    return _PersonFactory(**kw)


def details(**kw) -> PersonDetails:
    base = {
        "given_name": "Jo",
        "family_name": "Bloggs",
        "date_of_birth": DOB,
        "postcode": "M1 1AE",
    }
    base.update(kw)
    return PersonDetails(**base)


def made(*, details: PersonDetails, route: str, by=None) -> Referral:
    """A referral through the intake service on a route that matches automatically."""
    result = referral_intake(
        route=route,
        person=details,
        referral=ReferralDetails(consent_confirmed=True),
        by=by,
        matching=Matching.AUTOMATIC,
        enquiry_data={},
    )
    return result.referral


# --- matching ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_same_nhs_number_is_the_record_whatever_the_name():
    existing = PersonFactory(nhs_number=NHS, given_name="Joanne", family_name="Smith")
    found = person_find_matches(
        nhs_number="943 476 5919", given_name="Jo", family_name="Bloggs", date_of_birth=None
    )
    assert found.person == existing
    assert not found.needs_choice


@pytest.mark.django_db
def test_same_name_and_birth_date_is_a_likely_duplicate_with_same_postcode_first():
    elsewhere = PersonFactory(given_name="Jo", family_name="Bloggs", postcode="LS1 4AP")
    here = PersonFactory(given_name="jo", family_name="BLOGGS", postcode="M11AE")
    PersonFactory(given_name="Jo", family_name="Bloggs", date_of_birth=dt.date(1961, 1, 1))
    found = person_find_matches(
        given_name="Jo", family_name="Bloggs", date_of_birth=DOB, postcode="m1 1ae"
    )
    assert found.person is None
    assert found.needs_choice
    assert found.candidates == [here, elsewhere]


@pytest.mark.django_db
def test_someone_with_a_different_nhs_number_is_not_a_duplicate():
    PersonFactory(given_name="Jo", family_name="Bloggs", nhs_number=OTHER_NHS)
    found = person_find_matches(
        nhs_number=NHS, given_name="Jo", family_name="Bloggs", date_of_birth=DOB
    )
    assert found.person is None
    assert found.candidates == []


@pytest.mark.django_db
def test_invalid_nhs_number_is_refused():
    with pytest.raises(ValidationError) as exc:
        person_find_matches(nhs_number="9434765918", given_name="Jo", date_of_birth=DOB)
    assert "nhs_number" in exc.value.message_dict


@pytest.mark.django_db
def test_resolve_uses_the_chosen_candidate_or_creates_new_or_asks_again():
    candidate = PersonFactory(given_name="Jo", family_name="Bloggs")
    assert person_resolve(details=details(), choice=str(candidate.pk)).person == candidate
    new = person_resolve(details=details(), choice=CREATE_NEW)
    assert new.person is None and not new.needs_choice
    unrelated = PersonFactory(given_name="Someone", family_name="Else")
    again = person_resolve(details=details(), choice=str(unrelated.pk))
    assert again.needs_choice and again.candidates == [candidate]


@pytest.mark.django_db
def test_auto_match_needs_name_birth_date_and_postcode():
    match = PersonFactory(given_name="Jo", family_name="Bloggs", postcode="M1 1AE")
    assert person_match_auto(details=details()) == match
    assert person_match_auto(details=details(postcode="LS1 4AP")) is None
    assert person_match_auto(details=details(date_of_birth=None)) is None


@pytest.mark.django_db
def test_auto_match_never_guesses_between_two_candidates():
    PersonFactory(given_name="Jo", family_name="Bloggs", postcode="M1 1AE")
    PersonFactory(given_name="Jo", family_name="Bloggs", postcode="M1 1AE")
    assert person_match_auto(details=details()) is None


# --- people --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_person_create_sets_team_and_named_link_worker_and_audits(
    practice_a, team_a, link_worker, practice_staff
):
    person = person_create(details=details(nhs_number=NHS, practice=practice_a), by=practice_staff)
    assert person.team == team_a
    assert person.link_worker == link_worker
    assert person.nhs_number == NHS and person.patient_key
    assert AuditLog.objects.filter(
        action="create", object_type="referrals.person", person_id=person.pk, user=practice_staff
    ).exists()


@pytest.mark.django_db
def test_person_create_refuses_a_second_record_for_an_nhs_number(practice_a):
    PersonFactory(nhs_number=NHS)
    with pytest.raises(ValidationError):
        person_create(details=details(nhs_number=NHS), by=None)
    assert Person.objects.count() == 1


@pytest.mark.django_db
def test_fill_blanks_adds_missing_details_and_keeps_existing_ones(practice_a):
    person = PersonFactory(given_name="Jo", family_name="Bloggs", phone="0161 000 0000")
    person_fill_blanks(
        person=person,
        details=details(nhs_number=NHS, phone="07700 900000", practice=practice_a),
        by=None,
    )
    person.refresh_from_db()
    assert person.nhs_number == NHS
    assert person.phone == "0161 000 0000"
    assert person.practice == practice_a


# --- referrals -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_referral_create_assigns_records_history_and_emails_link_worker(
    practice_a, team_a, link_worker, practice_staff, django_capture_on_commit_callbacks, mailoutbox
):
    person = PersonFactory(practice=practice_a)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        referral = referral_create(
            person=person,
            source=Source.GP,
            by=practice_staff,
            consent_confirmed=True,
            reason="Lonely",
            referring_practice=practice_a,
        )
    assert len(callbacks) == 1
    assert referral.team == team_a and referral.link_worker == link_worker
    person.refresh_from_db()
    assert person.link_worker == link_worker
    change = ReferralStatusChange.objects.get(referral=referral)
    assert (change.from_status, change.to_status, change.by) == (
        "",
        ReferralStatus.RECEIVED,
        practice_staff,
    )
    assert AuditLog.objects.filter(
        action="create", object_type="referrals.referral", object_id=str(referral.pk)
    ).exists()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [link_worker.email]
    assert f"referral {referral.pk} is on your caseload" in message.body
    # No personal data in the email.
    assert person.given_name not in message.body and person.family_name not in message.body


@pytest.mark.django_db
def test_notification_is_sent_once_even_if_the_task_runs_twice(practice_a, link_worker, mailoutbox):
    referral = ReferralFactory(person=PersonFactory(practice=practice_a), link_worker=link_worker)
    assert referral_notify_link_worker(referral_id=referral.pk) is True
    assert referral_notify_link_worker(referral_id=referral.pk) is False
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_referral_bumps_last_activity(practice_a, link_worker):
    person = PersonFactory(practice=practice_a)
    Person.objects.filter(pk=person.pk).update(
        last_activity_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    referral_create(person=person, source=Source.SELF, by=None, consent_confirmed=True)
    person.refresh_from_db()
    assert person.last_activity_at.year > 2020


@pytest.mark.django_db
def test_referral_needs_consent(practice_a):
    person = PersonFactory(practice=practice_a)
    with pytest.raises(ValidationError) as exc:
        referral_create(person=person, source=Source.GP, by=None, consent_confirmed=False)
    assert "consent_confirmed" in exc.value.message_dict
    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_closed_route_refuses_referral(settings, practice_a):
    settings.REFERRAL_ROUTES_OPEN = ["gp"]
    result = referral_intake(
        route=Source.SELF,
        person=details(practice=practice_a),
        referral=ReferralDetails(consent_confirmed=True),
        by=None,
        matching=Matching.AUTOMATIC,
        enquiry_data={"given_name": "Jo"},
    )
    assert isinstance(result, EnquiryKept)
    assert Person.objects.count() == 0 and Referral.objects.count() == 0


@pytest.mark.django_db
def test_closed_route_enquiry_keeps_data_and_is_handled_once(admin_user, commissioner):
    enquiry = closed_route_enquiry_create(
        route=Source.SELF,
        data={"given_name": "Jo", "date_of_birth": DOB, "practice": None},
        by=None,
    )
    assert ClosedRouteEnquiry.objects.get().data == {
        "given_name": "Jo",
        "date_of_birth": "1960-05-17",
        "practice": None,
    }
    closed_route_enquiry_mark_handled(enquiry=enquiry, by=admin_user)
    closed_route_enquiry_mark_handled(enquiry=enquiry, by=commissioner)
    enquiry.refresh_from_db()
    assert enquiry.handled and enquiry.handled_by == admin_user


@pytest.mark.django_db
def test_referrals_from_every_route_meet_on_one_record(practice_a, link_worker, volunteer):
    gp = made(details=details(nhs_number=NHS, practice=practice_a), route=Source.GP)
    self_ref = made(details=details(), route=Source.SELF)
    community = made(
        details=details(nhs_number="943 476 5919", given_name="Joanne"),
        route=Source.COMMUNITY,
        by=volunteer,
    )
    assert {gp.person_id, community.person_id} == {gp.person_id}
    # The self-referral is a possible match of that record, not attached to it.
    assert self_ref.person_id != gp.person_id and self_ref.possible_match_id == gp.person_id
    assert Person.objects.count() == 2
    assert Referral.objects.get(pk=self_ref.pk).link_worker == link_worker


@pytest.mark.django_db
def test_person_without_practice_goes_to_default_team(settings):
    default = TeamFactory(code="unregistered")
    worker = LinkWorkerFactory(team=default)
    settings.DEFAULT_TEAM_CODE = "unregistered"
    referral = made(details=details(), route=Source.SELF)
    assert referral.team == default and referral.person.team == default
    assert referral.link_worker == worker


@pytest.mark.django_db
def test_community_referrals_for_lists_only_the_volunteers_own(volunteer, commissioner):
    mine = ReferralFactory(person=PersonFactory(), source=Source.COMMUNITY, referred_by=volunteer)
    ReferralFactory(person=PersonFactory(), source=Source.COMMUNITY, referred_by=commissioner)
    ReferralFactory(person=PersonFactory(), source=Source.GP, referred_by=volunteer)
    assert list(community_referrals_for(user=volunteer)) == [mine]


def test_rate_limit_counts_per_address(settings):
    settings.SELF_REFERRAL_RATE_LIMIT = 2
    assert not self_referral_rate_limited(client_address="10.0.0.1")
    assert not self_referral_rate_limited(client_address="10.0.0.1")
    assert self_referral_rate_limited(client_address="10.0.0.1")
    assert not self_referral_rate_limited(client_address="10.0.0.2")
    # The address itself is never a cache key.
    assert cache.get("self-referral-rate:10.0.0.1") is None


@pytest.mark.django_db
def test_concurrent_intake_with_same_nhs_number_meets_on_one_record(practice_a, monkeypatch):
    # The matching step found no one; another request then recorded the same NHS number.
    monkeypatch.setattr("referrals.services.intake.person_match", lambda **kw: PersonResolution())
    existing = PersonFactory(nhs_number=NHS, given_name="Jo", family_name="Bloggs")
    referral = made(details=details(nhs_number=NHS, practice=practice_a), route=Source.GP)
    assert Person.objects.count() == 1
    assert referral.person == existing


@pytest.mark.django_db
def test_invalid_details_are_still_refused_on_create():
    with pytest.raises(ValidationError):
        made(details=details(given_name=""), route=Source.SELF)
    assert Person.objects.count() == 0

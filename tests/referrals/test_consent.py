"""Consent per purpose: recorded on every intake route with who and when, kept as history,
changed by the person's own link worker only, and respected when connecting someone to a
group."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from referrals.models import Connection, Consent, ConsentPurpose, ConsentSource, Person
from referrals.selectors.consent import (
    consent_current,
    consent_given,
    people_declined_figures,
)
from referrals.services.connections import connection_make
from referrals.services.consent import consent_change, consent_record
from socialrx.models import AuditLog
from tests.referrals.factories import ConsentFactory, PersonFactory, ReferralFactory
from tests.socialrx.factories import AdminFactory

pytestmark = pytest.mark.django_db

P = ConsentPurpose
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


# The message channels are asked in a conversation (docs/casework.md, "Messages to people").
CHANNELS_NOT_ASKED = {P.SMS: None, P.EMAIL: None, P.LETTER: None}


def current_answers(person: Person) -> dict[str, bool | None]:
    return {k: (v.given if v else None) for k, v in consent_current(person=person).items()}


# --- the record: history, current answer, audit ---------------------------------------------


def test_each_change_is_a_new_row_and_the_latest_is_current(person, link_worker):
    consent_record(
        person=person,
        answers={P.CONTACT: True, P.SHARE_WITH_GROUP: True},
        by=link_worker,
        source=ConsentSource.REFERRAL_FORM,
    )
    consent_change(person=person, answers={P.SHARE_WITH_GROUP: False}, by=link_worker)

    rows = list(Consent.objects.filter(person=person, purpose=P.SHARE_WITH_GROUP))
    assert [r.given for r in rows] == [True, False]
    assert [r.source for r in rows] == [ConsentSource.REFERRAL_FORM, ConsentSource.CONVERSATION]
    assert all(r.recorded_by == link_worker and r.recorded_at for r in rows)
    assert current_answers(person) == {
        P.CONTACT: True,
        P.SHARE_WITH_GROUP: False,
        P.DEIDENTIFIED_FIGURES: None,  # never asked
        **CHANNELS_NOT_ASKED,
    }
    assert not consent_given(person=person, purpose=P.SHARE_WITH_GROUP)
    assert not consent_given(person=person, purpose=P.DEIDENTIFIED_FIGURES)


def test_the_same_answer_again_writes_nothing(person, link_worker):
    answers = {P.CONTACT: True, P.SHARE_WITH_GROUP: False, P.DEIDENTIFIED_FIGURES: True}
    consent_record(person=person, answers=answers, by=link_worker, source="conversation")
    assert (
        consent_record(person=person, answers=answers, by=link_worker, source="conversation") == []
    )
    assert Consent.objects.count() == 3


def test_every_row_is_audited_with_before_and_after(person, link_worker):
    consent_change(person=person, answers={P.DEIDENTIFIED_FIGURES: True}, by=link_worker)
    consent_change(person=person, answers={P.DEIDENTIFIED_FIGURES: False}, by=link_worker)
    entries = AuditLog.objects.filter(object_type="referrals.consent").order_by("id")
    assert [e.changes for e in entries] == [{"given": [None, True]}, {"given": [True, False]}]
    assert all(e.person_id == person.pk and e.user == link_worker for e in entries)
    assert "deidentified_figures" in entries[0].detail


def test_declined_figures_means_the_latest_answer_is_no(person, other_person, link_worker):
    ConsentFactory(person=person, purpose=P.DEIDENTIFIED_FIGURES, given=False)
    ConsentFactory(
        person=other_person,
        purpose=P.DEIDENTIFIED_FIGURES,
        given=False,
        recorded_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    ConsentFactory(person=other_person, purpose=P.DEIDENTIFIED_FIGURES, given=True)
    PersonFactory()  # never asked: not a refusal
    assert list(people_declined_figures()) == [person]


def test_unknown_purpose_or_source_is_refused(person, link_worker):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        consent_record(person=person, answers={"marketing": True}, by=link_worker, source="import")
    with pytest.raises(ValidationError):
        consent_record(person=person, answers={P.CONTACT: True}, by=link_worker, source="fax")
    assert not Consent.objects.exists()


def test_service_refuses_a_link_worker_of_another_team(person, other_link_worker):
    with pytest.raises(PermissionDenied):
        consent_change(person=person, answers={P.CONTACT: True}, by=other_link_worker)
    assert not Consent.objects.exists()


# --- intake routes ---------------------------------------------------------------------------


def _person_fields(**kw):
    data = {
        "given_name": "Jo",
        "family_name": "Bloggs",
        "date_of_birth": "1960-05-17",
        "nhs_number": "",
        "postcode": "M1 1AE",
        "phone": "07700 900123",
        "email": "",
        "practice": "",
        "communication_needs": "",
        "reason": "Lonely since her husband died.",
        "consent_confirmed": "on",
        "consent_share_with_group": "no",
        "consent_deidentified_figures": "yes",
    }
    data.update(kw)
    return data


def test_practice_referral_records_each_purpose_with_who_and_when(client_for, practice_staff):
    response = client_for(practice_staff).post(
        reverse("referrals:practice_referral_create"), _person_fields()
    )
    assert response.status_code == 302
    person = Person.objects.get()
    rows = {c.purpose: c for c in Consent.objects.filter(person=person)}
    assert {p: r.given for p, r in rows.items()} == {
        P.CONTACT: True,
        P.SHARE_WITH_GROUP: False,
        P.DEIDENTIFIED_FIGURES: True,
    }
    assert {r.recorded_by for r in rows.values()} == {practice_staff}
    assert {r.source for r in rows.values()} == {ConsentSource.REFERRAL_FORM}
    assert {r.referral_id for r in rows.values()} == {person.referrals.get().pk}


def test_self_referral_is_recorded_as_the_persons_own_answer(anon_client):
    response = anon_client.post(
        reverse("referrals:self_referral"),
        _person_fields(consent_share_with_group="yes", consent_deidentified_figures="no"),
    )
    assert response.status_code == 302
    rows = {c.purpose: c for c in Consent.objects.all()}
    assert {p: r.given for p, r in rows.items()} == {
        P.CONTACT: True,
        P.SHARE_WITH_GROUP: True,
        P.DEIDENTIFIED_FIGURES: False,
    }
    assert {r.recorded_by for r in rows.values()} == {None}
    assert {r.source for r in rows.values()} == {ConsentSource.SELF_REFERRAL}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"consent_confirmed": ""}, "Tick the box to agree that a link worker may contact you"),
        (
            {"consent_share_with_group": ""},
            "Choose yes if we may share your details with a group, or no",
        ),
        (
            {"consent_deidentified_figures": "perhaps"},
            "Choose yes if we may use your information in figures, or no",
        ),
    ],
)
def test_self_referral_needs_an_answer_for_each_purpose(anon_client, changes, message):
    response = anon_client.post(reverse("referrals:self_referral"), _person_fields(**changes))
    content = response.content.decode()
    assert response.status_code == 200
    assert "nhsuk-error-summary" in content and message in content
    assert not Person.objects.exists() and not Consent.objects.exists()


def test_self_referral_form_explains_each_purpose(anon_client):
    content = anon_client.get(reverse("referrals:self_referral")).content.decode()
    assert "I agree that a link worker may contact me" in content
    assert "a group&#x27;s organisers or volunteers" in content
    assert "figures that do not identify you" in content
    assert 'id="id_consent_share_with_group-hint"' in content


def test_community_referral_records_consent_by_the_volunteer(client_for, volunteer):
    data = _person_fields(on_behalf="self", referring_asset="", organisation_name="")
    response = client_for(volunteer).post(reverse("referrals:community_referral_create"), data)
    assert response.status_code == 302
    rows = Consent.objects.all()
    assert {r.recorded_by for r in rows} == {volunteer}
    assert current_answers(Person.objects.get())[P.SHARE_WITH_GROUP] is False


def test_link_worker_recording_another_service_records_consent(client_for, link_worker):
    data = _person_fields(
        source="other", referrer_name="Dr Kay", referrer_organisation="CMHT", referrer_email=""
    )
    response = client_for(link_worker).post(reverse("referrals:other_referral_create"), data)
    assert response.status_code == 302
    assert {r.recorded_by for r in Consent.objects.all()} == {link_worker}
    assert Consent.objects.count() == 3


def test_a_second_referral_with_the_same_answers_adds_no_rows(client_for, practice_staff):
    url = reverse("referrals:practice_referral_create")
    data = _person_fields(nhs_number="943 476 5919")
    client_for(practice_staff).post(url, data)
    client_for(practice_staff).post(url, _person_fields(nhs_number="943 476 5919"))
    assert Person.objects.get().referrals.count() == 2
    assert Consent.objects.count() == 3


def _api(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _payload(**kw):
    data = {
        "person": {"given_name": "Jo", "family_name": "Bloggs", "postcode": "m1 1ae"},
        "reason": "Isolated",
        "consent_confirmed": True,
    }
    data.update(kw)
    return data


def test_api_records_the_purposes_it_is_given_and_leaves_the_rest_not_asked(practice_staff):
    response = _api(practice_staff).post(
        reverse("api_referral_create"), _payload(consent_deidentified_figures=False), format="json"
    )
    assert response.status_code == 201, response.json()
    assert current_answers(Person.objects.get()) == {
        P.CONTACT: True,
        P.SHARE_WITH_GROUP: None,
        P.DEIDENTIFIED_FIGURES: False,
        **CHANNELS_NOT_ASKED,
    }


def test_api_refuses_a_consent_that_is_not_yes_or_no(practice_staff):
    response = _api(practice_staff).post(
        reverse("api_referral_create"), _payload(consent_share_with_group="maybe"), format="json"
    )
    assert response.status_code == 400
    assert "consent_share_with_group" in response.json()["error"]["fields"]
    assert not Person.objects.exists() and not Consent.objects.exists()


# --- the person page and the consent page ----------------------------------------------------


def consent_url(person: Person) -> str:
    return reverse("referrals:person_consent", args=[person.pk])


def test_person_page_shows_each_answer_and_warns_without_contact(client_for, link_worker, person):
    ConsentFactory(person=person, purpose=P.SHARE_WITH_GROUP, given=False, recorded_by=link_worker)
    content = client_for(link_worker).get(reverse("referrals:person", args=[person.pk])).content
    page = content.decode()
    assert 'id="consent-summary"' in page
    assert "No agreement to contact recorded" in page
    assert "Not asked" in page and "recorded by Anna Link" in page
    ConsentFactory(person=person, purpose=P.CONTACT, given=True)
    page = client_for(link_worker).get(reverse("referrals:person", args=[person.pk])).content
    assert b'id="no-contact-consent"' not in page


def test_team_link_worker_changes_consent_and_it_is_audited(client_for, link_worker, person):
    ConsentFactory(person=person, purpose=P.CONTACT, given=True)
    client = client_for(link_worker)
    assert client.get(consent_url(person)).status_code == 200
    response = client.post(
        consent_url(person),
        {"contact": "yes", "share_with_group": "no", "deidentified_figures": ""},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#consent")
    row = Consent.objects.get(purpose=P.SHARE_WITH_GROUP)
    assert (row.given, row.recorded_by, row.source) == (False, link_worker, "conversation")
    # Contact was already yes and figures was left unanswered: no new rows for them.
    assert Consent.objects.count() == 2
    assert AuditLog.objects.filter(object_type="referrals.consent", user=link_worker).count() == 1
    history = client.get(consent_url(person)).content.decode()
    assert "Anna Link" in history and "Conversation with the link worker" in history


def test_administrator_may_change_consent(client_for, admin_user, person):
    response = client_for(admin_user).post(consent_url(person), {"deidentified_figures": "no"})
    assert response.status_code == 302
    assert Consent.objects.get().recorded_by == admin_user


@pytest.mark.parametrize(
    "persona", ["other_link_worker", "practice_staff", "volunteer", "commissioner"]
)
def test_others_may_not_see_or_change_consent(request, client_for, person, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(consent_url(person)).status_code == 404
    response = client.post(consent_url(person), {"contact": "no", "share_with_group": "yes"})
    assert response.status_code == 404
    assert not Consent.objects.exists()


def test_anonymous_visitor_is_sent_to_log_in(anon_client, person):
    response = anon_client.post(consent_url(person), {"contact": "no"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Consent.objects.exists()


def test_bad_answer_shows_an_error_and_changes_nothing(client_for, link_worker, person):
    response = client_for(link_worker).post(
        consent_url(person), {"contact": "no", "share_with_group": "perhaps"}
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "nhsuk-error-summary" in content and "Choose yes or no" in content
    assert not Consent.objects.exists()


def test_nothing_answered_changes_nothing_and_says_so(client_for, link_worker, person):
    response = client_for(link_worker).post(consent_url(person), {}, follow=True)
    assert "Nothing was changed." in response.content.decode()
    assert not Consent.objects.exists()


# --- sharing with a group, when connecting ---------------------------------------------------


def test_connection_without_sharing_consent_is_made_but_shares_no_details(
    person, asset, link_worker
):
    ConsentFactory(person=person, purpose=P.SHARE_WITH_GROUP, given=False)
    connection = connection_make(
        person=person, asset=asset, kind="supported", made_on=TODAY, by=link_worker
    )
    assert Connection.objects.get() == connection
    assert connection.details_shared is False
    entry = AuditLog.objects.get(object_type="referrals.connection")
    assert entry.detail == "details not shared"


def test_connection_with_sharing_consent_may_share_details(person, asset, link_worker):
    ConsentFactory(person=person, purpose=P.SHARE_WITH_GROUP, given=True)
    connection = connection_make(
        person=person, asset=asset, kind="supported", made_on=TODAY, by=link_worker
    )
    assert connection.details_shared is True


def test_a_withdrawn_sharing_consent_stops_sharing(person, asset, link_worker):
    ConsentFactory(
        person=person,
        purpose=P.SHARE_WITH_GROUP,
        given=True,
        recorded_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    consent_change(person=person, answers={P.SHARE_WITH_GROUP: False}, by=link_worker)
    connection = connection_make(
        person=person, asset=asset, kind="signpost", made_on=TODAY, by=link_worker
    )
    assert connection.details_shared is False


def test_link_worker_is_told_when_details_may_not_be_shared(client_for, link_worker, person, asset):
    client = client_for(link_worker)
    url = reverse("referrals:connection_create", args=[person.pk])
    form = client.get(url, {"asset": asset.pk}).content.decode()
    assert 'id="details-not-shared"' in form
    assert "Do not tell the group who they are" in form
    response = client.post(
        url,
        {"asset": asset.pk, "kind": "supported", "made_on": TODAY.isoformat(), "notes": ""},
        follow=True,
    )
    page = response.content.decode()
    assert Connection.objects.get().details_shared is False
    assert "Do not tell the group who they are" in page
    assert "Details not shared with the group" in page


def test_no_note_when_they_agreed_to_sharing(client_for, link_worker, person, asset):
    ConsentFactory(person=person, purpose=P.SHARE_WITH_GROUP, given=True)
    url = reverse("referrals:connection_create", args=[person.pk])
    form = client_for(link_worker).get(url, {"asset": asset.pk}).content.decode()
    assert 'id="details-not-shared"' not in form


# --- carrying the old single box over -------------------------------------------------------


def test_migration_turns_the_old_box_into_contact_consent(practice_staff):
    migration = importlib.import_module("referrals.migrations.0005_consent_from_referrals")
    ticked = PersonFactory()
    first = ReferralFactory(person=ticked, consent_confirmed=True, referred_by=practice_staff)
    ReferralFactory(person=ticked, consent_confirmed=True)  # a later one: no second row
    unticked = PersonFactory()
    ReferralFactory(person=unticked, consent_confirmed=False)

    migration.consent_from_referrals(django_apps, None)
    migration.consent_from_referrals(django_apps, None)  # running twice adds nothing

    row = Consent.objects.get()
    assert (row.person, row.purpose, row.given) == (ticked, P.CONTACT, True)
    assert (row.source, row.recorded_by, row.referral) == ("import", practice_staff, first)
    assert row.recorded_at == first.created_at
    # Nobody was asked about sharing or figures: not asked, so nothing is shared and the
    # person still counts in figures.
    assert current_answers(ticked) == {
        P.CONTACT: True,
        P.SHARE_WITH_GROUP: None,
        P.DEIDENTIFIED_FIGURES: None,
        **CHANNELS_NOT_ASKED,
    }
    assert current_answers(unticked) == dict.fromkeys(P.values)

    migration.remove_carried_over(django_apps, None)
    assert not Consent.objects.exists()


def test_django_admin_shows_consent_but_cannot_change_it(client_for, person):
    ConsentFactory(person=person, purpose=P.CONTACT, given=True)
    superuser = AdminFactory(username="root", is_superuser=True)
    url = reverse("admin:referrals_person_change", args=[person.pk])
    content = client_for(superuser).get(url).content.decode()
    assert "Contact by the link worker" in content
    assert 'name="consents-0-given"' not in content
    assert 'name="consents-0-DELETE"' not in content
    # No new rows from here: the inline allows none.
    assert 'name="consents-MAX_NUM_FORMS" value="0"' in content

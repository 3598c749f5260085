"""Groups answer connections without signing in: the email to the group's keepers, the
answer page reached from it, and what the link worker sees."""

from __future__ import annotations

import pytest
from django.core import signing
from django.urls import reverse

from referrals.models import (
    Connection,
    ConnectionOutcome,
    ConsentPurpose,
    GroupAnswer,
    GroupAnswerChoice,
)
from referrals.services.connections import connection_outcome_set
from referrals.services.group_answers import (
    AUDIT_NOTE,
    GroupAnswerLinkInvalid,
    group_answer_record,
    group_answer_request_send,
    group_answer_token_make,
    group_answer_token_read,
)
from socialrx.models import AuditLog
from tests.referrals.factories import ConnectionFactory, ConsentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept_asset(asset, volunteer):
    volunteer.email = "eve@example.org"
    volunteer.save(update_fields=["email"])
    asset.maintainers.add(volunteer)
    return asset


@pytest.fixture
def sharing(person):
    return ConsentFactory(person=person, purpose=ConsentPurpose.SHARE_WITH_GROUP, given=True)


@pytest.fixture
def connection(person, kept_asset, link_worker, sharing):
    link_worker.email = "anna.link@example.nhs.uk"
    link_worker.save(update_fields=["email"])
    return ConnectionFactory(
        person=person, asset=kept_asset, made_by=link_worker, details_shared=True
    )


@pytest.fixture
def token(connection, volunteer):
    return group_answer_token_make(connection=connection, keeper=volunteer)


def _url(token: str) -> str:
    return reverse("referrals:group_answer", args=[token])


# --- the email ------------------------------------------------------------------------------


def test_connecting_emails_the_keeper_when_the_person_agreed(
    client_for, link_worker, person, kept_asset, sharing, mailoutbox
):
    response = client_for(link_worker).post(
        reverse("referrals:connection_create", args=[person.pk]),
        {"asset": kept_asset.pk, "kind": "supported", "made_on": "2026-01-05"},
        follow=True,
    )
    assert response.status_code == 200
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["eve@example.org"]
    assert "Maria" in mail.body
    assert "Quinn" not in mail.body and "Quinn" not in mail.subject
    connection = Connection.objects.get()
    token = group_answer_token_make(connection=connection, keeper=kept_asset.maintainers.get())
    assert token.split(":")[0] in mail.body
    for value in GroupAnswerChoice.values:
        assert f"?answer={value}" in mail.body
    assert "keeper was emailed" in response.content.decode()


def test_no_email_without_consent_and_the_link_worker_is_told(
    client_for, link_worker, person, kept_asset, mailoutbox
):
    ConsentFactory(person=person, purpose=ConsentPurpose.SHARE_WITH_GROUP, given=False)
    response = client_for(link_worker).post(
        reverse("referrals:connection_create", args=[person.pk]),
        {"asset": kept_asset.pk, "kind": "supported", "made_on": "2026-01-05"},
        follow=True,
    )
    assert mailoutbox == []
    assert "keeper was not emailed" in response.content.decode()


def test_not_asked_is_not_consent_for_the_email(person, kept_asset, link_worker, mailoutbox):
    connection = ConnectionFactory(person=person, asset=kept_asset, made_by=link_worker)
    assert group_answer_request_send(connection=connection) == 0
    assert mailoutbox == []


def test_a_group_without_keepers_sends_nothing(person, asset, sharing, mailoutbox):
    connection = ConnectionFactory(person=person, asset=asset)
    assert group_answer_request_send(connection=connection) == 0
    assert mailoutbox == []


# --- the token ------------------------------------------------------------------------------


def test_token_holds_ids_only(connection, volunteer, token):
    assert group_answer_token_read(token=token) == (connection.pk, volunteer.pk)
    assert "Maria" not in signing.b64_decode(token.split(":")[0].encode()).decode()


def test_token_expires(settings, token):
    settings.GROUP_ANSWER_LINK_DAYS = -1
    with pytest.raises(signing.SignatureExpired):
        group_answer_token_read(token=token)


# --- the answer page: who may, and what it shows ---------------------------------------------


def test_get_shows_the_choices_and_changes_nothing(anon_client, connection, token):
    response = anon_client.get(_url(token) + "?answer=came")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Did Maria come to Canal walking group?" in content
    assert "Quinn" not in content
    assert "Anna Link" in content and "anna.link@example.nhs.uk" in content
    assert 'value="came" checked' in content
    assert not GroupAnswer.objects.exists()
    connection.refresh_from_db()
    assert connection.outcome == ConnectionOutcome.PENDING


def test_page_reveals_no_more_than_the_first_name(anon_client, connection, token, person):
    content = anon_client.get(_url(token)).content.decode()
    for private in (person.family_name, person.communication_needs, str(person.date_of_birth)):
        assert private not in content


def test_they_came_records_the_answer_and_the_outcome_audited_without_a_user(
    anon_client, connection, token, volunteer
):
    response = anon_client.post(_url(token), {"answer": "came"})
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    row = GroupAnswer.objects.get()
    assert (row.connection, row.answer, row.keeper) == (connection, "came", volunteer)
    connection.refresh_from_db()
    assert connection.outcome == ConnectionOutcome.ATTENDED
    assert connection.outcome_changes.get().by is None
    entries = AuditLog.objects.filter(person_id=connection.person_id).exclude(action="view")
    created = [e for e in entries if "groupanswer" in e.object_type.lower()]
    assert created and all(e.user is None for e in created)
    assert all(AUDIT_NOTE in e.detail for e in created)


def test_they_came_leaves_an_outcome_the_link_worker_recorded(
    anon_client, connection, token, link_worker
):
    connection_outcome_set(connection=connection, outcome=ConnectionOutcome.MEMBER, by=link_worker)
    anon_client.post(_url(token), {"answer": "came"})
    connection.refresh_from_db()
    assert connection.outcome == ConnectionOutcome.MEMBER
    assert GroupAnswer.objects.get().answer == "came"


def test_a_follow_up_recorded_meanwhile_stands(connection, token, link_worker):
    stale = Connection.objects.get(pk=connection.pk)
    connection_outcome_set(
        connection=connection, outcome=ConnectionOutcome.DID_NOT_ATTEND, by=link_worker
    )
    # The keeper's answer arrives holding the version read before the link worker's change.
    from referrals.services import group_answers

    original = group_answers.group_answer_target
    group_answers.group_answer_target = lambda *, token: (stale, original(token=token)[1])
    try:
        group_answer_record(token=token, answer="came")
    finally:
        group_answers.group_answer_target = original
    connection.refresh_from_db()
    assert connection.outcome == ConnectionOutcome.DID_NOT_ATTEND
    assert GroupAnswer.objects.get().answer == "came"


@pytest.mark.parametrize("answer", ["not_come", "full", "not_suitable"])
def test_other_answers_are_kept_without_changing_the_outcome(
    anon_client, connection, token, answer
):
    assert anon_client.post(_url(token), {"answer": answer}).status_code == 200
    assert GroupAnswer.objects.get().answer == answer
    connection.refresh_from_db()
    assert connection.outcome == ConnectionOutcome.PENDING


@pytest.mark.parametrize("answer", ["", "attended", "<b>x</b>"])
def test_a_bad_answer_is_refused_and_changes_nothing(anon_client, connection, token, answer):
    response = anon_client.post(_url(token), {"answer": answer})
    assert response.status_code == 400
    assert "Choose what happened" in response.content.decode()
    assert not GroupAnswer.objects.exists()
    connection.refresh_from_db()
    assert connection.outcome == ConnectionOutcome.PENDING


def test_a_tampered_link_gives_a_clear_page_and_changes_nothing(anon_client, connection, token):
    for bad in (token[:-2] + "xx", "not-a-token"):
        for method in (anon_client.get, anon_client.post):
            response = method(_url(bad), {"answer": "came"})
            assert response.status_code == 400
            assert "This link does not work" in response.content.decode()
    assert not GroupAnswer.objects.exists()


def test_an_expired_link_gives_a_clear_page_and_changes_nothing(
    settings, anon_client, connection, token
):
    settings.GROUP_ANSWER_LINK_DAYS = -1
    response = anon_client.post(_url(token), {"answer": "came"})
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert "Maria" not in response.content.decode()
    assert not GroupAnswer.objects.exists()


def test_someone_who_no_longer_keeps_the_group_may_not_answer(
    anon_client, connection, token, volunteer
):
    connection.asset.maintainers.remove(volunteer)
    response = anon_client.post(_url(token), {"answer": "came"})
    assert response.status_code == 400
    assert "Maria" not in response.content.decode()
    assert not GroupAnswer.objects.exists()


def test_a_link_for_another_keeper_of_another_group_does_not_work(
    anon_client, connection, link_worker
):
    token = group_answer_token_make(connection=connection, keeper=link_worker)
    assert anon_client.get(_url(token)).status_code == 400


def test_consent_withdrawn_after_the_email_stops_the_link(anon_client, connection, token, person):
    ConsentFactory(person=person, purpose=ConsentPurpose.SHARE_WITH_GROUP, given=False)
    response = anon_client.get(_url(token))
    assert response.status_code == 400
    assert "Maria" not in response.content.decode()
    with pytest.raises(GroupAnswerLinkInvalid):
        group_answer_record(token=token, answer="came")


def test_signed_in_users_use_the_link_the_same_way(client_for, link_worker, connection, token):
    response = client_for(link_worker).post(_url(token), {"answer": "full"})
    assert response.status_code == 200
    assert GroupAnswer.objects.get().keeper != link_worker


# --- what the link worker sees --------------------------------------------------------------


def test_the_person_page_shows_the_groups_answer(client_for, link_worker, connection, token):
    group_answer_record(token=token, answer="full")
    content = (
        client_for(link_worker)
        .get(reverse("referrals:person", args=[connection.person_id]))
        .content.decode()
    )
    assert "Group&#x27;s answer:" in content or "Group's answer:" in content
    assert "We can&#x27;t take them: we are full" in content


def test_another_team_does_not_see_the_person_or_the_answer(
    client_for, other_link_worker, connection, token
):
    group_answer_record(token=token, answer="full")
    response = client_for(other_link_worker).get(
        reverse("referrals:person", args=[connection.person_id])
    )
    assert response.status_code == 404

"""Contact attempts: recorded on the person page by their team's link workers, shown as a
history, respecting the person's contact preferences; closing as unable to contact once the
attempts allow it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import ContactAttempt, ReferralStatus, Task, TaskKind, TaskStatus
from referrals.services.contact_attempts import unable_to_contact_check
from socialrx.models import AuditLog
from tests.referrals.factories import ReferralFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(person, link_worker):
    return ReferralFactory(
        person=person,
        link_worker=link_worker,
        status=ReferralStatus.RECEIVED,
        received_on=timezone.localdate() - dt.timedelta(days=30),
    )


def _add(person, referral, outcome="no_answer", days_ago=0, by=None):
    return ContactAttempt.objects.create(
        person=person,
        referral=referral,
        method="phone",
        outcome=outcome,
        attempted_at=timezone.now() - dt.timedelta(days=days_ago),
        by=by,
    )


def _attempt_url(person):
    return reverse("referrals:contact_attempt_create", args=[person.pk])


def _data(**kw):
    return {
        "method": "phone",
        "outcome": "no_answer",
        "attempted_on": timezone.localdate().isoformat(),
        **kw,
    }


def test_team_link_worker_records_an_attempt_and_sees_the_history(
    client_for, link_worker, person, referral
):
    client = client_for(link_worker)
    response = client.post(_attempt_url(person), _data(method="sms", outcome="message_left"))
    assert response.status_code == 302
    attempt = ContactAttempt.objects.get()
    assert (attempt.method, attempt.outcome, attempt.by) == ("sms", "message_left", link_worker)
    assert attempt.referral == referral
    assert AuditLog.objects.filter(
        action="create", object_type="referrals.contactattempt", user=link_worker
    ).exists()
    page = client.get(reverse("referrals:person", args=[person.pk])).content.decode()
    assert "Text message (SMS)" in page and "Message left" in page


@pytest.mark.parametrize(
    "persona", ["other_link_worker", "practice_staff", "volunteer", "commissioner"]
)
def test_others_may_not_record_attempts(request, client_for, person, referral, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.post(_attempt_url(person), _data()).status_code in (403, 404)
    url = reverse("referrals:referral_unable_to_contact", args=[referral.pk])
    assert client.post(url, {"from_status": "received"}).status_code in (403, 404)
    assert not ContactAttempt.objects.exists()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED


def test_anonymous_is_sent_to_log_in(anon_client, person, referral):
    for url in (
        _attempt_url(person),
        reverse("referrals:referral_unable_to_contact", args=[referral.pk]),
    ):
        response = anon_client.post(url, _data())
        assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not ContactAttempt.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_data(method=""), "Choose how you tried to contact them"),
        (_data(outcome="gone_fishing"), "Select a valid choice"),
        (
            _data(attempted_on=(timezone.localdate() + dt.timedelta(days=3)).isoformat()),
            "today or in the past",
        ),
    ],
)
def test_bad_input_is_explained_and_saves_nothing(
    client_for, link_worker, person, referral, data, message
):
    response = client_for(link_worker).post(_attempt_url(person), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ContactAttempt.objects.exists()


def test_leaving_a_message_when_not_safe_is_refused(client_for, link_worker, person, referral):
    person.safe_to_leave_message = "no"
    person.save(update_fields=["safe_to_leave_message"])
    response = client_for(link_worker).post(_attempt_url(person), _data(outcome="message_left"))
    assert response.status_code == 200
    assert "not safe to leave a message" in response.content.decode()
    assert not ContactAttempt.objects.exists()


def test_contact_preferences_are_edited_on_the_person_form(client_for, link_worker, person):
    data = {
        "given_name": "Maria",
        "family_name": "Quinn",
        "sex": "female",
        "ethnicity": "white",
        "best_time_to_contact": "Weekday mornings",
        "safe_to_leave_message": "no",
        "preferred_channel": "letter",
        "needs_interpreter": "on",
        "interpreter_language": "Polish",
        "version": person.version,
    }
    client = client_for(link_worker)
    response = client.post(reverse("referrals:person_edit", args=[person.pk]), data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.best_time_to_contact == "Weekday mornings"
    assert (person.safe_to_leave_message, person.preferred_channel) == ("no", "letter")
    assert person.needs_interpreter and person.interpreter_language == "Polish"
    # A stale version is refused and changes nothing.
    stale = client.post(
        reverse("referrals:person_edit", args=[person.pk]),
        {**data, "best_time_to_contact": "Evenings", "version": 0},
    )
    assert stale.status_code == 409
    person.refresh_from_db()
    assert person.best_time_to_contact == "Weekday mornings"
    bad = client.post(
        reverse("referrals:person_edit", args=[person.pk]),
        {**data, "preferred_channel": "pigeon", "version": person.version},
    )
    assert bad.status_code == 200
    person.refresh_from_db()
    assert person.preferred_channel == "letter"


def test_unable_to_contact_is_offered_only_after_enough_attempts(
    client_for, link_worker, person, referral, settings
):
    settings.UNABLE_TO_CONTACT_ATTEMPTS = 3
    settings.UNABLE_TO_CONTACT_DAYS = 14
    client = client_for(link_worker)
    page_url = reverse("referrals:person", args=[person.pk])
    close_url = reverse("referrals:referral_unable_to_contact", args=[referral.pk])
    _add(person, referral, days_ago=20)
    _add(person, referral, days_ago=10)
    assert "Close as unable to contact" not in client.get(page_url).content.decode()
    # Refused before the attempts allow it: nothing changes.
    client.post(close_url, {"from_status": "received"})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED
    _add(person, referral, days_ago=1)
    assert "Close as unable to contact" in client.get(page_url).content.decode()
    # A later attempt that reached them starts the count again.
    reached = _add(person, referral, outcome="reached", days_ago=0)
    assert not unable_to_contact_check(referral=referral).allowed
    reached.delete()
    response = client.post(close_url, {"from_status": "received"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.UNABLE_TO_CONTACT
    assert referral.closed_on is not None
    change = referral.status_changes.get(to_status=ReferralStatus.UNABLE_TO_CONTACT)
    assert "3 unsuccessful" in change.note
    assert referral.end_reason == "unable_to_contact"
    # The referrer is told, in the feedback letter.
    letter = referral.feedback.get()
    assert "3 times" in letter.support_offered and letter.outcomes == "Unable to contact"


def test_unable_to_contact_is_conditional_on_the_status_shown(
    client_for, link_worker, person, referral
):
    for days in (20, 10, 1):
        _add(person, referral, days_ago=days)
    referral.status = ReferralStatus.CONTACTED
    referral.save(update_fields=["status"])
    client_for(link_worker).post(
        reverse("referrals:referral_unable_to_contact", args=[referral.pk]),
        {"from_status": "received"},
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CONTACTED
    assert not referral.feedback.exists()


def test_person_page_queries_do_not_grow_with_attempts(
    client_for, link_worker, person, referral, django_assert_max_num_queries
):
    client = client_for(link_worker)
    url = reverse("referrals:person", args=[person.pk])
    _add(person, referral, by=link_worker)
    client.get(url)
    with django_assert_max_num_queries(60) as few:
        client.get(url)
    for days in range(1, 8):
        _add(person, referral, days_ago=days, by=link_worker)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_an_unanswered_attempt_puts_a_retry_on_the_list_once(
    client_for, link_worker, person, referral, settings
):
    settings.CONTACT_RETRY_DAYS = 3
    client = client_for(link_worker)
    client.post(_attempt_url(person), _data(outcome="no_answer"))
    client.post(_attempt_url(person), _data(method="sms", outcome="message_left"))
    retries = Task.objects.filter(person=person, kind=TaskKind.CONTACT_RETRY)
    assert retries.count() == 1
    task = retries.get()
    assert task.status == TaskStatus.OPEN
    assert task.due_on == timezone.localdate() + dt.timedelta(days=3)
    assert task.assigned_to == link_worker
    assert task.note == "Last try: text message (sms), message left"
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED


def test_reaching_them_settles_the_retry_and_marks_first_contact(
    client_for, link_worker, person, referral
):
    client = client_for(link_worker)
    client.post(_attempt_url(person), _data(outcome="no_answer"))
    client.post(_attempt_url(person), _data(outcome="reached"))
    assert not Task.objects.filter(
        person=person, kind=TaskKind.CONTACT_RETRY, status=TaskStatus.OPEN
    ).exists()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CONTACTED
    change = referral.status_changes.get(to_status=ReferralStatus.CONTACTED)
    assert change.by == link_worker


def test_reaching_someone_already_active_leaves_the_status(
    client_for, link_worker, person, referral
):
    referral.status = ReferralStatus.ACTIVE
    referral.save(update_fields=["status"])
    client_for(link_worker).post(_attempt_url(person), _data(outcome="reached"))
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACTIVE
    assert not Task.objects.filter(person=person).exists()

"""A team's own wording of its messages: placeholders filled in safely, a preview with
made-up details and the length of a text, who may change it, two people editing at once."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from referrals.messaging import fill, sms_length, wording_errors
from referrals.models import MessageChannel, MessageKind, MessageTemplate
from referrals.selectors.messages import template_wording
from referrals.services.messages import message_template_save
from socialrx.concurrency import EditConflict

pytestmark = pytest.mark.django_db

REMINDER_SMS = ("appointment_reminder", "sms")


def _url(team, kind="appointment_reminder", channel="sms"):
    return reverse("referrals:message_template_edit", args=[team.pk, kind, channel])


# --- wording ---------------------------------------------------------------------------------


def test_fill_is_plain_substitution():
    assert fill("Hi ((first_name)), {{ secret }} (( first_name ))", {"first_name": "<b>Al"}) == (
        "Hi <b>Al, {{ secret }} <b>Al"
    )
    assert fill("((unknown))", {}) == "((unknown))"


def test_wording_errors_name_the_field():
    errors = wording_errors(
        kind=MessageKind.TRIED_TO_REACH,
        channel=MessageChannel.EMAIL,
        subject="",
        body="Your appointment is ((appointment_date))",
    )
    assert errors["subject"] == "Enter the subject"
    assert errors["body"].startswith("((appointment_date)) is not a placeholder this message")
    assert wording_errors(
        kind=MessageKind.PLAN_AGREED, channel=MessageChannel.SMS, subject="", body="x" * 919
    ) == {"body": "A text message can be at most 918 characters long"}


@pytest.mark.parametrize(
    ("text", "characters", "parts", "unicode"),
    [
        ("a" * 160, 160, 1, False),
        ("a" * 161, 161, 2, False),
        ("a" * 306, 306, 2, False),
        ("a" * 307, 307, 3, False),
        ("€" * 80, 160, 1, False),
        ("’" + "a" * 69, 70, 1, True),
        ("’" + "a" * 70, 71, 2, True),
    ],
)
def test_sms_length(text, characters, parts, unicode):
    length = sms_length(text)
    assert (length.characters, length.parts, length.unicode) == (characters, parts, unicode)


def test_team_wording_overrides_the_default_for_that_team_only(team_a, team_b, link_worker):
    assert not template_wording(team_id=team_a.pk, kind="tried_to_reach", channel="sms").custom
    message_template_save(
        team=team_a,
        kind="tried_to_reach",
        channel="sms",
        subject="ignored for a text",
        body="Hi ((first_name)), call ((team_phone)).",
        version=0,
        by=link_worker,
    )
    own = template_wording(team_id=team_a.pk, kind="tried_to_reach", channel="sms")
    assert own.custom and own.body == "Hi ((first_name)), call ((team_phone))." and not own.subject
    assert not template_wording(team_id=team_b.pk, kind="tried_to_reach", channel="sms").custom


def test_saving_from_a_stale_version_is_refused(team_a, link_worker):
    save = {"team": team_a, "kind": "tried_to_reach", "channel": "sms", "by": link_worker}
    row = message_template_save(**save, subject="", body="First", version=0)
    with pytest.raises(EditConflict):
        message_template_save(**save, subject="", body="Second", version=0)
    message_template_save(**save, subject="", body="Second", version=row.version)
    assert MessageTemplate.objects.get().body == "Second"
    with pytest.raises(ValidationError):
        message_template_save(**save, subject="", body=" ", version=2)


# --- the pages -------------------------------------------------------------------------------


def test_link_worker_goes_to_their_own_team(client_for, link_worker, team_a):
    response = client_for(link_worker).get(reverse("referrals:message_templates"))
    assert response.status_code == 302
    assert response.url == reverse("referrals:message_template_list", args=[team_a.pk])
    page = client_for(link_worker).get(response.url).content.decode()
    assert page.count("Default") == 9
    assert _url(team_a) in page


def test_administrator_chooses_a_team(client_for, admin_user, team_a, team_b):
    page = client_for(admin_user).get(reverse("referrals:message_templates")).content.decode()
    assert team_a.name in page and team_b.name in page
    assert client_for(admin_user).get(_url(team_b)).status_code == 200


def test_preview_shows_made_up_details_and_sms_length(client_for, link_worker, team_a):
    response = client_for(link_worker).post(
        _url(team_a),
        {
            "body": "Hi ((first_name)), see you ((appointment_date)) at ((appointment_time)).",
            "version": "0",
            "action": "preview",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Hi Sam, see you Tuesday 8 December at 10:30." in text
    assert 'id="sms-length"' in text and "sent as 1 text message" in text
    assert not MessageTemplate.objects.exists()


def test_save_then_go_back_to_the_default(client_for, link_worker, team_a):
    client = client_for(link_worker)
    response = client.post(
        _url(team_a, "plan_agreed", "email"),
        {"subject": "Your plan", "body": "((plan))", "version": "0", "action": "save"},
    )
    assert response.status_code == 302
    row = MessageTemplate.objects.get()
    assert (row.team, row.kind, row.channel, row.updated_by) == (
        team_a,
        "plan_agreed",
        "email",
        link_worker,
    )
    page = client.get(_url(team_a, "plan_agreed", "email")).content.decode()
    assert "Your team’s own wording" in page and "Go back to the default wording" in page
    assert client.post(_url(team_a, "plan_agreed", "email"), {"action": "reset"}).status_code == 302
    assert not MessageTemplate.objects.exists()


@pytest.mark.parametrize(
    ("channel", "data", "error"),
    [
        ("sms", {"body": ""}, "Enter the message"),
        ("sms", {"body": "Hi ((name))"}, "((name)) is not a placeholder this message can use"),
        ("sms", {"body": "x" * 919}, "at most 918 characters"),
        ("email", {"subject": "", "body": "Hello"}, "Enter the subject"),
        ("letter", {"subject": "", "body": "Hello"}, "Enter the heading"),
        ("sms", {"body": "Hello", "version": ""}, "This form is out of date"),
    ],
)
def test_bad_wording_is_refused_and_saves_nothing(
    client_for, link_worker, team_a, channel, data, error
):
    payload = {"version": "0", "action": "save", **data}
    response = client_for(link_worker).post(_url(team_a, "appointment_reminder", channel), payload)
    assert response.status_code == 400
    text = response.content.decode()
    assert "nhsuk-error-summary" in text and error in text
    assert not MessageTemplate.objects.exists()


def test_two_people_editing_at_once(client_for, link_worker, team_a):
    client = client_for(link_worker)
    first = {"body": "First wording", "version": "0", "action": "save"}
    assert client.post(_url(team_a), first).status_code == 302
    second = {"body": "Second wording", "version": "0", "action": "save"}
    response = client.post(_url(team_a), second)
    assert response.status_code == 409
    assert "Someone else changed this record" in response.content.decode()
    assert MessageTemplate.objects.get().body == "First wording"


def test_other_teams_and_roles_cannot_change_wording(
    client_for, team_a, other_link_worker, practice_staff, volunteer, commissioner
):
    payload = {"body": "Hello", "version": "0", "action": "save"}
    for user in (other_link_worker, practice_staff, volunteer, commissioner):
        client = client_for(user)
        assert client.get(_url(team_a)).status_code == 404
        assert client.post(_url(team_a), payload).status_code == 404
        assert (
            client.get(reverse("referrals:message_template_list", args=[team_a.pk])).status_code
            == 404
        )
    for user in (practice_staff, volunteer, commissioner):
        assert client_for(user).get(reverse("referrals:message_templates")).status_code == 404
    assert not MessageTemplate.objects.exists()


@pytest.mark.parametrize(("kind", "channel"), [("marketing", "sms"), ("tried_to_reach", "fax")])
def test_unknown_message_is_not_found(client_for, link_worker, team_a, kind, channel):
    assert client_for(link_worker).get(_url(team_a, kind, channel)).status_code == 404

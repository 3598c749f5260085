"""Correcting a recorded "what matters to you" conversation: who may, bad input, two people
correcting at once, the history kept and shown, the audit entries, and the figures counting
the corrected values."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from referrals.models import (
    Conversation,
    ConversationRevision,
    FriendsObservation,
    Ons4Response,
    SwemwbsResponse,
)
from referrals.services.conversations import conversation_correct, conversation_log
from socialrx.concurrency import EditConflict
from socialrx.models import AuditLog
from tests.outcomes.factories import ALL, snapshot_rows
from tests.referrals.factories import FriendsObservationFactory
from tests.socialrx.factories import LinkWorkerFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
ONS4 = {"life_satisfaction": 6, "worthwhile": 7, "happiness": 5, "anxiety": 4}


@pytest.fixture
def colleague(team_a):
    return LinkWorkerFactory(team=team_a, first_name="Cleo", last_name="Colleague")


@pytest.fixture
def conversation(person, referral, link_worker) -> Conversation:
    return conversation_log(
        person=person,
        by=link_worker,
        held_on=TODAY,
        what_matters="Getting out more",
        life_areas=["loneliness", "activity"],
        friends_count=1,
        ons4=ONS4,
    )


def _edit_url(conversation):
    return reverse("referrals:conversation_edit", args=[conversation.pk])


def _detail_url(conversation):
    return reverse("referrals:conversation_detail", args=[conversation.pk])


def _hidden(content: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', content)
    assert match, f"no hidden {name}"
    return html.unescape(match.group(1))


def _form(client, conversation, **changes):
    """The correction form as loaded, with ``changes`` typed in."""
    content = client.get(_edit_url(conversation)).content.decode()
    data = {
        "held_on": conversation.held_on.isoformat(),
        "what_matters": conversation.what_matters,
        "good_life": conversation.good_life,
        "love_doing": conversation.love_doing,
        "could_offer": conversation.could_offer,
        "life_areas": list(conversation.life_areas),
        "notes": conversation.notes,
        "friends_count": "1",
        **{f"ons4_{k}": str(v) for k, v in ONS4.items()},
        "reason": "Typed the wrong number",
        "version": _hidden(content, "version"),
        "loaded": _hidden(content, "loaded"),
    }
    data.update(changes)
    return data


def _changes_audited() -> int:
    return AuditLog.objects.filter(
        action__in=[AuditLog.Action.CREATE, AuditLog.Action.UPDATE, AuditLog.Action.DELETE]
    ).count()


# --- who may ---------------------------------------------------------------------------------


def test_a_link_worker_of_the_team_corrects_answers_areas_and_measures(
    client_for, link_worker, conversation
):
    client = client_for(link_worker)
    response = client.post(
        _edit_url(conversation),
        _form(
            client,
            conversation,
            what_matters="Getting out more and seeing my sister",
            life_areas=["relationships"],
            friends_count="3",
            ons4_happiness="8",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == _detail_url(conversation)
    conversation.refresh_from_db()
    assert conversation.what_matters == "Getting out more and seeing my sister"
    assert conversation.life_areas == ["relationships"]
    assert conversation.version == 1
    assert FriendsObservation.objects.get(conversation=conversation).friends_count == 3
    assert Ons4Response.objects.get(conversation=conversation).happiness == 8
    revision = ConversationRevision.objects.get(conversation=conversation)
    assert revision.changed_by == link_worker
    assert revision.reason == "Typed the wrong number"
    assert revision.replaced_version == 0
    assert revision.changes["friends_count"] == ["1", "3"]
    assert revision.changes["life_areas"] == [
        "Loneliness and isolation, Being active",
        "Friends, family and relationships",
    ]
    assert revision.previous["what_matters"] == "Getting out more"


def test_a_colleague_of_the_same_team_may_correct_it(client_for, colleague, conversation):
    client = client_for(colleague)
    response = client.post(
        _edit_url(conversation), _form(client, conversation, notes="Prefers mornings")
    )
    assert response.status_code == 302
    assert ConversationRevision.objects.get().changed_by == colleague


@pytest.mark.parametrize(
    "role", ["other_link_worker", "practice_staff", "volunteer", "commissioner"]
)
def test_others_cannot_see_or_correct_it(request, client_for, conversation, role):
    client = client_for(request.getfixturevalue(role))
    assert client.get(_detail_url(conversation)).status_code == 404
    assert client.get(_edit_url(conversation)).status_code == 404
    response = client.post(
        _edit_url(conversation),
        {"held_on": TODAY.isoformat(), "what_matters": "Hacked", "reason": "x", "version": "0"},
    )
    assert response.status_code == 404
    conversation.refresh_from_db()
    assert conversation.what_matters == "Getting out more"
    assert not ConversationRevision.objects.exists()


def test_signed_out_is_sent_to_sign_in(anon_client, conversation):
    response = anon_client.get(_edit_url(conversation))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_an_administrator_may_correct_it(client_for, admin_user, conversation):
    client = client_for(admin_user)
    response = client.post(_edit_url(conversation), _form(client, conversation, notes="Checked"))
    assert response.status_code == 302
    assert ConversationRevision.objects.get().changed_by == admin_user


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reason": ""}, "reason", "Enter why you are correcting this conversation"),
        ({"reason": "   "}, "reason", "Enter why you are correcting this conversation"),
        ({"life_areas": ["astrology"]}, "life_areas", "Select a valid choice"),
        (
            {"friends_count": "-2"},
            "friends_count",
            "“How many friends could you call on?”: enter a whole number from 0 to 999",
        ),
        (
            {"ons4_anxiety": ""},
            "ons4_anxiety",
            "answer all four ONS4 questions, or leave them all empty",
        ),
        (
            {"held_on": (TODAY + dt.timedelta(days=1)).isoformat()},
            "held_on",
            "The date of the conversation must be today or in the past",
        ),
        (
            {"what_matters": "", "good_life": "", "love_doing": "", "could_offer": ""},
            "what_matters",
            "Write down at least one of the person's answers",
        ),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    client_for, link_worker, conversation, changes, field, message
):
    client = client_for(link_worker)
    data = _form(client, conversation, notes="Should not be saved")
    data.update(changes)
    changes_before = _changes_audited()
    response = client.post(_edit_url(conversation), data)
    assert response.status_code == 400
    content = html.unescape(response.content.decode())
    summary = content.split('class="nhsuk-error-summary"', 1)[1].split("</div>", 1)[0]
    assert f'href="#id_{field}"' in summary
    assert message in summary
    conversation.refresh_from_db()
    assert (conversation.notes, conversation.version) == ("", 0)
    assert not ConversationRevision.objects.exists()
    assert FriendsObservation.objects.get(conversation=conversation).friends_count == 1
    # No change was written, only the page view.
    assert _changes_audited() == changes_before


def test_a_correction_that_changes_nothing_writes_nothing(client_for, link_worker, conversation):
    client = client_for(link_worker)
    response = client.post(_edit_url(conversation), _form(client, conversation), follow=True)
    assert "Nothing was changed." in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.version == 0
    assert not ConversationRevision.objects.exists()


def test_the_service_refuses_a_missing_reason(conversation, link_worker):
    with pytest.raises(ValidationError) as error:
        conversation_correct(
            conversation=conversation,
            by=link_worker,
            version=0,
            reason=" ",
            held_on=TODAY,
            what_matters="Changed",
        )
    assert "reason" in error.value.message_dict
    conversation.refresh_from_db()
    assert conversation.what_matters == "Getting out more"


# --- two people at once ----------------------------------------------------------------------


def test_the_later_of_two_corrections_is_refused_and_told_what_changed(
    client_for, link_worker, colleague, conversation
):
    mine, theirs = client_for(link_worker), client_for(colleague)
    my_form = _form(mine, conversation, what_matters="Mine", reason="My reason")
    their_form = _form(theirs, conversation, friends_count="4", reason="Their reason")
    assert theirs.post(_edit_url(conversation), their_form).status_code == 302

    response = mine.post(_edit_url(conversation), my_form)
    assert response.status_code == 409
    content = html.unescape(response.content.decode())
    assert "Someone else changed this record while you were editing it" in content
    assert "was changed by someone else to: 4" in content
    assert "Mine" in content  # what they typed is kept in the form
    conversation.refresh_from_db()
    assert conversation.what_matters == "Getting out more"
    assert FriendsObservation.objects.get(conversation=conversation).friends_count == 4
    assert ConversationRevision.objects.count() == 1

    # Saving again (the form now carries the current version) applies their change knowingly.
    again = {
        **my_form,
        "version": _hidden(content, "version"),
        "loaded": _hidden(content, "loaded"),
    }
    again["friends_count"] = "4"
    assert mine.post(_edit_url(conversation), again).status_code == 302
    conversation.refresh_from_db()
    assert conversation.what_matters == "Mine"
    assert conversation.version == 2


def test_the_service_refuses_a_stale_version(conversation, link_worker):
    conversation_correct(
        conversation=conversation,
        by=link_worker,
        version=0,
        reason="First",
        held_on=TODAY,
        what_matters="First",
        life_areas=conversation.life_areas,
        friends_count=1,
        ons4=ONS4,
    )
    stale = Conversation.objects.get(pk=conversation.pk)
    with pytest.raises(EditConflict):
        conversation_correct(
            conversation=stale,
            by=link_worker,
            version=0,
            reason="Second",
            held_on=TODAY,
            what_matters="Second",
            life_areas=stale.life_areas,
            friends_count=1,
            ons4=ONS4,
        )
    stale.refresh_from_db()
    assert stale.what_matters == "First"
    assert ConversationRevision.objects.count() == 1


# --- the history -----------------------------------------------------------------------------


def test_the_history_shows_who_changed_what_when_and_why(client_for, link_worker, conversation):
    client = client_for(link_worker)
    client.post(_edit_url(conversation), _form(client, conversation, friends_count="3"))
    conversation.refresh_from_db()
    client.post(
        _edit_url(conversation),
        _form(
            client,
            conversation,
            friends_count="3",
            life_areas=["money"],
            reason="Ticked the wrong box",
        ),
    )
    content = html.unescape(client.get(_detail_url(conversation)).content.decode())
    history = content.split('id="history"', 1)[1]
    assert history.count("sx-revision") == 2
    assert "by Anna Link" in history
    assert "Typed the wrong number" in history and "Ticked the wrong box" in history
    assert "Friends they could call on" in history
    assert "Loneliness and isolation, Being active" in history  # was
    assert "Money and debt" in history  # became
    # Oldest first.
    assert history.index("Typed the wrong number") < history.index("Ticked the wrong box")


def test_an_uncorrected_conversation_says_so(client_for, link_worker, conversation):
    content = client_for(link_worker).get(_detail_url(conversation)).content.decode()
    assert 'id="no-corrections"' in content


def test_every_changed_row_is_audited_with_its_values(conversation, link_worker):
    conversation_correct(
        conversation=conversation,
        by=link_worker,
        version=0,
        reason="Fix",
        held_on=TODAY,
        what_matters="Fixed",
        life_areas=["money"],
        friends_count=None,
        swemwbs_items=None,
        ons4={**ONS4, "anxiety": 2},
    )
    entries = AuditLog.objects.filter(detail__contains="correction", user=link_worker)
    by_type = {(e.object_type, e.action): e for e in entries}
    conv = by_type[("referrals.conversation", "update")]
    assert conv.changes["what_matters"] == ["Getting out more", "Fixed"]
    assert conv.changes["life_areas"] == [["loneliness", "activity"], ["money"]]
    assert conv.person_id == conversation.person_id
    assert ("referrals.friendsobservation", "delete") in by_type
    assert by_type[("referrals.ons4response", "update")].changes["anxiety"] == [4, 2]
    assert ("referrals.conversationrevision", "create") in by_type
    assert not FriendsObservation.objects.filter(conversation=conversation).exists()


def test_adding_a_measure_in_a_correction_makes_its_row(conversation, link_worker, settings):
    settings.SWEMWBS_ENABLED = True
    conversation_correct(
        conversation=conversation,
        by=link_worker,
        version=0,
        reason="Forgot SWEMWBS",
        held_on=TODAY,
        what_matters="Getting out more",
        life_areas=conversation.life_areas,
        friends_count=1,
        swemwbs_items=[3] * 7,
        ons4=ONS4,
    )
    row = SwemwbsResponse.objects.get(conversation=conversation)
    assert (row.raw_score, row.completed_on, row.person_id) == (21, TODAY, conversation.person_id)


def test_with_swemwbs_switched_off_a_recorded_swemwbs_is_kept(conversation, link_worker, settings):
    settings.SWEMWBS_ENABLED = True
    SwemwbsResponse.objects.create(
        person=conversation.person,
        conversation=conversation,
        completed_on=TODAY,
        items=[4] * 7,
        raw_score=28,
        metric_score="23.21",
    )
    settings.SWEMWBS_ENABLED = False
    conversation_correct(
        conversation=conversation,
        by=link_worker,
        version=0,
        reason="Notes",
        held_on=TODAY,
        what_matters="Getting out more",
        life_areas=conversation.life_areas,
        notes="New note",
        friends_count=1,
        ons4=ONS4,
    )
    assert SwemwbsResponse.objects.get(conversation=conversation).raw_score == 28


# --- the figures -----------------------------------------------------------------------------


def test_the_friends_figure_counts_the_corrected_value(person, link_worker):
    start, end = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
    FriendsObservationFactory(person=person, observed_on=dt.date(2025, 11, 1), friends_count=1)
    follow_up = conversation_log(
        person=person,
        by=link_worker,
        held_on=dt.date(2026, 2, 1),
        what_matters="Seeing people",
        friends_count=9,
    )
    assert snapshot_rows("friends", start, end)[ALL]["mean_followup"] == 9
    conversation_correct(
        conversation=follow_up,
        by=link_worker,
        version=0,
        reason="It was 2, not 9",
        held_on=dt.date(2026, 2, 1),
        what_matters="Seeing people",
        friends_count=2,
    )
    values = snapshot_rows("friends", start, end)[ALL]
    assert (values["n"], values["mean_followup"], values["mean_change"]) == (1, 2, 1)


# --- life areas in words ---------------------------------------------------------------------


def test_the_person_page_shows_the_life_areas_in_words_and_links_the_conversation(
    client_for, link_worker, person, conversation
):
    content = html.unescape(
        client_for(link_worker).get(reverse("referrals:person", args=[person.pk])).content.decode()
    )
    timeline = content.split('id="timeline"', 1)[1]
    assert "Life areas talked about:" in timeline
    assert "Loneliness and isolation" in timeline and "Being active" in timeline
    assert "loneliness" not in timeline.replace("Loneliness", "")  # no codes
    assert _detail_url(conversation) in timeline


def test_the_conversation_page_shows_the_life_areas_in_words(client_for, link_worker, conversation):
    content = html.unescape(client_for(link_worker).get(_detail_url(conversation)).content.decode())
    areas = content.split('id="life-areas"', 1)[1].split("</dd>", 1)[0]
    assert "Loneliness and isolation" in areas and "Being active" in areas

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from referrals.models import (
    Connection,
    ConnectionKind,
    ConnectionOutcome,
    Conversation,
    Feedback,
    FriendsObservation,
    Goal,
    GoalStatus,
    Ons4Response,
    ReferralStatus,
    ReferralStatusChange,
    SwemwbsResponse,
)
from referrals.services.connections import connection_make, connection_outcome_set
from referrals.services.conversations import conversation_log
from referrals.services.feedback import feedback_send, feedback_snomed_for, feedback_support_prefill
from referrals.services.goals import goal_add, goal_status_set
from referrals.services.notes import case_note_add
from referrals.services.people import person_link_worker_set, person_update
from referrals.services.status import referral_close, referral_status_change
from socialrx.models import AuditLog
from tests.referrals.factories import VALID_NHS, ConnectionFactory, ReferralFactory, make_case
from tests.socialrx.factories import LinkWorkerFactory

TODAY = timezone.localdate()


# --- status changes --------------------------------------------------------------------------


def test_status_change_is_recorded_with_who_and_when(referral, link_worker):
    change = referral_status_change(
        referral=referral, to_status=ReferralStatus.CONTACTED, by=link_worker, note="Phoned"
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CONTACTED
    assert (change.from_status, change.to_status, change.by, change.note) == (
        ReferralStatus.RECEIVED,
        ReferralStatus.CONTACTED,
        link_worker,
        "Phoned",
    )
    assert change.at is not None
    assert referral.closed_on is None
    assert AuditLog.objects.filter(
        action="update", object_type="referrals.referral", person_id=referral.person_id
    ).exists()


def test_full_path_received_contacted_active_closed(referral, link_worker):
    for status in (ReferralStatus.CONTACTED, ReferralStatus.ACTIVE):
        referral_status_change(referral=referral, to_status=status, by=link_worker)
    referral_close(
        referral=referral, outcome="Joined two groups", reason="connected", by=link_worker
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED
    assert referral.closed_on == timezone.localdate()
    assert referral.closure_outcome == "Joined two groups"
    assert list(
        ReferralStatusChange.objects.filter(referral=referral).values_list("to_status", flat=True)
    ) == ["contacted", "active", "closed"]


@pytest.mark.parametrize(
    "to_status",
    [ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN, ReferralStatus.UNABLE_TO_CONTACT],
)
def test_ending_a_referral_sets_closed_on(referral, link_worker, to_status):
    referral_status_change(referral=referral, to_status=to_status, by=link_worker)
    referral.refresh_from_db()
    assert referral.status == to_status
    assert referral.closed_on == timezone.localdate()


def test_received_referral_cannot_be_closed(referral, link_worker):
    with pytest.raises(ValidationError, match="cannot become closed"):
        referral_close(referral=referral, outcome="x", reason="connected", by=link_worker)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED
    assert not ReferralStatusChange.objects.exists()


def test_ended_referral_cannot_change(referral, link_worker):
    referral_status_change(referral=referral, to_status=ReferralStatus.DECLINED, by=link_worker)
    with pytest.raises(ValidationError, match="can no longer change"):
        referral_status_change(referral=referral, to_status=ReferralStatus.ACTIVE, by=link_worker)
    assert ReferralStatusChange.objects.count() == 1


def test_active_referral_cannot_go_back_to_contacted(referral, link_worker):
    referral_status_change(referral=referral, to_status=ReferralStatus.ACTIVE, by=link_worker)
    with pytest.raises(ValidationError, match="It can become: closed, withdrawn"):
        referral_status_change(
            referral=referral, to_status=ReferralStatus.CONTACTED, by=link_worker
        )


def test_closing_needs_an_outcome(referral, link_worker):
    referral_status_change(referral=referral, to_status=ReferralStatus.ACTIVE, by=link_worker)
    with pytest.raises(ValidationError, match="outcome"):
        referral_close(referral=referral, outcome="  ", reason="connected", by=link_worker)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACTIVE


# --- conversations ---------------------------------------------------------------------------


def test_conversation_with_friends_answer_creates_an_observation_on_its_date(
    person, referral, link_worker
):
    held_on = TODAY - dt.timedelta(days=3)
    conversation = conversation_log(
        person=person,
        by=link_worker,
        held_on=held_on,
        what_matters="My allotment",
        life_areas=["loneliness", "activity"],
        friends_count=0,
    )
    observation = FriendsObservation.objects.get()
    assert (observation.person, observation.conversation, observation.observed_on) == (
        person,
        conversation,
        held_on,
    )
    assert observation.friends_count == 0
    assert conversation.referral == referral
    assert conversation.life_areas == ["loneliness", "activity"]


def test_conversation_without_friends_answer_creates_no_observation(person, referral, link_worker):
    conversation_log(person=person, by=link_worker, held_on=TODAY, what_matters="x")
    assert Conversation.objects.count() == 1
    assert not FriendsObservation.objects.exists()


def test_first_conversation_makes_received_referral_active(person, referral, link_worker):
    conversation_log(person=person, by=link_worker, held_on=TODAY, what_matters="x")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACTIVE
    change = ReferralStatusChange.objects.get()
    assert (change.from_status, change.to_status, change.by) == ("received", "active", link_worker)


def test_first_conversation_makes_contacted_referral_active(person, referral, link_worker):
    referral_status_change(referral=referral, to_status=ReferralStatus.CONTACTED, by=link_worker)
    conversation_log(person=person, by=link_worker, held_on=TODAY, what_matters="x")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACTIVE


def test_conversation_without_open_referral_is_kept_unlinked(person, link_worker):
    ReferralFactory(person=person, status=ReferralStatus.CLOSED)
    conversation = conversation_log(person=person, by=link_worker, held_on=TODAY, what_matters="x")
    assert conversation.referral is None
    assert not ReferralStatusChange.objects.exists()


def test_conversation_scores_swemwbs(person, referral, link_worker):
    conversation = conversation_log(
        person=person,
        by=link_worker,
        held_on=TODAY,
        what_matters="x",
        swemwbs_items=[3, 3, 3, 3, 3, 3, 3],
    )
    response = SwemwbsResponse.objects.get()
    assert response.conversation == conversation
    assert response.items == [3] * 7
    assert (response.raw_score, response.metric_score) == (21, Decimal("19.25"))
    assert response.completed_on == TODAY


@pytest.mark.parametrize(("value", "raw", "metric"), [(1, 7, "7.00"), (5, 35, "35.00")])
def test_conversation_swemwbs_edge_scores(person, link_worker, value, raw, metric):
    conversation_log(
        person=person, by=link_worker, held_on=TODAY, what_matters="x", swemwbs_items=[value] * 7
    )
    response = SwemwbsResponse.objects.get()
    assert (response.raw_score, response.metric_score) == (raw, Decimal(metric))


def test_partial_swemwbs_saves_nothing(person, referral, link_worker):
    with pytest.raises(ValidationError, match="seven"):
        conversation_log(
            person=person, by=link_worker, held_on=TODAY, what_matters="x", swemwbs_items=[3] * 5
        )
    assert not Conversation.objects.exists()
    assert not SwemwbsResponse.objects.exists()


def test_swemwbs_refused_when_switched_off(settings, person, link_worker):
    settings.SWEMWBS_ENABLED = False
    with pytest.raises(ValidationError, match="switched off"):
        conversation_log(
            person=person, by=link_worker, held_on=TODAY, what_matters="x", swemwbs_items=[3] * 7
        )
    assert not Conversation.objects.exists()


def test_ons4_all_answers_saved(person, link_worker):
    conversation_log(
        person=person,
        by=link_worker,
        held_on=TODAY,
        what_matters="x",
        ons4={"life_satisfaction": 6, "worthwhile": 7, "happiness": 5, "anxiety": 3},
    )
    response = Ons4Response.objects.get()
    assert (response.life_satisfaction, response.anxiety, response.completed_on) == (6, 3, TODAY)


def test_ons4_partial_answers_save_nothing(person, link_worker):
    with pytest.raises(ValidationError, match="all four"):
        conversation_log(
            person=person,
            by=link_worker,
            held_on=TODAY,
            what_matters="x",
            ons4={"life_satisfaction": 6, "worthwhile": None, "happiness": 5, "anxiety": None},
        )
    assert not Conversation.objects.exists()
    assert not Ons4Response.objects.exists()


def test_ons4_blank_saves_no_response(person, link_worker):
    conversation_log(
        person=person, by=link_worker, held_on=TODAY, what_matters="x", ons4={"anxiety": None}
    )
    assert not Ons4Response.objects.exists()


def test_conversation_touches_last_activity(person, link_worker):
    before = person.last_activity_at
    conversation_log(person=person, by=link_worker, held_on=TODAY, what_matters="x")
    person.refresh_from_db()
    assert person.last_activity_at > before


# --- goals -----------------------------------------------------------------------------------


def test_goal_added_on_open_referral_and_status_changed(person, referral, link_worker):
    goal = goal_add(person=person, description=" Walk to the shops ", by=link_worker)
    assert (goal.description, goal.referral, goal.status) == (
        "Walk to the shops",
        referral,
        GoalStatus.NOT_STARTED,
    )
    goal_status_set(goal=goal, status=GoalStatus.GETTING_THERE, by=link_worker)
    assert Goal.objects.get().status == GoalStatus.GETTING_THERE
    assert AuditLog.objects.filter(object_type="referrals.goal", action="update").count() == 1


def test_goal_status_must_be_a_goal_status(person, link_worker):
    goal = goal_add(person=person, description="x", by=link_worker)
    with pytest.raises(ValidationError):
        goal_status_set(goal=goal, status="finished", by=link_worker)
    assert Goal.objects.get().status == GoalStatus.NOT_STARTED


# --- connections -----------------------------------------------------------------------------


def test_connection_to_asset_without_warnings(person, referral, asset, link_worker):
    connection = connection_make(
        person=person, asset=asset, kind=ConnectionKind.ACCOMPANIED, made_on=TODAY, by=link_worker
    )
    assert (connection.referral, connection.outcome, connection.made_by) == (
        referral,
        ConnectionOutcome.PENDING,
        link_worker,
    )


def test_connection_with_warnings_needs_confirmation(person, ended_asset, link_worker):
    with pytest.raises(ValidationError, match="despite the warnings"):
        connection_make(
            person=person, asset=ended_asset, kind="signpost", made_on=TODAY, by=link_worker
        )
    assert not Connection.objects.exists()
    connection_make(
        person=person,
        asset=ended_asset,
        kind="signpost",
        made_on=TODAY,
        by=link_worker,
        warnings_confirmed=True,
    )
    assert Connection.objects.count() == 1
    assert AuditLog.objects.get(object_type="referrals.connection").detail == (
        "despite warnings, details not shared"
    )


def test_connection_outcome_changes_are_all_kept(person, asset, link_worker):
    connection = ConnectionFactory(person=person, asset=asset)
    connection_outcome_set(
        connection=connection, outcome=ConnectionOutcome.ATTENDED, by=link_worker
    )
    connection_outcome_set(
        connection=connection,
        outcome=ConnectionOutcome.MEMBER,
        by=link_worker,
        on=TODAY - dt.timedelta(days=1),
    )
    connection.refresh_from_db()
    assert connection.outcome == ConnectionOutcome.MEMBER
    assert connection.outcome_updated_on == TODAY - dt.timedelta(days=1)
    assert list(connection.outcome_changes.values_list("outcome", "by")) == [
        ("attended", link_worker.pk),
        ("member", link_worker.pk),
    ]


def test_same_outcome_twice_adds_no_history(person, asset, link_worker):
    connection = ConnectionFactory(person=person, asset=asset)
    connection_outcome_set(connection=connection, outcome="attended", by=link_worker)
    connection_outcome_set(connection=connection, outcome="attended", by=link_worker)
    assert connection.outcome_changes.count() == 1


def test_unknown_outcome_refused(person, asset, link_worker):
    connection = ConnectionFactory(person=person, asset=asset)
    with pytest.raises(ValidationError):
        connection_outcome_set(connection=connection, outcome="loved_it", by=link_worker)
    assert not connection.outcome_changes.exists()


# --- the person ------------------------------------------------------------------------------


def test_link_worker_handover_within_team_moves_open_referrals(
    person, referral, link_worker, team_a
):
    colleague = LinkWorkerFactory(team=team_a)
    person_link_worker_set(person=person, link_worker=colleague, by=link_worker)
    person.refresh_from_db()
    referral.refresh_from_db()
    assert person.link_worker == colleague
    assert referral.link_worker == colleague


def test_link_worker_from_another_team_refused(person, link_worker, other_link_worker):
    with pytest.raises(ValidationError, match="team"):
        person_link_worker_set(person=person, link_worker=other_link_worker, by=link_worker)
    person.refresh_from_db()
    assert person.link_worker == link_worker


def test_person_update_audits_field_names_only(person, link_worker):
    changed = person_update(
        person=person, by=link_worker, data={"postcode": "M2 2BB", "given_name": person.given_name}
    )
    assert changed == ["postcode"]
    entry = AuditLog.objects.get(action="update")
    assert entry.detail == "changed postcode"
    assert "M2" not in entry.detail


def test_person_update_refuses_duplicate_nhs_number(person, link_worker, practice_a):
    make_case(practice=practice_a, link_worker=link_worker, nhs_number=VALID_NHS)
    with pytest.raises(ValidationError):
        person_update(person=person, by=link_worker, data={"nhs_number": VALID_NHS})
    person.refresh_from_db()
    assert person.nhs_number is None


def test_case_note_added_and_audited(person, link_worker):
    note = case_note_add(person=person, text="Called, no answer", by=link_worker)
    assert note.by == link_worker
    assert AuditLog.objects.filter(object_type="referrals.casenote", action="create").exists()
    with pytest.raises(ValidationError):
        case_note_add(person=person, text="   ", by=link_worker)


# --- feedback --------------------------------------------------------------------------------


def test_feedback_saved_and_referrer_told_without_personal_data(
    referral, link_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        feedback = feedback_send(
            referral=referral,
            by=link_worker,
            snomed_code=Feedback.Snomed.REFERRED,
            needs_and_concerns="Lonely since her husband died",
            support_offered="Walking group",
            outcomes="",
        )
    assert len(callbacks) == 1
    assert feedback.sent_by == link_worker
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dr.patel@example.org"]
    assert f"There is feedback for referral {referral.pk}, sign in to read it" in message.body
    person = referral.person
    for personal in (person.given_name, person.family_name, "Lonely", "Walking"):
        assert personal not in message.body
        assert personal not in message.subject


def test_no_email_when_referral_has_no_referrer_email(
    referral, link_worker, django_capture_on_commit_callbacks
):
    referral.referrer_email = ""
    referral.save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        feedback_send(
            referral=referral,
            by=link_worker,
            snomed_code=Feedback.Snomed.REFERRED,
            needs_and_concerns="x",
            support_offered="y",
        )
    assert callbacks == []
    assert mail.outbox == []
    assert Feedback.objects.count() == 1


def test_snomed_code_follows_the_referral(referral, link_worker):
    assert feedback_snomed_for(referral=referral) == "871731000000106"
    referral_status_change(referral=referral, to_status="declined", by=link_worker)
    assert feedback_snomed_for(referral=referral) == "871711000000103"


def test_support_prefill_lists_connections(person, asset, link_worker):
    connection_make(
        person=person, asset=asset, kind="accompanied", made_on=dt.date(2026, 3, 2), by=link_worker
    )
    assert feedback_support_prefill(person=person) == (
        "Canal walking group: accompanied, 2 March 2026"
    )


def test_notice_task_does_nothing_for_missing_feedback(db):
    from referrals.tasks import feedback_notice_send_task

    assert feedback_notice_send_task.delay(feedback_id=999999).get() is False
    assert mail.outbox == []

"""The casework pages cost the same number of queries whatever the number of rows on them:
each is loaded with 2 rows of everything and with 10, and the counts must be equal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referrals.models import (
    Appointment,
    AppointmentKind,
    AppointmentMode,
    CaseNote,
    ContactAttempt,
    ContactMethod,
    ContactOutcome,
    ConversationRevision,
    Feedback,
    GroupAnswer,
    GroupAnswerChoice,
    ReferralStatus,
    ReferralStatusChange,
    SwemwbsResponse,
)
from tests.referrals.factories import (
    ConnectionFactory,
    ConversationFactory,
    FriendsObservationFactory,
    GoalFactory,
    PersonFactory,
    ReferralFactory,
    TaskFactory,
    make_case,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _queries(client: Client, url: str, method: str = "get") -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url)
        assert response.status_code == 200
    return len(queries)


def _same_at_2_and_10(client: Client, url: str, add: Callable[[int], None]) -> None:
    add(2)
    few = _queries(client, url)
    add(8)
    many = _queries(client, url)
    assert many == few, f"{url}: {few} queries with 2 rows, {many} with 10"


def test_my_day(client_for, link_worker, practice_a):
    def add(n):
        for i in range(n):
            person = make_case(
                practice=practice_a, link_worker=link_worker, status=ReferralStatus.ACTIVE
            )
            ReferralFactory(
                person=PersonFactory(practice=practice_a, link_worker=link_worker),
                link_worker=link_worker,
                received_on=TODAY - dt.timedelta(days=i),
            )
            connection_ = ConnectionFactory(person=person)
            for due in (TODAY - dt.timedelta(days=2), TODAY, TODAY + dt.timedelta(days=3)):
                TaskFactory(person=person, due_on=due, connection=connection_)
            Appointment.objects.create(
                person=person,
                link_worker=link_worker,
                kind=AppointmentKind.FOLLOW_UP,
                mode=AppointmentMode.IN_PERSON,
                place="Library",
                starts_at=timezone.now() + dt.timedelta(days=i + 1),
            )

    _same_at_2_and_10(client_for(link_worker), reverse("referrals:my_day"), add)


def test_caseload(client_for, link_worker, practice_a):
    def add(n):
        for _ in range(n):
            make_case(practice=practice_a, link_worker=link_worker)

    _same_at_2_and_10(client_for(link_worker), reverse("referrals:caseload"), add)


def test_person_page(client_for, link_worker, person, referral, settings):
    settings.SWEMWBS_ENABLED = True

    def add(n):
        for i in range(n):
            old = ReferralFactory(
                person=person,
                status=ReferralStatus.CLOSED,
                received_on=TODAY - dt.timedelta(days=400 + i),
                closed_on=TODAY - dt.timedelta(days=300),
            )
            ReferralStatusChange.objects.create(
                referral=old, to_status=ReferralStatus.CLOSED, by=link_worker
            )
            Feedback.objects.create(
                referral=old,
                snomed_code=Feedback.Snomed.REFERRED,
                needs_and_concerns="Lonely",
                support_offered="Choir",
                sent_by=link_worker,
            )
            conversation = ConversationFactory(
                person=person, held_by=link_worker, life_areas=["money", "housing"]
            )
            FriendsObservationFactory(person=person, conversation=conversation)
            SwemwbsResponse.objects.create(
                person=person,
                conversation=conversation,
                completed_on=TODAY,
                items=[3] * 7,
                raw_score=21,
                metric_score="20.00",
            )
            GoalFactory(person=person, created_by=link_worker)
            connection_ = ConnectionFactory(person=person, made_by=link_worker)
            GroupAnswer.objects.create(connection=connection_, answer=GroupAnswerChoice.CAME)
            CaseNote.objects.create(person=person, text="Called", by=link_worker)
            ContactAttempt.objects.create(
                person=person,
                method=ContactMethod.PHONE,
                outcome=ContactOutcome.NO_ANSWER,
                attempted_at=timezone.now(),
                by=link_worker,
            )
            TaskFactory(person=person)
            Appointment.objects.create(
                person=person,
                link_worker=link_worker,
                kind=AppointmentKind.CONVERSATION,
                mode=AppointmentMode.PHONE,
                starts_at=timezone.now() + dt.timedelta(days=i + 1),
            )

    _same_at_2_and_10(client_for(link_worker), reverse("referrals:person", args=[person.pk]), add)


def test_conversation_page(client_for, link_worker, person, referral):
    conversation = ConversationFactory(person=person, held_by=link_worker)
    FriendsObservationFactory(person=person, conversation=conversation)

    def add(n):
        for i in range(n):
            ConversationRevision.objects.create(
                conversation=conversation,
                replaced_version=i,
                changed_by=link_worker,
                reason="Typed wrongly",
                changes={"friends_count": ["1", "2"], "life_areas": ["Money and debt", ""]},
                previous={"friends_count": "1"},
            )

    _same_at_2_and_10(
        client_for(link_worker),
        reverse("referrals:conversation_detail", args=[conversation.pk]),
        add,
    )


def test_practice_referrals_list(client_for, practice_staff, practice_a, link_worker):
    def add(n):
        for _ in range(n):
            referral = ReferralFactory(
                person=PersonFactory(practice=practice_a),
                referring_practice=practice_a,
                referred_by=practice_staff,
                link_worker=link_worker,
            )
            Feedback.objects.create(
                referral=referral,
                snomed_code=Feedback.Snomed.REFERRED,
                needs_and_concerns="Lonely",
                support_offered="Choir",
                sent_by=link_worker,
            )

    _same_at_2_and_10(client_for(practice_staff), reverse("referrals:practice_referrals"), add)

"""A person with a row in every table that can hold them, for the subject rights tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from champions.models import GroupStartedByPerson, InvitationState, VolunteerInvitation
from privacy.models import MergeRecord, MergeState
from referrals.models import (
    Appointment,
    AppointmentKind,
    AppointmentMode,
    CaseNote,
    ClosedRouteEnquiry,
    ConnectionOutcome,
    ConnectionOutcomeChange,
    Consent,
    ConsentPurpose,
    ConsentSource,
    ContactAttempt,
    ConversationRevision,
    Feedback,
    GroupAnswer,
    GroupAnswerChoice,
    Message,
    MessageChannel,
    MessageKind,
    MessageStatus,
    Ons4Response,
    Person,
    ReferralStatus,
    ReferralStatusChange,
    Source,
    SwemwbsResponse,
    Task,
    TaskKind,
)
from socialrx.models import AuditLog
from tests.assets.factories import AssetFactory
from tests.champions.factories import (
    ChampionFactory,
    EventFactory,
    HoursLogFactory,
    TrainingRecordFactory,
)
from tests.referrals.factories import (
    VALID_NHS,
    ConnectionFactory,
    ConversationFactory,
    FriendsObservationFactory,
    GoalFactory,
    PersonFactory,
    ReferralFactory,
)
from tests.socialrx.factories import VolunteerUserFactory


@dataclass
class FullRecord:
    person: Person
    names: list[str]


SENDER_IDENTIFIER = "R-2026-0042"


def full_record(*, practice, link_worker, admin, nhs_number: str = VALID_NHS) -> FullRecord:
    """One person with a row in every table that points at them, an audit trail with
    before/after values, an admin history entry and an enquiry through a closed route."""
    person = PersonFactory(
        given_name="Zebedee",
        family_name="Quennell",
        nhs_number=nhs_number,
        practice=practice,
        link_worker=link_worker,
        phone="07700 900123",
        email="zebedee.quennell@example.org",
        date_of_birth=dt.date(1958, 3, 4),
    )
    referral = ReferralFactory(
        person=person,
        status=ReferralStatus.CLOSED,
        closed_on=timezone.localdate(),
        referrer_name="Dr Quennell-Smith",
        link_worker=link_worker,
        # The referring practice's own identifier of the referral (FHIR ServiceRequest).
        sender_identifier_system="https://gp-system.example/referrals",
        sender_identifier_value=SENDER_IDENTIFIER,
    )
    ReferralStatusChange.objects.create(
        referral=referral, to_status=ReferralStatus.CLOSED, by=link_worker, note="Zebedee done"
    )
    Feedback.objects.create(
        referral=referral,
        snomed_code=Feedback.Snomed.REFERRED,
        needs_and_concerns="Zebedee Quennell is lonely",
        support_offered="Walking group",
        sent_by=link_worker,
    )
    conversation = ConversationFactory(
        person=person, referral=referral, what_matters="Zebedee likes birds"
    )
    FriendsObservationFactory(person=person, conversation=conversation)
    ConversationRevision.objects.create(
        conversation=conversation,
        replaced_version=0,
        changed_by=link_worker,
        reason="Zebedee corrected his answer",
        changes={"what_matters": ["Zebedee likes cats", "Zebedee likes birds"]},
        previous={"what_matters": "Zebedee likes cats"},
    )
    SwemwbsResponse.objects.create(
        person=person,
        conversation=conversation,
        completed_on=timezone.localdate(),
        items=[3] * 7,
        raw_score=21,
        metric_score=Decimal("20.00"),
    )
    Ons4Response.objects.create(
        person=person,
        conversation=conversation,
        completed_on=timezone.localdate(),
        life_satisfaction=5,
        worthwhile=5,
        happiness=5,
        anxiety=5,
    )
    GoalFactory(person=person, referral=referral, description="Zebedee walks weekly")
    connection = ConnectionFactory(person=person, referral=referral, notes="Quennell went")
    ConnectionOutcomeChange.objects.create(
        connection=connection, outcome=ConnectionOutcome.ATTENDED, by=link_worker
    )
    GroupAnswer.objects.create(connection=connection, answer=GroupAnswerChoice.CAME)
    CaseNote.objects.create(person=person, referral=referral, text="Called Zebedee", by=link_worker)
    Task.objects.create(
        person=person,
        referral=referral,
        connection=connection,
        kind=TaskKind.CONNECTION_FOLLOW_UP,
        due_on=timezone.localdate(),
        assigned_to=link_worker,
        created_by=link_worker,
        note="Ask Zebedee about the walk",
    )
    appointment = Appointment.objects.create(
        person=person,
        referral=referral,
        link_worker=link_worker,
        kind=AppointmentKind.FOLLOW_UP,
        starts_at=timezone.now() + dt.timedelta(days=3),
        mode=AppointmentMode.IN_PERSON,
        place="Zebedee's house",
        created_by=link_worker,
    )
    Message.objects.create(
        person=person,
        referral=referral,
        appointment=appointment,
        channel=MessageChannel.SMS,
        kind=MessageKind.APPOINTMENT_REMINDER,
        status=MessageStatus.SENT,
        to_address="07700900123",
        body="Hello Zebedee, a reminder of your appointment",
        sent_by=link_worker,
    )
    ContactAttempt.objects.create(
        person=person,
        referral=referral,
        method="phone",
        outcome="no_answer",
        attempted_at=timezone.now(),
        by=link_worker,
    )
    Consent.objects.create(
        person=person,
        purpose=ConsentPurpose.SHARE_WITH_GROUP,
        given=True,
        recorded_by=link_worker,
        source=ConsentSource.CONVERSATION,
        referral=referral,
    )
    account = VolunteerUserFactory(
        username="zebedee_q", first_name="Zebedee", last_name="Quennell", email="zq@example.org"
    )
    champion = ChampionFactory(
        person=person,
        user=account,
        given_name="Zebedee",
        family_name="Quennell",
        email="zebedee.quennell@example.org",
    )
    TrainingRecordFactory(champion=champion)
    HoursLogFactory(champion=champion)
    EventFactory(champion=champion)
    VolunteerInvitation.objects.create(
        person=person,
        invited_by=link_worker,
        role=champion.role,
        state=InvitationState.ACCEPTED,
        consent_wording="I, Zebedee Quennell, agree",
        consent_recorded_by=link_worker,
        consent_recorded_at=timezone.now(),
        champion=champion,
    )
    GroupStartedByPerson.objects.create(asset=AssetFactory(), person=person)
    other = PersonFactory(given_name="Other", family_name="Someone")
    MergeRecord.objects.create(
        kept=person,
        duplicate=other,
        duplicate_person_id=other.pk,
        state=MergeState.UNDONE,
        created_by=admin,
    )
    ClosedRouteEnquiry.objects.create(
        route=Source.SELF,
        data={"given_name": "Zebedee", "family_name": "Quennell", "nhs_number": nhs_number},
    )
    AuditLog.objects.create(
        user=link_worker,
        action=AuditLog.Action.UPDATE,
        object_type="referrals.person",
        object_id=str(person.pk),
        person_id=person.pk,
        detail="phone",
        changes={"phone": ["07700 900000", "07700 900123"], "family_name": ["Q", "Quennell"]},
    )
    LogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(Person),
        object_id=str(person.pk),
        object_repr=str(person),
        action_flag=CHANGE,
        change_message="",
    )
    return FullRecord(person=person, names=["Zebedee", "Quennell", nhs_number, "07700 900123"])

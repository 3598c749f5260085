"""Writes for the link worker's casework: status changes, conversations and questionnaires,
goals, connections and their follow-up, case notes, the feedback to the referrer. Every change
to a person's record is written to the audit log here, so no view can forget it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from assets.models import Asset
from socialrx.audit import audit_record
from socialrx.models import AuditLog, Role, User

from ..models import (
    ENDED_STATUSES,
    OPEN_STATUSES,
    CaseNote,
    Connection,
    ConnectionKind,
    ConnectionOutcome,
    ConnectionOutcomeChange,
    Conversation,
    Feedback,
    FriendsObservation,
    Goal,
    GoalStatus,
    LifeArea,
    Ons4Response,
    Person,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    SwemwbsResponse,
)
from ..questionnaires import ons4_answers, swemwbs_score
from ..selectors.casework import referral_open_for

S = ReferralStatus

# Where a referral may go next. Ended referrals stay ended: a returning person gets a new
# referral, so each referral's history stays true.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.RECEIVED: (S.CONTACTED, S.ACTIVE, S.DECLINED, S.WITHDRAWN, S.UNABLE_TO_CONTACT),
    S.CONTACTED: (S.ACTIVE, S.DECLINED, S.WITHDRAWN, S.UNABLE_TO_CONTACT),
    S.ACTIVE: (S.CLOSED, S.WITHDRAWN),
    S.CLOSED: (),
    S.DECLINED: (),
    S.WITHDRAWN: (),
    S.UNABLE_TO_CONTACT: (),
}

PERSON_EDITABLE_FIELDS = (
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "ethnicity",
    "postcode",
    "preferred_language",
    "communication_needs",
    "phone",
    "email",
)


def _touch(person: Person) -> None:
    """Newest activity first on the caseload."""
    person.last_activity_at = timezone.now()
    person.save(update_fields=["last_activity_at"])


def _audit(*, by: Any, action: str, obj: Any, person: Person, detail: str = "") -> None:
    audit_record(user=by, action=action, obj=obj, person_id=person.pk, detail=detail)


def person_view_record(*, person: Person, by: Any, what: str = "person page") -> None:
    _audit(by=by, action=AuditLog.Action.VIEW, obj=person, person=person, detail=what)


# --- the person ------------------------------------------------------------------------------


def person_update(*, person: Person, by: Any, data: Mapping[str, Any]) -> list[str]:
    """Change the person's details; returns the names of the fields that changed (the audit
    log keeps the names only, never the values)."""
    changed = [
        name
        for name in PERSON_EDITABLE_FIELDS
        if name in data and getattr(person, name) != data[name]
    ]
    if not changed:
        return []
    for name in changed:
        setattr(person, name, data[name])
    person.full_clean(exclude=["team", "link_worker", "practice"])
    with transaction.atomic():
        person.last_activity_at = timezone.now()
        person.save(update_fields=[*changed, "last_activity_at"])
        _audit(
            by=by,
            action=AuditLog.Action.UPDATE,
            obj=person,
            person=person,
            detail="changed " + ", ".join(changed),
        )
    return changed


def person_link_worker_set(*, person: Person, link_worker: User, by: Any) -> None:
    """Hand the case to another link worker of the person's team. Their open referrals move
    with them: one named, continuing worker per person."""
    if (
        link_worker.role != Role.LINK_WORKER
        or not link_worker.is_active
        or link_worker.team_id is None
        or link_worker.team_id != person.team_id
    ):
        raise ValidationError(
            "Choose a link worker from this person's team", code="link_worker_not_in_team"
        )
    if person.link_worker_id == link_worker.pk:
        return
    with transaction.atomic():
        person.link_worker = link_worker
        person.last_activity_at = timezone.now()
        person.save(update_fields=["link_worker", "last_activity_at"])
        person.referrals.filter(status__in=OPEN_STATUSES).update(
            link_worker=link_worker, updated_at=timezone.now()
        )
        _audit(
            by=by,
            action=AuditLog.Action.UPDATE,
            obj=person,
            person=person,
            detail="changed link_worker",
        )


# --- referrals -------------------------------------------------------------------------------


def referral_allowed_statuses(*, referral: Referral) -> tuple[str, ...]:
    return TRANSITIONS.get(referral.status, ())


def referral_status_change(
    *,
    referral: Referral,
    to_status: str,
    by: Any,
    note: str = "",
    closure_outcome: str = "",
    on: dt.date | None = None,
) -> ReferralStatusChange:
    """Move a referral on, keeping who and when. Ending a referral (closed, declined,
    withdrawn, unable to contact) sets ``closed_on``."""
    allowed = referral_allowed_statuses(referral=referral)
    if to_status not in allowed:
        current = ReferralStatus(referral.status).label
        target = (
            ReferralStatus(to_status).label if to_status in ReferralStatus.values else to_status
        )
        if not allowed:
            message = f"This referral is {current.lower()}: its status can no longer change"
        else:
            options = ", ".join(ReferralStatus(s).label.lower() for s in allowed)
            message = (
                f"A {current.lower()} referral cannot become {target.lower()}. "
                f"It can become: {options}"
            )
        raise ValidationError(message, code="invalid_transition")
    if to_status == S.CLOSED and not closure_outcome.strip():
        raise ValidationError("Enter the outcome of the case", code="closure_outcome_required")
    with transaction.atomic():
        change = ReferralStatusChange.objects.create(
            referral=referral,
            from_status=referral.status,
            to_status=to_status,
            by=by if getattr(by, "is_authenticated", False) else None,
            note=note[:500],
        )
        referral.status = to_status
        fields = ["status", "updated_at"]
        if to_status in ENDED_STATUSES:
            referral.closed_on = on or timezone.localdate()
            fields.append("closed_on")
        if closure_outcome:
            referral.closure_outcome = closure_outcome
            fields.append("closure_outcome")
        referral.save(update_fields=fields)
        _touch(referral.person)
        _audit(
            by=by,
            action=AuditLog.Action.UPDATE,
            obj=referral,
            person=referral.person,
            detail=f"status {change.from_status} -> {to_status}",
        )
    return change


def referral_close(
    *, referral: Referral, outcome: str, by: Any, on: dt.date | None = None
) -> ReferralStatusChange:
    return referral_status_change(
        referral=referral, to_status=S.CLOSED, by=by, closure_outcome=outcome, on=on
    )


# --- conversations ---------------------------------------------------------------------------


def conversation_log(
    *,
    person: Person,
    by: Any,
    held_on: dt.date,
    what_matters: str = "",
    good_life: str = "",
    love_doing: str = "",
    could_offer: str = "",
    life_areas: Iterable[str] = (),
    notes: str = "",
    friends_count: int | None = None,
    swemwbs_items: Sequence[int] | None = None,
    ons4: Mapping[str, int | None] | None = None,
) -> Conversation:
    """Log a "what matters to you" conversation on the person's open referral, with the
    optional friends question and questionnaires. The first conversation on a received or
    contacted referral makes it active."""
    areas = list(dict.fromkeys(life_areas))
    unknown = [a for a in areas if a not in LifeArea.values]
    if unknown:
        raise ValidationError("Choose life areas from the list", code="unknown_life_area")
    if friends_count is not None and friends_count < 0:
        raise ValidationError("The number of friends cannot be negative", code="friends_negative")
    try:
        swemwbs = swemwbs_score(items=swemwbs_items) if swemwbs_items else None
        ons4_values = ons4_answers(answers=ons4 or {})
    except ValueError as exc:
        raise ValidationError(str(exc), code="questionnaire_incomplete") from None
    if swemwbs is not None and not settings.SWEMWBS_ENABLED:
        raise ValidationError("SWEMWBS is switched off", code="swemwbs_disabled")

    with transaction.atomic():
        referral = referral_open_for(person=person)
        conversation = Conversation.objects.create(
            person=person,
            referral=referral,
            held_on=held_on,
            held_by=by if getattr(by, "is_authenticated", False) else None,
            what_matters=what_matters,
            good_life=good_life,
            love_doing=love_doing,
            could_offer=could_offer,
            life_areas=areas,
            notes=notes,
        )
        if friends_count is not None:
            FriendsObservation.objects.create(
                person=person,
                conversation=conversation,
                observed_on=held_on,
                friends_count=friends_count,
            )
        if swemwbs is not None:
            SwemwbsResponse.objects.create(
                person=person,
                conversation=conversation,
                completed_on=held_on,
                items=list(swemwbs.items),
                raw_score=swemwbs.raw_score,
                metric_score=swemwbs.metric_score,
            )
        if ons4_values is not None:
            Ons4Response.objects.create(
                person=person, conversation=conversation, completed_on=held_on, **ons4_values
            )
        _audit(by=by, action=AuditLog.Action.CREATE, obj=conversation, person=person)
        if (
            referral is not None
            and referral.status in (S.RECEIVED, S.CONTACTED)
            and not referral.conversations.exclude(pk=conversation.pk).exists()
        ):
            referral_status_change(
                referral=referral,
                to_status=S.ACTIVE,
                by=by,
                note="First conversation held",
            )
        else:
            _touch(person)
    return conversation


# --- goals -----------------------------------------------------------------------------------


def goal_add(*, person: Person, description: str, by: Any) -> Goal:
    description = description.strip()
    if not description:
        raise ValidationError("Describe the goal in the person's words", code="goal_required")
    with transaction.atomic():
        goal = Goal.objects.create(
            person=person,
            referral=referral_open_for(person=person),
            description=description[:500],
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        _touch(person)
        _audit(by=by, action=AuditLog.Action.CREATE, obj=goal, person=person)
    return goal


def goal_status_set(*, goal: Goal, status: str, by: Any) -> Goal:
    if status not in GoalStatus.values:
        raise ValidationError("Choose how the person feels it is going", code="goal_status")
    if goal.status == status:
        return goal
    with transaction.atomic():
        goal.status = status
        goal.save(update_fields=["status", "updated_at"])
        _touch(goal.person)
        _audit(
            by=by,
            action=AuditLog.Action.UPDATE,
            obj=goal,
            person=goal.person,
            detail=f"status {status}",
        )
    return goal


# --- connections -----------------------------------------------------------------------------


def connection_warnings(*, asset: Asset) -> list[str]:
    return list(asset.connection_warnings(today=timezone.localdate()))


def connection_make(
    *,
    person: Person,
    asset: Asset,
    kind: str,
    made_on: dt.date,
    by: Any,
    notes: str = "",
    warnings_confirmed: bool = False,
) -> Connection:
    """Connect the person to a community asset. If the directory warns about the asset (ended,
    full, not confirmed recently…), the link worker must have seen the warnings and chosen to
    connect anyway."""
    if kind not in ConnectionKind.values:
        raise ValidationError("Choose how you connected them", code="connection_kind")
    warnings = connection_warnings(asset=asset)
    if warnings and not warnings_confirmed:
        raise ValidationError(
            "Confirm that you want to connect them despite the warnings",
            code="warnings_not_confirmed",
        )
    with transaction.atomic():
        connection = Connection.objects.create(
            person=person,
            referral=referral_open_for(person=person),
            asset=asset,
            made_on=made_on,
            kind=kind,
            made_by=by if getattr(by, "is_authenticated", False) else None,
            notes=notes,
        )
        _touch(person)
        _audit(
            by=by,
            action=AuditLog.Action.CREATE,
            obj=connection,
            person=person,
            detail="despite warnings" if warnings else "",
        )
    return connection


def connection_outcome_set(
    *, connection: Connection, outcome: str, by: Any, on: dt.date | None = None
) -> Connection:
    """Record the follow-up of a connection; each change is kept."""
    if outcome not in ConnectionOutcome.values:
        raise ValidationError("Choose what happened", code="connection_outcome")
    if connection.outcome == outcome:
        return connection
    with transaction.atomic():
        connection.outcome = outcome
        connection.outcome_updated_on = on or timezone.localdate()
        connection.save(update_fields=["outcome", "outcome_updated_on"])
        ConnectionOutcomeChange.objects.create(
            connection=connection,
            outcome=outcome,
            by=by if getattr(by, "is_authenticated", False) else None,
        )
        _touch(connection.person)
        _audit(
            by=by,
            action=AuditLog.Action.UPDATE,
            obj=connection,
            person=connection.person,
            detail=f"outcome {outcome}",
        )
    return connection


# --- case notes ------------------------------------------------------------------------------


def case_note_add(*, person: Person, text: str, by: Any) -> CaseNote:
    if not text.strip():
        raise ValidationError("Enter the note", code="note_required")
    with transaction.atomic():
        note = CaseNote.objects.create(
            person=person,
            referral=referral_open_for(person=person),
            text=text.strip(),
            by=by if getattr(by, "is_authenticated", False) else None,
        )
        _touch(person)
        _audit(by=by, action=AuditLog.Action.CREATE, obj=note, person=person)
    return note


# --- feedback to the referrer ----------------------------------------------------------------


def feedback_snomed_for(*, referral: Referral) -> str:
    """The code practices record: declined when the person declined, else referred."""
    if referral.status == S.DECLINED:
        return Feedback.Snomed.DECLINED
    return Feedback.Snomed.REFERRED


def feedback_support_prefill(*, person: Person) -> str:
    """Support offered and activities referred to, from the person's connections."""
    lines = []
    for c in person.connections.select_related("asset").order_by("made_on", "id"):
        kind = c.get_kind_display().split(" (")[0].lower()
        line = f"{c.asset.name}: {kind}, {c.made_on:%-d %B %Y}"
        if c.outcome != ConnectionOutcome.PENDING:
            line += f" ({c.get_outcome_display().lower()})"
        lines.append(line)
    return "\n".join(lines)


def feedback_send(
    *,
    referral: Referral,
    by: Any,
    snomed_code: str,
    needs_and_concerns: str,
    support_offered: str,
    outcomes: str = "",
) -> Feedback:
    """Save the message back to the referrer and, when the referral gave an email address,
    tell them it is there (the email names the referral id only)."""
    if snomed_code not in Feedback.Snomed.values:
        raise ValidationError("Choose the SNOMED CT code", code="snomed_code")
    if not needs_and_concerns.strip() or not support_offered.strip():
        raise ValidationError(
            "Enter the needs and concerns, and the support offered", code="feedback_required"
        )
    with transaction.atomic():
        feedback = Feedback.objects.create(
            referral=referral,
            snomed_code=snomed_code,
            needs_and_concerns=needs_and_concerns.strip(),
            support_offered=support_offered.strip(),
            outcomes=outcomes.strip(),
            sent_by=by if getattr(by, "is_authenticated", False) else None,
        )
        _touch(referral.person)
        _audit(by=by, action=AuditLog.Action.CREATE, obj=feedback, person=referral.person)
        if referral.referrer_email:
            from ..tasks import feedback_notice_send_task

            feedback_id = feedback.pk
            transaction.on_commit(lambda: feedback_notice_send_task.delay(feedback_id=feedback_id))
    return feedback


def feedback_notice_send(*, feedback_id: int) -> bool:
    """Email the referrer that feedback is waiting. No personal data: the referral id only.
    Returns False when there is nothing to send (feedback gone, no address)."""
    feedback = Feedback.objects.select_related("referral").filter(pk=feedback_id).first()
    if feedback is None or not feedback.referral.referrer_email:
        return False
    referral_id = feedback.referral_id
    send_mail(
        subject=f"Social prescribing feedback for referral {referral_id}",
        message=(
            f"There is feedback for referral {referral_id}, sign in to read it.\n\n"
            f"{settings.SITE_URL}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[feedback.referral.referrer_email],
    )
    return True

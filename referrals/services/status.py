"""Where a referral goes next: its status changes, kept with who and when, and closing the
case."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from socialrx.audit import acting_user
from socialrx.audited import record_update
from socialrx.concurrency import EditConflict
from socialrx.models import WebhookEvent
from socialrx.webhooks import webhook_event_publish

from ..models import (
    ENDED_STATUSES,
    CloseReason,
    EndReason,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
)
from .activity import person_touch

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
    # Added to the person's open case on arrival: the work is recorded on that case.
    S.JOINED_CASE: (),
}


def referral_allowed_statuses(*, referral: Referral) -> tuple[str, ...]:
    return statuses_allowed_from(referral.status)


def statuses_allowed_from(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


class StatusConflict(EditConflict):
    """The referral's status moved on since the caller saw it: someone else changed it."""


def status_change_record(
    *, referral: Referral, from_status: str, to_status: str, by: Any, note: str = ""
) -> ReferralStatusChange:
    """Keep one status change (every change is recorded here) and tell the referring
    practice's API clients that subscribed, after commit: ids and statuses only."""
    change = ReferralStatusChange.objects.create(
        referral=referral, from_status=from_status, to_status=to_status, by=by, note=note
    )
    webhook_event_publish(
        organisation_id=referral.referring_practice_id,
        event_type=WebhookEvent.REFERRAL_STATUS_CHANGED,
        data={
            "referral_id": referral.pk,
            "status": to_status,
            "previous_status": from_status or None,
            "changed_at": change.at.isoformat(),
        },
    )
    return change


@acting_user("by")
def referral_status_change(
    *,
    referral: Referral,
    to_status: str,
    by: Any,
    note: str = "",
    closure_outcome: str = "",
    on: dt.date | None = None,
    from_status: str | None = None,
    end_reason: str = "",
    close_reason: str = "",
) -> ReferralStatusChange:
    """Move a referral on, keeping who and when. Ending a referral (closed, declined,
    withdrawn, unable to contact) sets ``closed_on``; an open status has none.

    ``from_status`` is the status the user was shown (default: ``referral``'s own). The move is
    one conditional UPDATE from that status, so of two simultaneous changes exactly one is
    made and recorded; the other gets :class:`StatusConflict` saying what the status is now."""
    expected = referral.status if from_status is None else from_status
    allowed = statuses_allowed_from(expected)
    if to_status not in allowed:
        current = ReferralStatus(expected).label if expected in ReferralStatus.values else expected
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
    if end_reason and end_reason not in EndReason.values:
        raise ValidationError(
            {"end_reason": "Choose a reason from the list"}, code="end_reason_invalid"
        )
    if close_reason and close_reason not in CloseReason.values:
        raise ValidationError(
            {"close_reason": "Choose how the case ended from the list"},
            code="close_reason_invalid",
        )
    if to_status == S.CLOSED and not close_reason:
        raise ValidationError(
            {"close_reason": "Choose how the case ended"}, code="close_reason_required"
        )
    if to_status == S.CLOSED and not closure_outcome.strip():
        raise ValidationError("Enter the outcome of the case", code="closure_outcome_required")
    values: dict[str, Any] = {
        "status": to_status,
        "closed_on": (on or timezone.localdate()) if to_status in ENDED_STATUSES else None,
        "updated_at": timezone.now(),
        "version": F("version") + 1,
    }
    if closure_outcome:
        values["closure_outcome"] = closure_outcome
    if end_reason and to_status in ENDED_STATUSES:
        values["end_reason"] = end_reason
    if to_status == S.CLOSED:
        values["close_reason"] = close_reason
    with transaction.atomic():
        if not Referral.objects.filter(pk=referral.pk, status=expected).update(**values):
            now = Referral.objects.filter(pk=referral.pk).first()
            shown = ReferralStatus(expected).label.lower()
            raise StatusConflict(
                "Someone else changed the status of this referral while you were choosing: "
                f"it was {shown} and is now "
                f"{now.get_status_display().lower() if now else 'gone'}. "
                "Your change was not made; check the referral and choose again.",
                current=now,
                code="status_conflict",
            )
        before = {
            "status": expected,
            "closed_on": referral.closed_on,
            "closure_outcome": referral.closure_outcome,
            "end_reason": referral.end_reason,
            "close_reason": referral.close_reason,
        }
        referral.refresh_from_db(
            fields=[
                "status",
                "closed_on",
                "closure_outcome",
                "end_reason",
                "close_reason",
                "updated_at",
                "version",
            ]
        )
        # The conditional UPDATE bypasses save(): write the entry save() would have.
        record_update(
            referral,
            {k: [v, getattr(referral, k)] for k, v in before.items() if getattr(referral, k) != v},
        )
        change = status_change_record(
            referral=referral,
            from_status=expected,
            to_status=to_status,
            by=by if getattr(by, "is_authenticated", False) else None,
            note=note[:500],
        )
        person_touch(referral.person)
    return change


def referral_close(
    *,
    referral: Referral,
    outcome: str,
    reason: str,
    by: Any,
    on: dt.date | None = None,
    from_status: str | None = None,
) -> ReferralStatusChange:
    """Close a case that was worked on, with its coded outcome (``reason``, a
    :class:`CloseReason`) and the outcome in words."""
    return referral_status_change(
        referral=referral,
        to_status=S.CLOSED,
        by=by,
        closure_outcome=outcome,
        close_reason=reason,
        on=on,
        from_status=from_status,
    )

"""Where a referral goes next: its status changes, kept with who and when, and closing the
case."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from socialrx.audit import acting_user

from ..models import ENDED_STATUSES, Referral, ReferralStatus, ReferralStatusChange
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
}


def referral_allowed_statuses(*, referral: Referral) -> tuple[str, ...]:
    return TRANSITIONS.get(referral.status, ())


@acting_user("by")
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
        person_touch(referral.person)
    return change


def referral_close(
    *, referral: Referral, outcome: str, by: Any, on: dt.date | None = None
) -> ReferralStatusChange:
    return referral_status_change(
        referral=referral, to_status=S.CLOSED, by=by, closure_outcome=outcome, on=on
    )

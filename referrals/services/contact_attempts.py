"""Contact attempts: each try at reaching a person, kept with how it went, respecting what
the person said about being contacted; and closing a referral as unable to contact once the
tries show it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from socialrx.audit import acting_user

from ..models import (
    OPEN_STATUSES,
    ContactAttempt,
    ContactMethod,
    ContactOutcome,
    EndReason,
    Feedback,
    Person,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    SafeToLeaveMessage,
)
from .activity import person_touch
from .feedback import feedback_send
from .status import StatusConflict, referral_status_change
from .tasks import task_for_contact_attempt

MESSAGE_NOT_SAFE = (
    "It is not safe to leave a message for this person: they said no. Record the attempt as "
    "no answer, and try again at their best time to contact"
)


@acting_user("by")
def contact_attempt_record(
    *,
    person: Person,
    method: str,
    outcome: str,
    by: Any,
    attempted_at: dt.datetime | None = None,
    referral: Referral | None = None,
) -> ContactAttempt:
    """Keep one attempt. A message is never left for someone who said it is not safe to: the
    attempt is refused (nothing is saved) so that the link worker knows not to."""
    errors: dict[str, str] = {}
    if method not in ContactMethod.values:
        errors["method"] = "Choose how you tried to contact them"
    if outcome not in ContactOutcome.values:
        errors["outcome"] = "Choose what happened"
    elif (
        outcome == ContactOutcome.MESSAGE_LEFT
        and person.safe_to_leave_message == SafeToLeaveMessage.NO
    ):
        errors["outcome"] = MESSAGE_NOT_SAFE
    when = attempted_at or timezone.now()
    if when > timezone.now() + dt.timedelta(minutes=5):
        errors["attempted_at"] = "The attempt must be now or in the past"
    if referral is not None and referral.person_id != person.pk:
        errors["referral"] = "Choose one of this person's referrals"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        attempt = ContactAttempt.objects.create(
            person=person,
            referral=referral,
            method=method,
            outcome=outcome,
            attempted_at=when,
            by=by,
        )
        task_for_contact_attempt(attempt=attempt, by=by)
        if outcome == ContactOutcome.REACHED:
            _first_contact_made(person=person, by=by)
        person_touch(person)
    return attempt


def _first_contact_made(*, person: Person, by: Any) -> None:
    """Reaching the person is the first contact: their referrals still "received" become
    "contacted" (a colleague's simultaneous change wins, and is left as it is)."""
    for waiting in Referral.objects.filter(person=person, status=ReferralStatus.RECEIVED):
        try:
            referral_status_change(
                referral=waiting,
                to_status=ReferralStatus.CONTACTED,
                by=by,
                note="Reached by the link worker",
            )
        except StatusConflict:
            continue


@dataclass(frozen=True)
class UnableToContact:
    """Whether the open referral may be closed as unable to contact, and why not."""

    allowed: bool
    unsuccessful: int
    days: int


def unable_to_contact_check(
    *, referral: Referral | None, attempts: Iterable[ContactAttempt] | None = None
) -> UnableToContact:
    """Unsuccessful attempts since the referral arrived, and over how many days. Closing is
    offered after ``UNABLE_TO_CONTACT_ATTEMPTS`` unsuccessful attempts spanning at least
    ``UNABLE_TO_CONTACT_DAYS`` days, with no attempt since that reached the person.
    ``attempts`` are the person's attempts if already loaded (the person page has them)."""
    if referral is None or referral.status not in OPEN_STATUSES:
        return UnableToContact(False, 0, 0)
    since = dt.datetime.combine(referral.received_on, dt.time.min, tzinfo=dt.UTC)
    if attempts is None:
        attempts = ContactAttempt.objects.filter(person_id=referral.person_id)
    rows = sorted(
        ((a.outcome, a.attempted_at, a.pk) for a in attempts if a.attempted_at >= since),
        key=lambda row: (row[1], row[2]),
    )
    last_reached = max(
        (i for i, (o, _, _) in enumerate(rows) if o == ContactOutcome.REACHED), default=-1
    )
    tries = [at for _, at, _ in rows[last_reached + 1 :]]
    days = (tries[-1] - tries[0]).days if tries else 0
    allowed = (
        len(tries) >= settings.UNABLE_TO_CONTACT_ATTEMPTS
        and days >= settings.UNABLE_TO_CONTACT_DAYS
    )
    return UnableToContact(allowed, len(tries), days)


@acting_user("by")
def referral_close_unable_to_contact(
    *, referral: Referral, by: Any, from_status: str | None = None
) -> ReferralStatusChange:
    """Close the referral as unable to contact, if the attempts allow it. The status change is
    conditional on the status the user was shown (``from_status``)."""
    check = unable_to_contact_check(referral=referral)
    if not check.allowed:
        raise ValidationError(
            f"Make at least {settings.UNABLE_TO_CONTACT_ATTEMPTS} unsuccessful attempts over "
            f"at least {settings.UNABLE_TO_CONTACT_DAYS} days before closing as unable to "
            f"contact (so far: {check.unsuccessful} over {check.days} days)",
            code="not_enough_attempts",
        )
    with transaction.atomic():
        change = referral_status_change(
            referral=referral,
            to_status=ReferralStatus.UNABLE_TO_CONTACT,
            by=by,
            note=f"{check.unsuccessful} unsuccessful contact attempts over {check.days} days",
            from_status=from_status,
            end_reason=EndReason.UNABLE_TO_CONTACT,
        )
        # The referrer hears back, as for any ended referral: the letter says we tried.
        feedback_send(
            referral=referral,
            by=by,
            snomed_code=Feedback.Snomed.REFERRED,
            needs_and_concerns=referral.reason.strip() or "As given on the referral.",
            support_offered=(
                f"We tried to contact them {check.unsuccessful} times over {check.days} days "
                "without reaching them, and have closed the referral as unable to contact. "
                "Please refer them again if they would like support."
            ),
            outcomes="Unable to contact",
        )
    return change

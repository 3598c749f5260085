"""Referral intake: one service for every route (practice staff, the public, volunteers, other
services recorded by a link worker, the API). It owns the route check, the practice scope and
the matching of the person, and answers with one of three results: the referral made, the
enquiry kept because the route is switched off, or the likely duplicates for the user to
confirm."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from assets.models import Asset
from socialrx.audit import acting_user
from socialrx.models import Practice, Role, StaffType
from socialrx.ratelimit import rate_limited

from ..models import (
    ClosedRouteEnquiry,
    ConsentPurpose,
    ConsentSource,
    Person,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    Source,
)
from .assignment import link_worker_for, team_for_practice
from .consent import consent_record
from .enquiries import closed_route_enquiry_create
from .matching import Matching, PersonDetails, person_match
from .people import person_create_or_existing, person_fill_blanks

PRACTICE_SOURCES = (Source.GP, Source.PRACTICE_STAFF)


@dataclass(frozen=True)
class ReferralDetails:
    """What a referral says besides who it is for, as entered on any route."""

    reason: str = ""
    # Agreement to be contacted by a link worker: a referral cannot be made without it.
    consent_confirmed: bool = False
    # The answers for the other purposes (``ConsentPurpose`` value → yes/no); a purpose left
    # out was not asked.
    consents: dict[str, bool] = field(default_factory=dict)
    referring_practice: Practice | None = None
    referring_asset: Asset | None = None
    referrer_name: str = ""
    referrer_organisation: str = ""
    referrer_email: str = ""


@dataclass(frozen=True)
class ReferralMade:
    referral: Referral


@dataclass(frozen=True)
class EnquiryKept:
    """The route is switched off: what was sent is kept for an administrator."""

    enquiry: ClosedRouteEnquiry


@dataclass(frozen=True)
class CandidatesToConfirm:
    """People who may be the one referred; nothing is saved until the user chooses one of
    them or a new record."""

    candidates: list[Person]


IntakeResult = ReferralMade | EnquiryKept | CandidatesToConfirm


def route_is_open(*, route: str) -> bool:
    return route in settings.REFERRAL_ROUTES_OPEN


@acting_user("by", note="intake")
def referral_intake(
    *,
    route: str,
    person: PersonDetails,
    referral: ReferralDetails,
    by: Any | None,
    matching: Matching,
    enquiry_data: Mapping[str, Any],
    choice: str = "",
) -> IntakeResult:
    """Take a referral from any route.

    ``route`` is a ``Source`` (practice staff may leave it empty: their staff type decides);
    ``matching`` says whether the user may be shown likely duplicates (``choice`` is their
    answer); ``enquiry_data`` is what to keep if the route is switched off. Invalid input
    raises ``ValidationError`` keyed by field; practice staff without a practice are refused
    (``PermissionDenied``)."""
    route, person, referral = _practice_scope(by=by, route=route, person=person, referral=referral)
    if not route_is_open(route=route):
        return EnquiryKept(closed_route_enquiry_create(route=route, data=enquiry_data, by=by))
    found = person_match(details=person, matching=matching, choice=choice)
    if found.needs_choice:
        return CandidatesToConfirm(candidates=found.candidates)
    user = by if getattr(by, "is_authenticated", False) else None
    with transaction.atomic():
        if found.person is None:
            record = person_create_or_existing(details=person, by=user)
        else:
            record = person_fill_blanks(person=found.person, details=person, by=user)
        made = referral_create(
            person=record,
            source=route,
            by=user,
            consent_confirmed=referral.consent_confirmed,
            reason=referral.reason,
            referring_practice=referral.referring_practice,
            referring_asset=referral.referring_asset,
            referrer_name=referral.referrer_name,
            referrer_organisation=referral.referrer_organisation
            or (referral.referring_practice.name if referral.referring_practice else ""),
            referrer_email=referral.referrer_email,
        )
        consent_record(
            person=record,
            answers={**referral.consents, ConsentPurpose.CONTACT: True},
            by=user,
            source=ConsentSource.SELF_REFERRAL
            if route == Source.SELF
            else ConsentSource.REFERRAL_FORM,
            referral=made,
        )
    return ReferralMade(made)


def _practice_scope(
    *, by: Any, route: str, person: PersonDetails, referral: ReferralDetails
) -> tuple[str, PersonDetails, ReferralDetails]:
    """Practice staff refer for their own practice only, as ``gp`` or ``practice_staff`` (by
    default as their staff type says); everyone else names the route."""
    is_practice_staff = (
        getattr(by, "is_authenticated", False)
        and not by.is_admin
        and by.role == Role.PRACTICE_STAFF
    )
    if not is_practice_staff:
        if not route:
            raise ValidationError({"source": "Choose the referral route"})
        return route, person, referral
    practice = by.practice
    if practice is None:
        raise PermissionDenied
    route = route or (Source.GP if by.staff_type == StaffType.GP else Source.PRACTICE_STAFF)
    if route not in PRACTICE_SOURCES:
        raise ValidationError({"source": "Practice staff may refer as gp or practice_staff"})
    if {p.pk for p in (person.practice, referral.referring_practice) if p} - {practice.pk}:
        raise ValidationError({"referring_practice": "Practice staff refer for their own practice"})
    return (
        route,
        replace(person, practice=practice),
        replace(referral, referring_practice=practice),
    )


@acting_user("by")
def referral_create(
    *,
    person: Person,
    source: str,
    by: Any | None,
    consent_confirmed: bool,
    reason: str = "",
    referring_practice: Practice | None = None,
    referring_asset: Asset | None = None,
    referrer_name: str = "",
    referrer_organisation: str = "",
    referrer_email: str = "",
    received_on: dt.date | None = None,
) -> Referral:
    """The referral itself, for a person already settled on (``referral_intake`` decides
    whether the route is open and who the person is): team and named link worker, the first
    status change, the audit entry and an email to the link worker once the transaction
    commits."""
    if source not in Source.values:
        raise ValidationError({"source": "Choose a referral route"})
    if not consent_confirmed:
        raise ValidationError(
            {"consent_confirmed": "Confirm that the person has agreed to this referral"}
        )
    user = by if getattr(by, "is_authenticated", False) else None
    now = timezone.now()
    with transaction.atomic():
        team = team_for_practice(practice=person.practice)
        if team is None:
            # No practice and no default team: keep the team the person already has.
            team = person.team
        link_worker = link_worker_for(person=person, team=team)
        person.team = team
        person.link_worker = link_worker
        person.last_activity_at = now
        person.save(update_fields=["team", "link_worker", "last_activity_at"])
        referral = Referral.objects.create(
            person=person,
            received_on=received_on or timezone.localdate(),
            source=source,
            referrer_name=referrer_name,
            referrer_organisation=referrer_organisation,
            referrer_email=referrer_email,
            referring_practice=referring_practice,
            referred_by=user,
            referring_asset=referring_asset,
            reason=reason,
            consent_confirmed=True,
            status=ReferralStatus.RECEIVED,
            team=team,
            link_worker=link_worker,
        )
        ReferralStatusChange.objects.create(
            referral=referral, from_status="", to_status=ReferralStatus.RECEIVED, by=user
        )
        if link_worker is not None:
            from ..tasks import referral_notify_link_worker_task

            referral_id = referral.pk
            transaction.on_commit(
                lambda: referral_notify_link_worker_task.delay(referral_id=referral_id)
            )
    return referral


def referral_notify_link_worker(*, referral_id: int) -> bool:
    """Email the referral's link worker. No personal data in the message: the id only.

    The referral is claimed with a conditional update (``notified_at`` still empty), so a task
    run twice, or by two workers at once, sends one email; if sending fails the claim is
    released for the task's retry."""
    referral = (
        Referral.objects.select_related("link_worker")
        .filter(pk=referral_id)
        .only("id", "link_worker__email", "link_worker__is_active")
    ).first()
    if referral is None or referral.link_worker is None:
        return False
    worker = referral.link_worker
    if not worker.email or not worker.is_active:
        return False
    claimed_at = timezone.now()
    claimed = Referral.objects.filter(pk=referral_id, notified_at__isnull=True).update(
        notified_at=claimed_at
    )
    if not claimed:
        return False
    try:
        send_mail(
            subject=f"New referral {referral.pk} on your caseload",
            message=(
                f"A new referral {referral.pk} is on your caseload.\n\n"
                f"Sign in to socialrx to see it: {settings.SITE_URL}/\n"
            ),
            from_email=None,
            recipient_list=[worker.email],
        )
    except Exception:
        Referral.objects.filter(pk=referral_id, notified_at=claimed_at).update(notified_at=None)
        raise
    return True


# --- self-referral rate limit --------------------------------------------------------------


def self_referral_rate_limited(*, client_address: str) -> bool:
    """Count one self-referral from this address; True once it passes the hourly limit."""
    return rate_limited(
        scope="self-referral", key=client_address, limit=settings.SELF_REFERRAL_RATE_LIMIT
    )

"""Referral intake: one service for every route (practice staff, the public, volunteers, other
services recorded by a link worker, the API). It owns the route check, the practice scope and
the matching of the person, and answers with one of three results: the referral made, the
enquiry kept because the route is switched off, or the likely duplicates for the user to
confirm.

One submission makes one referral: each form carries a one-time token (the API an
``Idempotency-Key``), stored hashed with the referral under a unique constraint. A submission
sent again, or twice at the same instant, gets the first one's referral back. A FHIR
ServiceRequest's identifier is kept as sent, unique per referring practice: the practice's
identifier sent again, by anyone at the practice, gets the first referral back."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assets.models import Asset
from socialrx.audit import acting_user
from socialrx.models import Practice, Role, StaffType
from socialrx.ratelimit import rate_limited
from socialrx.validators import normalise_nhs_number

from ..models import (
    OPEN_STATUSES,
    ClosedRouteEnquiry,
    ConsentPurpose,
    ConsentSource,
    Person,
    PossibleMatchOn,
    Referral,
    ReferralStatus,
    Source,
)
from .assignment import link_worker_for, team_for_practice
from .consent import consent_record
from .enquiries import closed_route_enquiry_create
from .matching import Matching, PersonDetails, person_match
from .people import person_create, person_create_or_existing, person_fill_blanks
from .status import status_change_record

PRACTICE_SOURCES = (Source.GP, Source.PRACTICE_STAFF)
SUBMISSION_TOKEN_MAX_LENGTH = 200


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
    # The referrer's own identifier of the referral (FHIR): one referral per identifier per
    # referring practice.
    identifier_system: str = ""
    identifier_value: str = ""


@dataclass(frozen=True)
class ReferralMade:
    """``replayed``: the submission had already been made; ``referral`` is the first one's."""

    referral: Referral
    replayed: bool = False


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


def submission_key_for(*, token: str, by: Any | None) -> str:
    """The stored key of a submission: its token hashed with who sent it, so that a token
    someone else sent (or guessed) never finds their referral."""
    token = (token or "").strip()
    if not token:
        return ""
    if len(token) > SUBMISSION_TOKEN_MAX_LENGTH:
        raise ValidationError(
            {"submission_token": f"Use a key of at most {SUBMISSION_TOKEN_MAX_LENGTH} characters"}
        )
    who = f"user:{by.pk}" if by is not None and getattr(by, "is_authenticated", False) else "public"
    return hashlib.sha256(f"{who}:{token}".encode()).hexdigest()


def submission_differs(
    *, referral: Referral, person: PersonDetails, details: ReferralDetails
) -> bool:
    """Whether a submission key already used came back with a different referral: the person
    as typed, or the reason, differ from what the first submission recorded."""
    typed = _entered_fields(person.normalised())
    return referral.reason != details.reason or any(
        getattr(referral, name) != value for name, value in typed.items()
    )


def referral_for_submission(*, key: str) -> Referral | None:
    return Referral.objects.filter(submission_key=key).first() if key else None


def referral_for_identifier(*, details: ReferralDetails) -> Referral | None:
    """The referral the referring practice already sent with this identifier, whoever at the
    practice sent it."""
    if not details.identifier_value or details.referring_practice is None:
        return None
    return Referral.objects.filter(
        referring_practice=details.referring_practice,
        sender_identifier_system=details.identifier_system,
        sender_identifier_value=details.identifier_value,
    ).first()


def referral_identifier_adopt(*, legacy_token: str, by: Any, details: ReferralDetails) -> None:
    """A referral the practice sent before identifiers were kept has only the hashed key of
    its identifier with who sent it: when that sender sends the identifier again, the
    referral takes the identifier as its own (and is found by it from then on)."""
    key = submission_key_for(token=legacy_token, by=by)
    practice = details.referring_practice or getattr(by, "practice", None)
    if not key or not details.identifier_value or practice is None:
        return
    try:
        with transaction.atomic():
            Referral.objects.filter(
                submission_key=key,
                referring_practice=practice,
                sender_identifier_value="",
            ).update(
                sender_identifier_system=details.identifier_system,
                sender_identifier_value=details.identifier_value,
            )
    except IntegrityError:
        pass  # another referral of the practice already holds it


def _earlier(*, key: str, details: ReferralDetails) -> Referral | None:
    return referral_for_submission(key=key) or referral_for_identifier(details=details)


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
    submission_token: str = "",
) -> IntakeResult:
    """Take a referral from any route.

    ``route`` is a ``Source`` (practice staff may leave it empty: their staff type decides);
    ``matching`` says whether the user may be shown likely duplicates (``choice`` is their
    answer); ``enquiry_data`` is what to keep if the route is switched off;
    ``submission_token`` is the form's one-time token or the API's Idempotency-Key. Invalid
    input raises ``ValidationError`` keyed by field; practice staff without a practice are
    refused (``PermissionDenied``).

    What was typed about the person is kept on the referral. A route that may not attach the
    referral to a match (the public; practice staff and someone outside their practice) gets
    a record of its own made from what was typed, with the match as ``possible_match`` for a
    link worker: no existing record is changed."""
    route, person, referral, practice = _practice_scope(
        by=by, route=route, person=person, referral=referral
    )
    if not route_is_open(route=route):
        return EnquiryKept(closed_route_enquiry_create(route=route, data=enquiry_data, by=by))
    if route == Source.SELF:
        # Whoever records it, a self-referral is the public's word: it never attaches.
        matching = Matching.SUGGEST
    key = submission_key_for(token=submission_token, by=by)
    earlier = _earlier(key=key, details=referral)
    if earlier is not None:
        return ReferralMade(earlier, replayed=True)
    found = person_match(details=person, matching=matching, choice=choice, within_practice=practice)
    if found.needs_choice:
        return CandidatesToConfirm(candidates=found.candidates)
    user = by if getattr(by, "is_authenticated", False) else None
    typed = person.normalised()
    try:
        with transaction.atomic():
            if found.person is not None:
                record = person_fill_blanks(person=found.person, details=person, by=user)
            elif found.possible_match_on == PossibleMatchOn.NHS_NUMBER:
                # The number is someone else's record until a link worker says otherwise.
                record = person_create(details=replace(person, nhs_number=""), by=user)
            else:
                record = person_create_or_existing(details=person, by=user)
            made = referral_create(
                joined_case=open_case_for(person=record),
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
                entered=typed,
                possible_match=found.possible_match,
                possible_match_on=found.possible_match_on,
                submission_key=key,
                identifier_system=referral.identifier_system,
                identifier_value=referral.identifier_value,
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
    except IntegrityError:
        # Sent twice at once: the other request committed first and holds the key (or the
        # practice's identifier).
        earlier = _earlier(key=key, details=referral)
        if earlier is None:
            raise
        return ReferralMade(earlier, replayed=True)
    return ReferralMade(made)


def _practice_scope(
    *, by: Any, route: str, person: PersonDetails, referral: ReferralDetails
) -> tuple[str, PersonDetails, ReferralDetails, Practice | None]:
    """Practice staff refer for their own practice only, as ``gp`` or ``practice_staff`` (by
    default as their staff type says), and are matched only with its people (the practice is
    returned); everyone else names the route."""
    is_practice_staff = (
        getattr(by, "is_authenticated", False)
        and not by.is_admin
        and by.role == Role.PRACTICE_STAFF
    )
    if not is_practice_staff:
        if not route:
            raise ValidationError({"source": "Choose the referral route"})
        return route, person, referral, None
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
        practice,
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
    entered: PersonDetails | None = None,
    possible_match: Person | None = None,
    possible_match_on: str = "",
    submission_key: str = "",
    identifier_system: str = "",
    identifier_value: str = "",
    joined_case: Referral | None = None,
) -> Referral:
    """The referral itself, for a person already settled on (``referral_intake`` decides
    whether the route is open and who the person is): team and named link worker, the first
    status change, the audit entry and an email to the link worker once the transaction
    commits. ``entered`` is what was typed about the person (kept on the referral);
    ``possible_match`` someone a link worker should confirm or reject.

    ``joined_case`` is the person's open referral, if they have one: the new referral is added
    to that case (status ``joined_case``, ended on arrival) and goes to that case's team and
    link worker, so that a person has one open case however often they are referred."""
    if source not in Source.values:
        raise ValidationError({"source": "Choose a referral route"})
    if not consent_confirmed:
        raise ValidationError(
            {"consent_confirmed": "Confirm that the person has agreed to this referral"}
        )
    user = by if getattr(by, "is_authenticated", False) else None
    now = timezone.now()
    with transaction.atomic():
        if joined_case is not None:
            # The case already has its team and link worker: the new referral joins them.
            team, link_worker = joined_case.team, joined_case.link_worker
        else:
            team = team_for_practice(practice=person.practice)
            if team is None:
                # No practice and no default team: keep the team the person already has.
                team = person.team
            link_worker = link_worker_for(person=person, team=team)
            person.team = team
            person.link_worker = link_worker
        person.last_activity_at = now
        person.save(update_fields=["team", "link_worker", "last_activity_at"])
        received = received_on or timezone.localdate()
        status = ReferralStatus.RECEIVED if joined_case is None else ReferralStatus.JOINED_CASE
        referral = Referral.objects.create(
            person=person,
            received_on=received,
            source=source,
            referrer_name=referrer_name,
            referrer_organisation=referrer_organisation,
            referrer_email=referrer_email,
            referring_practice=referring_practice,
            referred_by=user,
            referring_asset=referring_asset,
            reason=reason,
            consent_confirmed=True,
            status=status,
            joined_case=joined_case,
            closed_on=received if joined_case is not None else None,
            team=team,
            link_worker=link_worker,
            possible_match=possible_match,
            possible_match_on=possible_match_on if possible_match is not None else "",
            submission_key=submission_key or None,
            sender_identifier_system=identifier_system if identifier_value else "",
            sender_identifier_value=identifier_value,
            **_entered_fields(entered),
        )
        # Received, then (at once) added to the open case. No note naming the open case: the
        # referrer sees this history, and is told the team only.
        status_change_record(
            referral=referral, from_status="", to_status=ReferralStatus.RECEIVED, by=user
        )
        if joined_case is not None:
            status_change_record(
                referral=referral,
                from_status=ReferralStatus.RECEIVED,
                to_status=ReferralStatus.JOINED_CASE,
                by=user,
            )
        if link_worker is not None:
            from ..tasks import referral_notify_link_worker_task

            referral_id = referral.pk
            transaction.on_commit(
                lambda: referral_notify_link_worker_task.delay(referral_id=referral_id)
            )
    return referral


def open_case_for(*, person: Person) -> Referral | None:
    """The person's open referral (their case), the most recent if an older record has more
    than one. The person's row is locked first so that two referrals of the same person
    arriving at once do not both open a case (PostgreSQL; SQLite writes one at a time)."""
    if person.pk is None:
        return None
    list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True))
    return (
        Referral.objects.filter(person=person, status__in=OPEN_STATUSES)
        .select_related("team", "link_worker")
        .order_by("-received_on", "-id")
        .first()
    )


def _entered_fields(entered: PersonDetails | None) -> dict[str, Any]:
    if entered is None:
        return {}
    return {
        "entered_given_name": entered.given_name[:100],
        "entered_family_name": entered.family_name[:100],
        "entered_date_of_birth": entered.date_of_birth,
        "entered_nhs_number": normalise_nhs_number(entered.nhs_number or "")[:10],
        "entered_postcode": entered.postcode[:10],
        "entered_phone": entered.phone[:30],
        "entered_email": entered.email,
        "entered_communication_needs": entered.communication_needs,
    }


def referral_notify_link_worker(*, referral_id: int) -> bool:
    """Email the referral's link worker. No personal data in the message: the id only.

    The referral is claimed with a conditional update (``notified_at`` still empty), so a task
    run twice, or by two workers at once, sends one email; if sending fails the claim is
    released for the task's retry."""
    referral = (
        Referral.objects.select_related("link_worker")
        .filter(pk=referral_id)
        .only("id", "person_id", "joined_case_id", "link_worker__email", "link_worker__is_active")
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
    if referral.joined_case_id is not None:
        # Someone already on the caseload was referred again: say which case it joined.
        subject = f"New referral {referral.pk} added to open case {referral.joined_case_id}"
        body = (
            f"A new referral {referral.pk} was made for someone whose case "
            f"{referral.joined_case_id} is open with you. It has been added to that case "
            "rather than opening a second one.\n\n"
        )
    else:
        subject = f"New referral {referral.pk} on your caseload"
        body = f"A new referral {referral.pk} is on your caseload.\n\n"
    try:
        send_mail(
            subject=subject,
            message=f"{body}Sign in to socialrx to see it: {_person_page_url(referral.person_id)}\n",
            from_email=None,
            recipient_list=[worker.email],
        )
    except Exception:
        Referral.objects.filter(pk=referral_id, notified_at=claimed_at).update(notified_at=None)
        raise
    return True


def _person_page_url(person_id: int) -> str:
    # The page the email is about (the person's record), not the site's front page.
    path = reverse("referrals:person", kwargs={"pk": person_id})
    return settings.SITE_URL.rstrip("/") + path


# --- self-referral rate limit --------------------------------------------------------------


def self_referral_rate_limited(*, client_address: str) -> bool:
    """Count one self-referral from this address; True once it passes the hourly limit."""
    return rate_limited(
        scope="self-referral", key=client_address, limit=settings.SELF_REFERRAL_RATE_LIMIT
    )

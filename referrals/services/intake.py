"""Referral intake from every route: people (one person, one record), referrals, closed-route
enquiries, and the self-referral rate limit.

DESIGN.md "One person, one record": referrals for the same person meet on one record, matched
on NHS number when given, else name, date of birth and postcode. Staff routes show the likely
duplicates (same name and date of birth) and let the user choose; routes where showing them
would disclose someone's record (the public, volunteers, the API) match automatically and only
on the stricter rule.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from assets.models import Asset
from socialrx.audit import audit_record
from socialrx.models import AuditLog, Practice
from socialrx.validators import (
    format_postcode,
    nhs_number_is_valid,
    normalise_nhs_number,
    normalise_postcode,
)

from ..models import (
    ClosedRouteEnquiry,
    Person,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    Source,
)
from .assignment import link_worker_for, team_for_practice

logger = logging.getLogger(__name__)

CREATE_NEW = "new"


class RouteClosedError(Exception):
    """The deployment does not accept referrals through this route (save an enquiry instead)."""

    def __init__(self, route: str) -> None:
        super().__init__(f"Referral route {route!r} is closed")
        self.route = route


@dataclass(frozen=True)
class PersonDetails:
    """Who is being referred, as entered on any route."""

    given_name: str
    family_name: str = ""
    date_of_birth: dt.date | None = None
    nhs_number: str = ""
    postcode: str = ""
    phone: str = ""
    email: str = ""
    communication_needs: str = ""
    practice: Practice | None = None

    def normalised(self) -> PersonDetails:
        return PersonDetails(
            given_name=self.given_name.strip(),
            family_name=self.family_name.strip(),
            date_of_birth=self.date_of_birth,
            nhs_number=normalise_nhs_number(self.nhs_number or ""),
            postcode=format_postcode(self.postcode) if self.postcode else "",
            phone=self.phone.strip(),
            email=self.email.strip(),
            communication_needs=self.communication_needs.strip(),
            practice=self.practice,
        )


@dataclass(frozen=True)
class PersonResolution:
    """What to do with the person on a staff route: use ``person``, create a new record
    (``person`` is None and ``candidates`` empty), or ask the user to choose among
    ``candidates``."""

    person: Person | None = None
    candidates: list[Person] = field(default_factory=list)

    @property
    def needs_choice(self) -> bool:
        return self.person is None and bool(self.candidates)


# --- people --------------------------------------------------------------------------------


def route_is_open(*, route: str) -> bool:
    return route in settings.REFERRAL_ROUTES_OPEN


def _nhs_number_checked(nhs_number: str) -> str:
    digits = normalise_nhs_number(nhs_number or "")
    if digits and not nhs_number_is_valid(digits):
        raise ValidationError(
            {
                "nhs_number": ValidationError(
                    "Enter a valid 10-digit NHS number (for example 943 476 5919)",
                    code="invalid_nhs_number",
                )
            }
        )
    return digits


def person_find_matches(
    *,
    nhs_number: str = "",
    given_name: str,
    family_name: str = "",
    date_of_birth: dt.date | None = None,
    postcode: str = "",
) -> PersonResolution:
    """The record this person already has, or the likely duplicates to warn about.

    Same NHS number: that person is the record. Otherwise people with the same name and date
    of birth are likely duplicates (those with the same postcode first), except anyone whose
    NHS number differs from the one given: they are someone else."""
    digits = _nhs_number_checked(nhs_number)
    if digits:
        same = Person.objects.filter(nhs_number=digits).select_related("practice").first()
        if same is not None:
            return PersonResolution(person=same)
    if date_of_birth is None or not given_name.strip():
        return PersonResolution()
    qs = Person.objects.filter(
        date_of_birth=date_of_birth,
        given_name__iexact=given_name.strip(),
        family_name__iexact=family_name.strip(),
    ).select_related("practice")
    if digits:
        qs = qs.filter(nhs_number__isnull=True)
    wanted = normalise_postcode(postcode)
    candidates = sorted(
        qs[:20], key=lambda p: (normalise_postcode(p.postcode) != wanted, p.pk)
    )  # a handful at most: sorting in Python keeps the postcode rule in one place
    return PersonResolution(candidates=candidates)


def person_resolve(*, details: PersonDetails, choice: str = "") -> PersonResolution:
    """Staff routes: apply the user's answer to the duplicate warning. ``choice`` is
    ``CREATE_NEW`` or the id of one of the candidates; anything else asks again."""
    found = person_find_matches(
        nhs_number=details.nhs_number,
        given_name=details.given_name,
        family_name=details.family_name,
        date_of_birth=details.date_of_birth,
        postcode=details.postcode,
    )
    if found.person is not None or not found.candidates:
        return found
    if choice == CREATE_NEW:
        return PersonResolution()
    chosen = next((p for p in found.candidates if str(p.pk) == choice), None)
    if chosen is not None:
        return PersonResolution(person=chosen)
    return found


def person_match_auto(*, details: PersonDetails) -> Person | None:
    """Routes that must not disclose records (the public, volunteers, the API): the same NHS
    number, or exactly one person with the same name, date of birth and postcode."""
    found = person_find_matches(
        nhs_number=details.nhs_number,
        given_name=details.given_name,
        family_name=details.family_name,
        date_of_birth=details.date_of_birth,
        postcode=details.postcode,
    )
    if found.person is not None:
        return found.person
    wanted = normalise_postcode(details.postcode)
    same_place = [
        p for p in found.candidates if wanted and normalise_postcode(p.postcode) == wanted
    ]
    return same_place[0] if len(same_place) == 1 else None


def person_create(*, details: PersonDetails, by: Any | None) -> Person:
    """A new person record, with the team serving their practice and their named link worker."""
    details = details.normalised()
    digits = _nhs_number_checked(details.nhs_number)
    if not details.given_name:
        raise ValidationError({"given_name": "Enter a first name"})
    if digits and Person.objects.filter(nhs_number=digits).exists():
        raise ValidationError({"nhs_number": "A person with this NHS number is already recorded"})
    person = Person(
        nhs_number=digits or None,
        given_name=details.given_name,
        family_name=details.family_name,
        date_of_birth=details.date_of_birth,
        postcode=details.postcode,
        phone=details.phone,
        email=details.email,
        communication_needs=details.communication_needs,
        practice=details.practice,
    )
    person.full_clean(exclude=["team", "link_worker"], validate_unique=False)
    with transaction.atomic():
        person.team = team_for_practice(practice=person.practice)
        person.link_worker = link_worker_for(person=person, team=person.team)
        person.save()
        audit_record(
            user=by, action=AuditLog.Action.CREATE, obj=person, person_id=person.pk, detail="intake"
        )
    return person


def person_fill_blanks(*, person: Person, details: PersonDetails, by: Any | None) -> Person:
    """Add what a new referral tells us that the record lacks; never overwrite what is there
    (the link worker confirms changes with the person)."""
    details = details.normalised()
    changed = []
    for name in ("family_name", "date_of_birth", "postcode", "phone", "email"):
        new = getattr(details, name)
        if new and not getattr(person, name):
            setattr(person, name, new)
            changed.append(name)
    if details.communication_needs and details.communication_needs not in (
        person.communication_needs or ""
    ):
        person.communication_needs = "\n".join(
            x for x in (person.communication_needs, details.communication_needs) if x
        )
        changed.append("communication_needs")
    digits = _nhs_number_checked(details.nhs_number)
    if digits and not person.nhs_number:
        if Person.objects.filter(nhs_number=digits).exclude(pk=person.pk).exists():
            raise ValidationError(
                {"nhs_number": "A different person with this NHS number is already recorded"}
            )
        person.nhs_number = digits
        changed.append("nhs_number")
    if details.practice is not None and person.practice_id is None:
        person.practice = details.practice
        changed.append("practice")
    if changed:
        person.save(update_fields=changed)
        audit_record(
            user=by,
            action=AuditLog.Action.UPDATE,
            obj=person,
            person_id=person.pk,
            detail="intake: " + ",".join(changed),
        )
    return person


# --- referrals -----------------------------------------------------------------------------


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
    """A referral through any open route: team and named link worker, the first status
    change, the audit entry and an email to the link worker once the transaction commits."""
    if source not in Source.values:
        raise ValidationError({"source": "Choose a referral route"})
    if not route_is_open(route=source):
        raise RouteClosedError(source)
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
        audit_record(
            user=user,
            action=AuditLog.Action.CREATE,
            obj=referral,
            person_id=person.pk,
            detail=f"source={source}",
        )
        if link_worker is not None:
            from ..tasks_intake import referral_notify_link_worker_task

            referral_id = referral.pk
            transaction.on_commit(
                lambda: referral_notify_link_worker_task.delay(referral_id=referral_id)
            )
    return referral


def referral_submit(
    *,
    details: PersonDetails,
    person: Person | None,
    source: str,
    by: Any | None,
    consent_confirmed: bool,
    **referral_fields: Any,
) -> Referral:
    """One intake in one transaction: the existing ``person`` (filling in blanks) or a new
    record from ``details``, then the referral."""
    if not route_is_open(route=source):
        raise RouteClosedError(source)
    user = by if getattr(by, "is_authenticated", False) else None
    with transaction.atomic():
        if person is None:
            person = _person_create_or_existing(details=details, by=user)
        else:
            person = person_fill_blanks(person=person, details=details, by=user)
        return referral_create(
            person=person,
            source=source,
            by=user,
            consent_confirmed=consent_confirmed,
            **referral_fields,
        )


def _person_create_or_existing(*, details: PersonDetails, by: Any | None) -> Person:
    """Create the person; if a concurrent intake has just recorded the same NHS number, that
    record is the person (one person, one record) rather than an error."""
    try:
        with transaction.atomic():
            return person_create(details=details, by=by)
    except (IntegrityError, ValidationError) as exc:
        digits = normalise_nhs_number(details.nhs_number or "")
        if isinstance(exc, ValidationError) and "nhs_number" not in getattr(exc, "error_dict", {}):
            raise
        existing = Person.objects.filter(nhs_number=digits).first() if digits else None
        if existing is None or not nhs_number_is_valid(digits):
            raise
        return person_fill_blanks(person=existing, details=details, by=by)


def referral_notify_link_worker(*, referral_id: int) -> bool:
    """Email the referral's link worker. No personal data in the message: the id only.
    Claimed through the cache so that a task run twice sends one email."""
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
    if not cache.add(f"referral-notified:{referral_id}", 1, timeout=7 * 24 * 3600):
        return False
    send_mail(
        subject=f"New referral {referral.pk} on your caseload",
        message=(
            f"A new referral {referral.pk} is on your caseload.\n\n"
            f"Sign in to socialrx to see it: {settings.SITE_URL}/\n"
        ),
        from_email=None,
        recipient_list=[worker.email],
    )
    return True


# --- closed routes -------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def closed_route_enquiry_create(
    *, route: str, data: dict[str, Any], by: Any | None
) -> ClosedRouteEnquiry:
    """Keep what was submitted through a switched-off route for an administrator."""
    user = by if getattr(by, "is_authenticated", False) else None
    with transaction.atomic():
        enquiry = ClosedRouteEnquiry.objects.create(
            route=route, data=_jsonable(data), submitted_by=user
        )
        audit_record(user=user, action=AuditLog.Action.CREATE, obj=enquiry, detail=f"route={route}")
    logger.info("Closed-route enquiry %s kept (route %s)", enquiry.pk, route)
    return enquiry


def closed_route_enquiry_mark_handled(
    *, enquiry: ClosedRouteEnquiry, by: Any
) -> ClosedRouteEnquiry:
    # Conditional update: marking twice keeps the first handler and time.
    now = timezone.now()
    updated = ClosedRouteEnquiry.objects.filter(pk=enquiry.pk, handled=False).update(
        handled=True, handled_by=by, handled_at=now
    )
    if updated:
        audit_record(user=by, action=AuditLog.Action.UPDATE, obj=enquiry, detail="handled")
    enquiry.refresh_from_db()
    return enquiry


# --- self-referral rate limit --------------------------------------------------------------


def _address_key(client_address: str) -> str:
    # Hashed under the secret key so neither the cache nor a log ever holds the address.
    digest = hmac.new(
        settings.SECRET_KEY.encode(), (client_address or "unknown").encode(), hashlib.sha256
    ).hexdigest()
    return f"self-referral-rate:{digest}"


def self_referral_rate_limited(*, client_address: str) -> bool:
    """Count one self-referral from this address; True once it passes the hourly limit."""
    key = _address_key(client_address)
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        # The entry expired between add and incr: start a new window.
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > settings.SELF_REFERRAL_RATE_LIMIT

"""Writes for volunteers: their records, hours, events and training, and the invitation that
turns a referred person into a volunteer. Every write is audited (ids only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from assets.models import Asset
from referrals.models import ConsentPurpose, Person
from referrals.selectors.consent import consent_given
from socialrx.audit import acting_user
from socialrx.models import Role, User

from .models import (
    CONSENT_WORDING,
    Champion,
    ChampionRole,
    Event,
    HoursLog,
    InvitationState,
    TrainingRecord,
    VolunteerInvitation,
)

# Fields a volunteer may change on their own record.
CONTACT_FIELDS = ("phone", "email", "publish_name", "publish_phone", "publish_email")


@acting_user("by")
def champion_save(*, champion: Champion, by: Any, changed: list[str] | None = None) -> Champion:
    """Create (``champion.pk`` empty) or update a champion record from an admin's form."""
    creating = champion.pk is None
    with transaction.atomic():
        champion.full_clean()
        if creating:
            champion.save()
        else:
            champion.save(update_fields=[*(changed or []), "updated_at"])
    return champion


@acting_user("by")
def champion_contact_update(*, champion: Champion, by: Any, data: dict[str, Any]) -> Champion:
    """A volunteer changing their own contact details and what they publish."""
    changed = [f for f in CONTACT_FIELDS if f in data and getattr(champion, f) != data[f]]
    if not changed:
        return champion
    for field in changed:
        setattr(champion, field, data[field])
    with transaction.atomic():
        champion.save(update_fields=[*changed, "updated_at"])
    return champion


def _check_hours(hours: Decimal, *, allow_zero: bool) -> None:
    if hours < 0 or (hours == 0 and not allow_zero):
        raise ValidationError({"hours": "Hours must be more than 0"})
    if hours > 24:
        raise ValidationError({"hours": "Hours must be 24 or fewer for one day"})


def _check_not_future(day: dt.date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: "The date must be today or in the past"})


@acting_user("by")
def hours_log_create(
    *,
    champion: Champion,
    by: Any,
    on: dt.date,
    hours: Decimal,
    activity: str,
    asset: Asset | None = None,
) -> HoursLog:
    _check_hours(hours, allow_zero=False)
    _check_not_future(on, "on")
    with transaction.atomic():
        entry = HoursLog.objects.create(
            champion=champion, on=on, hours=hours, activity=activity.strip(), asset=asset
        )
    return entry


@acting_user("by")
def hours_log_delete(*, entry: HoursLog, by: Any) -> None:
    with transaction.atomic():
        entry.delete()


@acting_user("by")
def event_create(
    *,
    champion: Champion,
    by: Any,
    kind: str,
    on: dt.date,
    title: str,
    hours: Decimal,
    asset: Asset | None = None,
) -> Event:
    _check_hours(hours, allow_zero=True)
    _check_not_future(on, "on")
    with transaction.atomic():
        event = Event.objects.create(
            champion=champion, kind=kind, on=on, title=title.strip(), hours=hours, asset=asset
        )
    return event


@acting_user("by")
def event_delete(*, event: Event, by: Any) -> None:
    with transaction.atomic():
        event.delete()


@acting_user("by")
def training_record_create(
    *,
    champion: Champion,
    by: Any,
    course: str,
    completed_on: dt.date,
    hours: Decimal,
    qualification: str = "",
) -> TrainingRecord:
    if hours < 0:
        raise ValidationError({"hours": "Hours must be 0 or more"})
    _check_not_future(completed_on, "completed_on")
    with transaction.atomic():
        record = TrainingRecord.objects.create(
            champion=champion,
            course=course.strip(),
            completed_on=completed_on,
            hours=hours,
            qualification=qualification.strip(),
            recorded_by=by,
        )
    return record


def consent_wording_for(*, role: str) -> str:
    return CONSENT_WORDING.format(role=ChampionRole(role).label.lower())


@acting_user("by")
def volunteer_invitation_record(
    *,
    person: Person,
    by: User,
    role: str,
    state: str,
    consent_confirmed: bool = False,
    login_email: str = "",
) -> VolunteerInvitation:
    """Record what a person said when their link worker asked them to volunteer. When they
    agreed (and the link worker confirms they asked and read the wording), the consent is
    stored with who and when, and a champion record linked to the person is created; with
    ``login_email`` a volunteer login is made and its set-a-password email sent."""
    if state == InvitationState.ACCEPTED and not consent_confirmed:
        raise ValidationError(
            {"consent_confirmed": "Confirm that you read the wording and the person agreed"}
        )
    login_email = login_email.strip().lower()
    if login_email and state != InvitationState.ACCEPTED:
        raise ValidationError({"login_email": "Only give a login when the person has agreed"})
    if login_email and User.objects.filter(username__iexact=login_email).exists():
        raise ValidationError({"login_email": "There is already a login with this email address"})
    if login_email and not consent_given(person=person, purpose=ConsentPurpose.CONTACT):
        raise ValidationError({"login_email": NO_CONTACT_CONSENT})

    with transaction.atomic():
        # Lock the person so two link workers recording at once cannot make two volunteers.
        Person.objects.select_for_update().filter(pk=person.pk).first()
        if Champion.objects.filter(person=person).exists():
            raise ValidationError("This person is already a volunteer")
        invitation = VolunteerInvitation(person=person, invited_by=by, role=role, state=state)
        if state == InvitationState.ACCEPTED:
            invitation.consent_wording = consent_wording_for(role=role)
            invitation.consent_recorded_by = by
            invitation.consent_recorded_at = timezone.now()
            champion = Champion.objects.create(
                person=person,
                given_name=person.given_name,
                family_name=person.family_name,
                role=role,
                started_on=timezone.localdate(),
                phone=person.phone,
                email=login_email or person.email,
            )
            invitation.champion = champion
            if login_email:
                volunteer_login_create(champion=champion, email=login_email, by=by)
        invitation.save()
    return invitation


# The login email is a message to the person: a volunteer who was once referred gets it only
# with their agreement to be contacted (docs/security.md, "Consent").
NO_CONTACT_CONSENT = (
    "They have not agreed to be contacted, so no login email can be sent. Record their "
    "agreement under Consent on their page first, or leave the login email empty"
)


@acting_user("by")
def volunteer_login_create(*, champion: Champion, email: str, by: Any) -> User:
    """A volunteer login with no usable password; the volunteer sets one from the email."""
    email = email.strip().lower()
    if champion.user_id:
        raise ValidationError("This volunteer already has a login")
    if champion.person is not None and not consent_given(
        person=champion.person, purpose=ConsentPurpose.CONTACT
    ):
        raise ValidationError(NO_CONTACT_CONSENT)
    if User.objects.filter(username__iexact=email).exists():
        raise ValidationError("There is already a login with this email address")
    with transaction.atomic():
        user = User(
            username=email,
            email=email,
            first_name=champion.given_name,
            last_name=champion.family_name,
            role=Role.VOLUNTEER,
        )
        user.set_unusable_password()
        user.save()
        champion.user = user
        champion.save(update_fields=["user", "updated_at"])
        transaction.on_commit(lambda: _send_welcome(user_id=user.pk))
    return user


def _send_welcome(*, user_id: int) -> None:
    user = User.objects.get(pk=user_id)
    # An unusable password keeps Django's reset form from mailing this user, so the link is
    # made here with the same token generator and the same confirm page.
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    body = render_to_string(
        "champions/email/volunteer_welcome.txt",
        {"user": user, "link": f"{settings.SITE_URL.rstrip('/')}{path}"},
    )
    send_mail(
        "Your socialrx volunteer login",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )

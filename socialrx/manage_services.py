"""Writes behind the administrators' pages. Every change to a user is audited (field names
only, never values)."""

from __future__ import annotations

import logging
import smtplib
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .audit import audit_record
from .models import AuditLog, Role, User

logger = logging.getLogger(__name__)


def user_create(*, user: User, by: Any, send_invite: bool) -> str:
    """Save a new user built by the user form. They have no password until they follow the
    emailed link, so nobody ever has to pass a password on. Returns what became of the
    invitation email, for the administrator: "" when none was asked for."""
    with transaction.atomic():
        user.set_unusable_password()
        user.save()
        audit_record(user=by, action=AuditLog.Action.CREATE, obj=user, detail=f"role={user.role}")
    if not send_invite:
        return ""
    try:
        user_password_reset_send(user=user, by=by, invite=True)
    except ValidationError as exc:
        return exc.messages[0]
    return "sent"


def user_update(*, user: User, changed: list[str], by: Any) -> User:
    """Save the fields the user form changed."""
    if not changed:
        return user
    with transaction.atomic():
        user.save(update_fields=changed)
        audit_record(
            user=by,
            action=AuditLog.Action.UPDATE,
            obj=user,
            detail="changed: " + ", ".join(sorted(changed)),
        )
    return user


def user_set_active(*, user: User, active: bool, by: Any) -> User:
    """Deactivate (they can no longer sign in; their history stays) or reactivate a user."""
    if not active and user.pk == getattr(by, "pk", None):
        raise ValidationError("You cannot deactivate your own account")
    if active and user.role == Role.LINK_WORKER and not user.team_id:
        raise ValidationError("Give this link worker a team before reactivating them")
    if user.is_active == active:
        return user
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_record(
            user=by,
            action=AuditLog.Action.UPDATE,
            obj=user,
            detail="reactivated" if active else "deactivated",
        )
    return user


def user_sign_in_failures(*, user: User) -> int:
    """Failed sign-ins recorded against the user's username (all addresses) that still count
    towards a lockout."""
    from axes.models import AccessAttempt

    total = AccessAttempt.objects.filter(username=user.username).aggregate(
        total=models.Sum("failures_since_start")
    )["total"]
    return int(total or 0)


def user_unlock(*, user: User, by: Any) -> int:
    """Clear the failed sign-ins that lock ``user`` out; returns how many records went."""
    from axes.utils import reset

    with transaction.atomic():
        removed = reset(username=user.username)
        audit_record(user=by, action=AuditLog.Action.UPDATE, obj=user, detail="sign-in unlocked")
    return removed


def user_password_reset_send(*, user: User, by: Any, invite: bool = False) -> None:
    """Email ``user`` a one-time link to choose a password (Django's reset token: it stops
    working once used, or when the password changes)."""
    if not user.email:
        raise ValidationError("This user has no email address: add one first")
    if not user.is_active:
        raise ValidationError("This user is deactivated: reactivate them first")
    site = urlsplit(settings.SITE_URL)
    context = {
        "email": user.email,
        "domain": site.netloc,
        "site_name": "socialrx",
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": site.scheme or "https",
    }
    template = (
        "socialrx/manage/email/invite.txt" if invite else "registration/password_reset_email.html"
    )
    body = render_to_string(template, context)
    subject = "Your socialrx account" if invite else "Reset your socialrx password"
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except (smtplib.SMTPException, OSError) as exc:
        # Mail servers fail; the administrator is told and can press the button again.
        logger.warning("Password email to user %s not sent: %s", user.pk, type(exc).__name__)
        raise ValidationError(
            "The email could not be sent. Try again later, or ask whoever runs the mail "
            "server to check socialrx's email settings."
        ) from exc
    audit_record(
        user=by,
        action=AuditLog.Action.UPDATE,
        obj=user,
        detail="invitation sent" if invite else "password reset sent",
    )


def record_save(*, obj: models.Model, by: Any, created: bool, changed: list[str]) -> models.Model:
    """Save a team, practice or PCN from its form, and note who changed it."""
    with transaction.atomic():
        obj.save()
        audit_record(
            user=by,
            action=AuditLog.Action.CREATE if created else AuditLog.Action.UPDATE,
            obj=obj,
            detail="" if created else "changed: " + ", ".join(sorted(changed)),
        )
    return obj

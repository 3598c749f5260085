"""The second factor: a TOTP authenticator app, with single-use recovery codes.

At password sign-in the session is marked with what is still owed: ``"verify"`` (the user has
an app: ask for a code) or ``"setup"`` (their role must have one and they have none). Until
that is settled every page but the second-factor pages and sign-out redirects there."""

from __future__ import annotations

from base64 import b32encode
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit_record
from .models import AuditLog, User

SESSION_KEY = "mfa_pending"
RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def mfa_required_for(user: User) -> bool:
    roles = set(settings.MFA_REQUIRED_ROLES)
    return user.role in roles or ("admin" in roles and user.is_admin)


def mfa_owed(user: User) -> str:
    """What the user still owes after their password: "verify", "setup" or ""."""
    if user_has_device(user, confirmed=True):
        return "verify"
    if settings.MFA_ENFORCE and mfa_required_for(user):
        return "setup"
    return ""


@receiver(user_logged_in)
def _mark_session(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    owed = mfa_owed(user)
    if owed:
        request.session[SESSION_KEY] = owed
    else:
        request.session.pop(SESSION_KEY, None)


def mfa_settled(request: HttpRequest) -> None:
    """The second factor is done for this session: a new session key, as at sign-in."""
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        owed = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if owed and request.user.is_authenticated:
            path = request.path_info
            target = reverse("mfa_setup" if owed == "setup" else "mfa_verify")
            allowed = {target, reverse("logout")}
            if path not in allowed and not path.startswith(settings.STATIC_URL):
                if request.method == "GET":
                    target += "?" + urlencode({"next": request.get_full_path()})
                if request.headers.get("HX-Request"):
                    return HttpResponse(status=204, headers={"HX-Redirect": target})
                return redirect(target)
        return self.get_response(request)


# --- devices ------------------------------------------------------------------------------


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed app device a setup page shows: the same one until it is confirmed, so
    reloading the page does not change the code already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def totp_secret_for_display(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    return str(image.to_string(encoding="unicode"))


def totp_confirm(*, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm ``device`` with a code from the app. On success the user's other devices are
    replaced and fresh recovery codes returned (shown once: only the codes' holder keeps
    them); on a wrong code, None."""
    if device.user_id != user.pk or not device.verify_token(_clean(code)):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_replace(user=user)
        audit_record(
            user=user, action=AuditLog.Action.UPDATE, obj=user, detail="second factor set up"
        )
    return codes


def recovery_codes_replace(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def code_verify(*, user: User, code: str) -> str:
    """Check a code from the app or a recovery code. Returns "app", "recovery" or "" (wrong).
    Each device counts its own failures and slows down guessing."""
    token = _clean(code)
    for device in devices_for_user(user, confirmed=True):
        if device.verify_token(token):
            return "recovery" if isinstance(device, StaticDevice) else "app"
    return ""


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def mfa_reset(*, user: User, by: Any) -> None:
    """Remove a user's app and recovery codes (a lost phone): they set up again at sign-in."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit_record(user=by, action=AuditLog.Action.UPDATE, obj=user, detail="second factor reset")


def _clean(code: str) -> str:
    return "".join(code.split()).lower()

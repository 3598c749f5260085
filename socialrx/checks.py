"""System checks: misconfiguration fails fast."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register

ROUTES = {"gp", "practice_staff", "self", "community", "other"}
# Backends that print, keep or drop mail: a password-reset link printed to a log is a
# password anyone reading the log can use.
NOT_DELIVERING = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}


@register()
def socialrx_settings(app_configs: Any, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    unknown = set(settings.REFERRAL_ROUTES_OPEN) - ROUTES
    if unknown:
        problems.append(
            Error(
                f"REFERRAL_ROUTES_OPEN names unknown routes: {', '.join(sorted(unknown))}",
                hint=f"Use any of: {', '.join(sorted(ROUTES))}",
                id="socialrx.E001",
            )
        )
    if not settings.DEBUG and not settings.DEFAULT_TEAM_CODE:
        problems.append(
            Warning(
                "DEFAULT_TEAM_CODE is not set: people with no registered practice go to the "
                "longest-standing team",
                hint="Set DEFAULT_TEAM_CODE to the code of the team that should take them.",
                id="socialrx.W002",
            )
        )
    if not settings.DEBUG and settings.PATIENT_KEY_PEPPER == "dev-pepper-change-me":
        problems.append(
            Warning("PATIENT_KEY_PEPPER is the development default", id="socialrx.W001")
        )
    if settings.REQUIRE_EMAIL_DELIVERY and settings.EMAIL_BACKEND in NOT_DELIVERING:
        problems.append(
            Error(
                "EMAIL_URL does not name a mail server: password-reset emails would be printed "
                "or lost",
                hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587",
                id="socialrx.E002",
            )
        )
    if settings.NOTIFY_API_KEY:
        missing = [
            name
            for name in (
                "NOTIFY_TEMPLATE_ID_SMS",
                "NOTIFY_TEMPLATE_ID_EMAIL",
                "NOTIFY_TEMPLATE_ID_LETTER",
            )
            if not getattr(settings, name)
        ]
        if missing:
            problems.append(
                Warning(
                    f"NOTIFY_API_KEY is set but {', '.join(missing)} is not: messages to "
                    "people by that channel will fail",
                    hint="Make a GOV.UK Notify template per channel with the content ((body)) "
                    "(and subject ((subject))) and set its id (docs/casework.md).",
                    id="socialrx.W010",
                )
            )
    return problems

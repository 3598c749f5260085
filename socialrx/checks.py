"""System checks: misconfiguration fails fast."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register

ROUTES = {"gp", "practice_staff", "self", "community", "other"}


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
    return problems

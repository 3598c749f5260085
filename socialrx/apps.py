from __future__ import annotations

from django.apps import AppConfig


class SocialrxConfig(AppConfig):
    name = "socialrx"
    verbose_name = "socialrx core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, mfa, security  # noqa: F401  (register checks and sign-in signals)

from __future__ import annotations

from django.apps import AppConfig

from .registry import NAV, Link


class SocialrxConfig(AppConfig):
    name = "socialrx"
    verbose_name = "socialrx core"
    default_auto_field = "django.db.models.BigAutoField"

    links = {NAV: [Link("Administration", "socialrx:admin_home", roles=(), admin=True, order=80)]}
    role_homes = {"admin": "socialrx:admin_home"}

    def ready(self) -> None:
        from . import audited, checks, mfa, security  # noqa: F401  (register checks and signals)

        audited.connect()

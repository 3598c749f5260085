from __future__ import annotations

from django.apps import AppConfig

from socialrx.registry import ADMIN_HOME, ASSET_ACTIONS, NAV, Link


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = "Funding and capacity"
    default_auto_field = "django.db.models.BigAutoField"

    links = {
        NAV: [
            Link("Funding", "funding:dashboard", roles=("commissioner",), admin=True, order=75),
            Link("Referrals to your groups", "funding:keeper", roles=("volunteer",), order=65),
        ],
        ADMIN_HOME: [
            Link(
                "Funding awards",
                "funding:awards",
                admin=True,
                roles=(),
                description="record awards to community groups and link-worker posts",
                order=60,
            )
        ],
        ASSET_ACTIONS: [
            Link(
                "Places, referrals and funding this month",
                "funding:listing_capacity",
                roles=("link_worker",),
                admin=True,
                order=60,
            )
        ],
    }

    def ready(self) -> None:
        from referrals.hooks import funded_check_register

        from .services import funded_check

        funded_check_register(funded_check)

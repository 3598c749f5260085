from __future__ import annotations

from django.apps import AppConfig

from socialrx.registry import ADMIN_HOME, FOOTER, NAV, Link


class AssetsConfig(AppConfig):
    name = "assets"
    default_auto_field = "django.db.models.BigAutoField"

    links = {
        NAV: [
            Link("My listings", "assets:my_listings", roles=("volunteer",), order=60),
            Link("Directory", "assets:directory", order=90),
        ],
        FOOTER: [Link("Community directory", "assets:public_directory", order=10)],
        ADMIN_HOME: [
            Link(
                "Directory moderation",
                "assets:moderation",
                description="groups waiting for approval",
                order=30,
            )
        ],
    }

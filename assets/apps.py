from __future__ import annotations

from django.apps import AppConfig

from socialrx.registry import ADMIN_HOME, FOOTER, NAV, PUBLIC_HOME, Link


class AssetsConfig(AppConfig):
    name = "assets"
    default_auto_field = "django.db.models.BigAutoField"

    links = {
        NAV: [
            Link("My listings", "assets:my_listings", roles=("volunteer",), order=60),
            Link("Directory", "assets:directory", order=90),
        ],
        FOOTER: [Link("Community directory", "assets:public_directory", order=10)],
        PUBLIC_HOME: [
            Link(
                "Find something near you",
                "assets:public_directory",
                description="groups, activities and services run by and for local people",
                order=10,
            ),
            Link(
                "Suggest a group",
                "assets:suggest",
                description="tell us about a group that is missing from the directory",
                order=30,
            ),
        ],
        ADMIN_HOME: [
            Link(
                "Directory moderation",
                "assets:moderation",
                description="groups waiting for approval",
                order=30,
            )
        ],
    }

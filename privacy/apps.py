from __future__ import annotations

from django.apps import AppConfig

from socialrx.registry import ADMIN_HOME, PERSON_ACTIONS, Link


class PrivacyConfig(AppConfig):
    """Subject rights (access, erasure, merge) and retention. It sits above the case and
    volunteer apps because one person's record spans both."""

    name = "privacy"
    default_auto_field = "django.db.models.BigAutoField"

    links = {
        ADMIN_HOME: [
            Link(
                "Subject rights and retention",
                "privacy:home",
                roles=(),
                admin=True,
                description="pending merges, erasures made, and who the retention rule "
                "would erase next",
                order=50,
            )
        ],
        PERSON_ACTIONS: [
            Link(
                "Subject access, erasure or merge",
                "privacy:person",
                roles=(),
                admin=True,
                order=90,
            )
        ],
    }

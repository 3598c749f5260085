from __future__ import annotations

from typing import Any

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

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        connection_created.connect(_trigram_threshold, dispatch_uid="assets_trigram_threshold")

        # Any change to what the Open Referral API shows ends its cached responses.
        from django.db.models.signals import post_delete, post_save

        from .oruk_api import bump_generation

        for model in ("Asset", "Session", "Organisation"):
            sender = self.get_model(model)
            for signal in (post_save, post_delete):
                signal.connect(bump_generation, sender=sender, dispatch_uid=f"oruk_{model}")


# How close a searched word must be to a word of a listing's name to count as a misspelling of
# it (pg_trgm word similarity, 0–1). The default, 0.6, misses one dropped letter in a short
# word ("walkng" is 0.57 from "Walking"); 0.5 finds it without matching unrelated names.
TRIGRAM_WORD_THRESHOLD = 0.5


def _trigram_threshold(sender: object, connection: Any, **kwargs: Any) -> None:
    """Set the misspelling threshold once per PostgreSQL connection (not per search: no extra
    query on the search page). A custom setting, so it is accepted before pg_trgm loads."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET pg_trgm.word_similarity_threshold = {TRIGRAM_WORD_THRESHOLD}")

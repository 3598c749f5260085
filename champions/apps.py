from __future__ import annotations

from django.apps import AppConfig

from socialrx.registry import NAV, PERSON_ACTIONS, Link


class ChampionsConfig(AppConfig):
    name = "champions"
    default_auto_field = "django.db.models.BigAutoField"

    links = {
        NAV: [
            Link("Volunteers", "champions:list", roles=("link_worker",), admin=True, order=20),
            Link("My volunteering", "champions:home", roles=("volunteer",), order=50),
        ],
        # A person who was referred may become a volunteer.
        PERSON_ACTIONS: [Link("Invite to volunteer", "champions:invite")],
    }
    role_homes = {"volunteer": "champions:home"}

from __future__ import annotations

from django.apps import AppConfig

from socialrx.registry import ADMIN_HOME, NAV, Link


class OutcomesConfig(AppConfig):
    name = "outcomes"
    default_auto_field = "django.db.models.BigAutoField"

    links = {
        NAV: [Link("Outcomes", "outcomes:overview", roles=("commissioner",), admin=True, order=70)],
        ADMIN_HOME: [
            Link(
                "Imports",
                "outcomes_imports:imports",
                description="registered populations, GP appointment extracts and look-ups",
                order=20,
            ),
            Link(
                "Outcomes",
                "outcomes:overview",
                description="the commissioners' dashboards, with exact figures",
                order=40,
            ),
        ],
    }
    role_homes = {"commissioner": "outcomes:overview"}

from __future__ import annotations

from django.apps import AppConfig


class ChampionsConfig(AppConfig):
    name = "champions"
    default_auto_field = "django.db.models.BigAutoField"

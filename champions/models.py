"""Volunteers: champions, connectors, group leaders."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ChampionRole(models.TextChoices):
    HEALTH_CHAMPION = "health_champion", "Health champion"
    COMMUNITY_CONNECTOR = "community_connector", "Community connector"
    GROUP_LEADER = "group_leader", "Group leader"


class Champion(models.Model):
    champion_ref = models.CharField(max_length=64, unique=True, null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="champion",
    )
    # A person who was referred and became a volunteer.
    person = models.OneToOneField(
        "referrals.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="champion",
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100, blank=True)
    role = models.CharField(max_length=30, choices=ChampionRole.choices)
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["given_name", "family_name"]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

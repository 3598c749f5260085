"""The community asset directory. The directory knows no one's case: nothing here points to
``referrals``."""

from __future__ import annotations

import datetime as dt

from django.db import models


class Category(models.TextChoices):
    ADVICE_MONEY = "advice_money", "Advice and money"
    READING = "reading", "Reading"
    GREEN_NATURE = "green_nature", "Green and nature"
    ARTS_CREATIVITY = "arts_creativity", "Arts and creativity"
    MUSIC_SINGING = "music_singing", "Music and singing"
    PHYSICAL_ACTIVITY = "physical_activity", "Physical activity"
    VOLUNTEERING_COMMUNITY = "volunteering_community", "Volunteering and community groups"
    LEARNING = "learning", "Learning"
    HERITAGE_MUSEUMS = "heritage_museums", "Heritage and museums"
    PEER_SUPPORT = "peer_support", "Peer support"
    BEFRIENDING = "befriending", "Befriending"
    FOOD = "food", "Food"
    FAITH_CULTURE = "faith_culture", "Faith and culture"
    DIGITAL_SKILLS = "digital_skills", "Digital skills"
    CARERS_SUPPORT = "carers_support", "Carers' support"


class LedBy(models.TextChoices):
    CITIZEN = "citizen", "Citizen-led (local people or volunteers, no paid staff)"
    VCSE = "vcse", "Voluntary, community or social enterprise"
    STATUTORY = "statutory", "Statutory"
    COMMERCIAL = "commercial", "Commercial"


class Asset(models.Model):
    asset_ref = models.CharField(max_length=64, unique=True, null=True, blank=True)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=30, choices=Category.choices, db_index=True)
    led_by = models.CharField(max_length=20, choices=LedBy.choices, db_index=True)
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    description = models.TextField(blank=True)
    # Volunteers (users) who keep this listing true.
    maintainers = models.ManyToManyField(
        "socialrx.User", blank=True, related_name="maintained_assets"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="asset_ends_after_start",
                condition=models.Q(ended_on__isnull=True)
                | models.Q(started_on__isnull=True)
                | models.Q(ended_on__gt=models.F("started_on")),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_citizen_led(self) -> bool:
        return self.led_by == LedBy.CITIZEN

    def connection_warnings(self, *, today: dt.date | None = None) -> list[str]:
        """What a link worker must be told before connecting someone to this asset. The
        directory issue adds capacity and "not confirmed recently" here."""
        today = today or dt.date.today()
        warnings = []
        if self.ended_on and self.ended_on <= today:
            warnings.append(f"{self.name} ended on {self.ended_on:%-d %B %Y}.")
        elif self.started_on and self.started_on > today:
            warnings.append(f"{self.name} does not start until {self.started_on:%-d %B %Y}.")
        return warnings

    def is_active_on(self, day: dt.date) -> bool:
        """METRICS.md: started_on empty or <= d, and ended_on empty or > d."""
        return (self.started_on is None or self.started_on <= day) and (
            self.ended_on is None or self.ended_on > day
        )

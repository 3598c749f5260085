"""What every app shares: practices and PCNs, teams, users' roles and scopes, the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models


class PCN(models.Model):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = "PCN"

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A team of link workers. It serves the practices that point to it."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    # The number people are told to call back on in the messages the team sends them.
    phone = models.CharField(
        max_length=30,
        blank=True,
        help_text="The number people call back on, given in the messages the team sends them.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Practice(models.Model):
    ods_code = models.CharField("ODS code", max_length=10, unique=True)
    name = models.CharField(max_length=200)
    pcn = models.ForeignKey(
        PCN, null=True, blank=True, on_delete=models.PROTECT, related_name="practices"
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="practices",
        help_text="The link-worker team that serves this practice.",
    )
    named_link_worker = models.ForeignKey(
        "socialrx.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The link worker new referrals from this practice go to (continuity, not a queue).",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"


class LsoaImd(models.Model):
    """Index of Multiple Deprivation decile per LSOA (imported: lsoa_imd.csv)."""

    lsoa_code = models.CharField("LSOA code", max_length=12, primary_key=True)
    imd_decile = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = "LSOA IMD decile"
        constraints = [
            models.CheckConstraint(
                name="lsoa_imd_decile_1_10",
                condition=models.Q(imd_decile__gte=1, imd_decile__lte=10),
            )
        ]

    def __str__(self) -> str:
        return f"{self.lsoa_code}: decile {self.imd_decile}"


class Postcode(models.Model):
    """A postcode look-up: its LSOA (postcode_lsoa.csv) and, when a coordinates file has been
    imported, where it is. ``postcode`` is stored upper-case without spaces."""

    postcode = models.CharField(max_length=8, primary_key=True)
    lsoa_code = models.CharField("LSOA code", max_length=12, blank=True, db_index=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    def __str__(self) -> str:
        return self.postcode


class Role(models.TextChoices):
    LINK_WORKER = "link_worker", "Link worker"
    PRACTICE_STAFF = "practice_staff", "Practice staff"
    VOLUNTEER = "volunteer", "Volunteer"
    COMMISSIONER = "commissioner", "Commissioner"
    ADMIN = "admin", "Administrator"


class StaffType(models.TextChoices):
    GP = "gp", "GP"
    NURSE = "nurse", "Nurse"
    RECEPTIONIST = "receptionist", "Receptionist"
    CARE_NAVIGATOR = "care_navigator", "Care navigator"
    OTHER = "other", "Other practice staff"


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.LINK_WORKER)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        help_text="Link workers: the team whose caseload they see.",
    )
    practice = models.ForeignKey(
        Practice,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
        help_text="Practice staff: the practice whose referrals they see.",
    )
    staff_type = models.CharField(max_length=20, choices=StaffType.choices, blank=True)

    class Meta:
        ordering = ["first_name", "last_name", "username"]
        constraints = [
            models.CheckConstraint(
                name="link_worker_has_team",
                condition=~models.Q(role="link_worker", is_active=True)
                | models.Q(team__isnull=False)
                | models.Q(is_superuser=True),
            ),
            models.CheckConstraint(
                name="practice_staff_has_practice",
                condition=~models.Q(role="practice_staff") | models.Q(practice__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @property
    def is_link_worker(self) -> bool:
        return self.role == Role.LINK_WORKER

    @property
    def is_practice_staff(self) -> bool:
        return self.role == Role.PRACTICE_STAFF

    @property
    def is_volunteer(self) -> bool:
        return self.role == Role.VOLUNTEER

    @property
    def is_commissioner(self) -> bool:
        return self.role == Role.COMMISSIONER


class AuditLogQuerySet(models.QuerySet):
    """Bulk writes (imports) get the actor snapshot too."""

    def bulk_create(  # type: ignore[override]
        self, objs: Iterable[Any], *args: Any, **kwargs: Any
    ) -> list[Any]:
        entries = list(objs)
        for entry in entries:
            entry.snapshot_actor()
        return super().bulk_create(entries, *args, **kwargs)


class AuditLog(models.Model):
    """Who viewed or changed a person's record, and when. Ids only: no personal data about
    the people in the records.

    Entries are never changed. On PostgreSQL a trigger refuses UPDATE and DELETE; the one
    change let through is Django clearing ``user`` when that user is deleted, and the actor's
    username and role are copied onto the entry when it is written so that "who" survives.
    Erasure may clear ``changes`` (the before/after values) and nothing else."""

    class Action(models.TextChoices):
        VIEW = "view"
        CREATE = "create"
        UPDATE = "update"
        DELETE = "delete"
        EXPORT = "export"
        SEARCH = "search"
        MERGE = "merge"
        ERASE = "erase"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True, editable=False)
    actor_role = models.CharField(max_length=20, blank=True, editable=False)
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    person_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    detail = models.CharField(max_length=200, blank=True)
    # Before and after values of a change, {"field": [before, after]}. These are personal
    # data: only administrators see them, and erasing a person clears them (the one other
    # change the append-only trigger lets through).
    changes = models.JSONField(null=True, blank=True, editable=False)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username or self.user_id} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is None:
            self.snapshot_actor()
        super().save(*args, **kwargs)

    def snapshot_actor(self) -> None:
        user = self.user if self.user_id else None
        if user is not None and not self.actor_username:
            self.actor_username = user.username
            self.actor_role = "admin" if user.is_superuser else user.role


# API clients, their tokens and webhooks (kept in their own module).
from .integration_models import (  # noqa: E402
    ApiClient,
    ApiScope,
    ApiToken,
    DeliveryOutcome,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

__all__ = [
    "PCN",
    "ApiClient",
    "ApiScope",
    "ApiToken",
    "AuditLog",
    "DeliveryOutcome",
    "LsoaImd",
    "Postcode",
    "Practice",
    "Role",
    "StaffType",
    "Team",
    "User",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
]

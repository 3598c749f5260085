"""What subject rights leave behind: a record of each erasure and each merge. Neither holds
personal data: ids, counts, categories and who acted."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


def new_reference(prefix: str) -> str:
    """A random reference that says nothing about the person (not their id, not a date)."""
    return f"{prefix}-{secrets.token_hex(5).upper()}"


def _erasure_reference() -> str:
    return new_reference("ER")


def _merge_reference() -> str:
    return new_reference("MG")


class ErasureReason(models.TextChoices):
    SUBJECT_REQUEST = "subject_request", "The person asked to be erased"
    RETENTION = "retention", "The retention period ended"
    CREATED_IN_ERROR = "created_in_error", "The record was created in error"
    OTHER = "other", "Another lawful reason"


class ErasureRecord(models.Model):
    """That a person was erased, by whom, when and why, and how many rows went. Written once;
    the Django admin can neither change nor delete it."""

    reference = models.CharField(
        max_length=20, unique=True, default=_erasure_reference, editable=False
    )
    # The erased record's internal id: it links the audit entries (which keep their ids) to
    # this erasure, and identifies no one once the record has gone.
    person_id = models.BigIntegerField(db_index=True, editable=False)
    reason_category = models.CharField(max_length=20, choices=ErasureReason.choices)
    # Checked, when given, to hold none of the person's identifiers (services.erasure).
    reason = models.TextField(blank=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    erased_by_username = models.CharField(max_length=150, blank=True, editable=False)
    erased_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # {"app_label.model": rows removed}; aggregates only.
    row_counts = models.JSONField(default=dict, editable=False)

    class Meta:
        ordering = ["-erased_at", "-id"]

    def __str__(self) -> str:
        return f"Erasure {self.reference}"

    @property
    def rows_removed(self) -> int:
        return sum(self.row_counts.values())


class MergeState(models.TextChoices):
    PENDING = "pending", "Pending: can be undone"
    CONFIRMED = "confirmed", "Confirmed"
    UNDONE = "undone", "Undone"


class MergeRecord(models.Model):
    """Two records of the same person made one. ``moved`` lists every row that moved from the
    duplicate to the kept record, so that a pending merge can put each one back."""

    reference = models.CharField(
        max_length=20, unique=True, default=_merge_reference, editable=False
    )
    kept = models.ForeignKey(
        "referrals.Person", on_delete=models.CASCADE, related_name="merges_kept"
    )
    # Cleared when a confirmed merge removes the duplicate record; its id stays below so that
    # its audit entries still belong to the kept record's history.
    duplicate = models.ForeignKey(
        "referrals.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merges_as_duplicate",
    )
    duplicate_person_id = models.BigIntegerField(db_index=True, editable=False)
    # {"app_label.model": {"field": [row ids]}}: ids only.
    moved = models.JSONField(default=dict, editable=False)
    state = models.CharField(
        max_length=10, choices=MergeState.choices, default=MergeState.PENDING, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Merge {self.reference} ({self.get_state_display()})"

    @property
    def rows_moved(self) -> int:
        return sum(len(ids) for fields in self.moved.values() for ids in fields.values())

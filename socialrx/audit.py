from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditLog, User


def audit_record(
    *,
    user: User | Any | None,
    action: str,
    obj: models.Model,
    person_id: int | None = None,
    detail: str = "",
    changes: dict[str, list[Any]] | None = None,
) -> AuditLog:
    """Write one audit entry. ``detail`` must never hold personal data (field names are fine);
    ``changes`` holds before/after values, ``{"field": [before, after]}``, seen by
    administrators only and cleared when the person is erased."""
    return AuditLog.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        person_id=person_id,
        detail=detail[:200],
        changes=changes,
    )

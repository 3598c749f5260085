"""Subject access: everything held about one person, as sections a page can print and a
JSON document can carry. Producing it is audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from champions.models import Champion
from referrals.models import Person
from socialrx.audit import audit_record
from socialrx.models import AuditLog

from .records import audit_for, enquiries_for, person_rows

# Secrets and derived keys: not information about the person, and harmful if handed out.
HIDDEN_FIELDS = {"patient_key", "token", "search_vector"}


@dataclass
class Section:
    key: str
    title: str
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SubjectAccessExport:
    person_id: int
    generated_at: dt.datetime
    person: dict[str, Any]
    sections: list[Section]

    def as_json(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "generated_at": self.generated_at.isoformat(),
            "person": self.person,
            "sections": [
                {"key": s.key, "title": s.title, "rows": s.rows} for s in self.sections if s.rows
            ],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    return value


def _row(obj: models.Model) -> dict[str, Any]:
    """Each field by its label: choices as their words, related rows by their name, the link
    back to the person left out (the whole document is about them)."""
    out: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if f.name in HIDDEN_FIELDS:
            continue
        if f.is_relation:
            if f.related_model is Person:
                continue
            value: Any = getattr(obj, f.name)
        elif f.choices:
            value = getattr(obj, f"get_{f.name}_display")()
        else:
            value = getattr(obj, f.attname)
        if value in ("", None, [], {}):
            continue
        out[str(f.verbose_name).capitalize()] = _plain(value)
    return out


def subject_access_export(*, person: Person, by: Any, fmt: str) -> SubjectAccessExport:
    """Everything held about ``person``: their details, every row that belongs to them (found
    from the model graph), enquiries that name them and their audit trail. Written to the
    audit log as an export (``fmt`` says which form)."""
    found = person_rows(person=person)
    sections: list[Section] = []
    user_ids: list[int] = []
    for model, ids in found.items():
        meta = model._meta
        rows = model._default_manager.filter(pk__in=ids).order_by("pk")
        if model is Champion:
            user_ids += [uid for uid in rows.values_list("user_id", flat=True) if uid]
        sections.append(
            Section(
                key=meta.label_lower,
                title=str(meta.verbose_name_plural).capitalize(),
                rows=[_row(obj) for obj in rows],
            )
        )
    sections.append(
        Section(
            key="referrals.closedrouteenquiry",
            title="Enquiries through closed routes",
            rows=[
                {"Received": _plain(e.received_at), "Route": e.get_route_display(), **e.data}
                for e in enquiries_for(person=person)
            ],
        )
    )
    sections.append(
        Section(
            key="socialrx.auditlog",
            title="Who viewed or changed the record",
            rows=[
                {
                    "When": _plain(a.at),
                    "Who": a.actor_username,
                    "Their role": a.actor_role,
                    "Action": a.get_action_display(),
                    "Record": f"{a.object_type} {a.object_id}",
                    "Detail": a.detail,
                    **({"Changes": a.changes} if a.changes else {}),
                }
                for a in audit_for(person=person, user_ids=user_ids)
            ],
        )
    )
    export = SubjectAccessExport(
        person_id=person.pk,
        generated_at=timezone.now(),
        person=_row(person),
        sections=sections,
    )
    with transaction.atomic():
        audit_record(
            user=by,
            action=AuditLog.Action.EXPORT,
            obj=person,
            person_id=person.pk,
            detail=f"subject access ({fmt})",
        )
    return export

"""Merging two records of the same person. Every row pointing at the duplicate moves to the
kept record and is listed on a ``MergeRecord``; until the merge is confirmed it can be undone,
each listed row going back to the duplicate. Confirming removes the (now empty) duplicate
record; its audit entries keep their id, which the merge record ties to the kept one."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from referrals.models import Person
from socialrx.audit import audit_record
from socialrx.models import AuditLog

from ..models import MergeRecord, MergeState
from .records import Relation, person_relations

PRIVACY_APP = "privacy"


def movable_relations() -> list[Relation]:
    """The foreign keys to ``Person`` whose rows move in a merge: all but the merge and
    erasure records themselves."""
    return [r for r in person_relations(Person) if r.model._meta.app_label != PRIVACY_APP]


def in_pending_merge(*, person: Person) -> bool:
    """A record in a pending merge is neither merged again nor erased until that is settled."""
    return (
        MergeRecord.objects.filter(state=MergeState.PENDING)
        .filter(Q(kept=person) | Q(duplicate=person))
        .exists()
    )


def person_merge(*, kept: Person, duplicate: Person, by: Any) -> MergeRecord:
    """Move everything of ``duplicate`` onto ``kept``, recording each row moved. Refused (and
    nothing changed) for the same record twice, a record already in a pending merge, or when
    both records hold a one-of-a-kind row (a volunteer record)."""
    if kept.pk == duplicate.pk:
        raise ValidationError({"duplicate": "Choose a different record from the one kept"})
    with transaction.atomic():
        locked = {
            p.pk: p
            for p in Person.objects.select_for_update().filter(pk__in=[kept.pk, duplicate.pk])
        }
        if len(locked) != 2:
            raise ValidationError({"duplicate": "There is no record with that id"})
        kept, duplicate = locked[kept.pk], locked[duplicate.pk]
        if in_pending_merge(person=kept) or in_pending_merge(person=duplicate):
            raise ValidationError(
                "One of these records is in a merge that is still pending: confirm or undo "
                "that merge first"
            )
        relations = movable_relations()
        for relation in relations:
            manager = relation.model._default_manager
            if (
                relation.one_to_one
                and manager.filter(**{relation.field: kept}).exists()
                and manager.filter(**{relation.field: duplicate}).exists()
            ):
                what = relation.model._meta.verbose_name
                raise ValidationError(
                    f"Both records have a {what}: only one can be kept, so they cannot be "
                    "merged until one of them is removed"
                )
        moved: dict[str, dict[str, list[int]]] = {}
        for relation in relations:
            rows = relation.model._default_manager.filter(**{relation.field: duplicate})
            ids = sorted(rows.values_list("pk", flat=True))
            if not ids:
                continue
            rows.update(**{relation.field: kept})
            moved.setdefault(relation.model._meta.label_lower, {})[relation.field] = ids
        record = MergeRecord.objects.create(
            kept=kept,
            duplicate=duplicate,
            duplicate_person_id=duplicate.pk,
            moved=moved,
            created_by=by,
        )
        detail = f"{record.reference} pending rows={record.rows_moved}"
        for person in (kept, duplicate):
            audit_record(
                user=by,
                action=AuditLog.Action.MERGE,
                obj=record,
                person_id=person.pk,
                detail=detail,
            )
    return record


def _locked_pending(record: MergeRecord) -> MergeRecord:
    locked = MergeRecord.objects.select_for_update().get(pk=record.pk)
    if locked.state != MergeState.PENDING:
        raise ValidationError(
            f"This merge is already {locked.get_state_display().lower()}: it cannot be changed"
        )
    return locked


def merge_undo(*, record: MergeRecord, by: Any) -> MergeRecord:
    """Put each row the merge moved back on the duplicate record. Rows added to the kept record
    since the merge stay where they are."""
    with transaction.atomic():
        record = _locked_pending(record)
        if record.duplicate_id is None:
            raise ValidationError(
                "The duplicate record no longer exists: this merge cannot be undone"
            )
        for label, fields in record.moved.items():
            manager = apps.get_model(label)._default_manager
            for field, ids in fields.items():
                manager.filter(pk__in=ids, **{f"{field}_id": record.kept_id}).update(
                    **{f"{field}_id": record.duplicate_id}
                )
        record.state = MergeState.UNDONE
        record.decided_by = by
        record.decided_at = timezone.now()
        record.save(update_fields=["state", "decided_by", "decided_at"])
        for person_id in (record.kept_id, record.duplicate_id):
            audit_record(
                user=by,
                action=AuditLog.Action.MERGE,
                obj=record,
                person_id=person_id,
                detail=f"{record.reference} undone",
            )
    return record


def merge_confirm(*, record: MergeRecord, by: Any) -> MergeRecord:
    """Make the merge final: anything that reached the duplicate since moves too (and is
    listed), then the duplicate record is removed."""
    with transaction.atomic():
        record = _locked_pending(record)
        duplicate = (
            Person.objects.select_for_update().filter(pk=record.duplicate_id).first()
            if record.duplicate_id is not None
            else None
        )
        if duplicate is not None:
            moved = record.moved
            for relation in movable_relations():
                rows = relation.model._default_manager.filter(**{relation.field: duplicate})
                ids = list(rows.values_list("pk", flat=True))
                if ids:
                    rows.update(**{relation.field: record.kept_id})
                    label = relation.model._meta.label_lower
                    listed = moved.setdefault(label, {}).setdefault(relation.field, [])
                    listed.extend(ids)
            record.moved = moved
            record.duplicate = None
            duplicate_id = duplicate.pk
            record.state = MergeState.CONFIRMED
            record.decided_by = by
            record.decided_at = timezone.now()
            record.save()
            duplicate.delete()
        else:
            duplicate_id = record.duplicate_person_id
            record.state = MergeState.CONFIRMED
            record.decided_by = by
            record.decided_at = timezone.now()
            record.save()
        for person_id in (record.kept_id, duplicate_id):
            audit_record(
                user=by,
                action=AuditLog.Action.MERGE,
                obj=record,
                person_id=person_id,
                detail=f"{record.reference} confirmed",
            )
    return record

"""Changes to a person's data are audited by the model, not by each service.

A model opts in by inheriting :class:`Audited` and saying where the person is
(``audit_person``). Every ``save()`` and ``delete()`` of it then writes one entry:

- CREATE with ``changes = {"field": [None, value]}`` for the fields given a value;
- UPDATE with ``{"field": [before, after]}`` for the fields whose stored value changed (the
  stored row is read just before saving, so a form's in-memory edits cannot hide a change),
  and no entry at all when nothing tracked changed;
- DELETE with ``{"field": [value, None]}``.

Tracked fields are the model's concrete fields minus its primary key, ``auto_now`` /
``auto_now_add`` time stamps, optimistic-concurrency ``version`` columns and the model's own
``audit_exclude``. ``detail`` names the fields only; values are in ``changes``, which
only administrators see.

Bulk paths (``bulk_create``, ``bulk_update``, ``QuerySet.update``) bypass this: the imports
write their own entries in bulk."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from .audit import audit_record, audit_values_kept, current_actor, current_note
from .models import AuditLog

ALWAYS_EXCLUDED = frozenset({"version"})


class Audited:
    """Mixin for models that hold a person's data.

    ``audit_person``: the attribute path from an instance to the person's id (``"pk"`` for
    the person itself, ``"person_id"``, ``"referral.person_id"``); ``None`` when the record
    names no person record. ``audit_exclude``: fields not worth a change entry (derived
    values, bookkeeping)."""

    audit_person: ClassVar[str | None] = "person_id"
    audit_exclude: ClassVar[tuple[str, ...]] = ()


def tracked_fields(model: type[models.Model]) -> list[models.Field]:
    cached = model.__dict__.get("_audit_tracked")
    if cached is not None:
        return cached
    exclude = ALWAYS_EXCLUDED | set(getattr(model, "audit_exclude", ()))
    fields = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key
        and f.name not in exclude
        and not getattr(f, "auto_now", False)
        and not getattr(f, "auto_now_add", False)
    ]
    model._audit_tracked = fields  # type: ignore[attr-defined]
    return fields


def person_lookup(model: type[models.Model]) -> str | None:
    """``audit_person`` as an ORM lookup (``referral.person_id`` → ``referral__person_id``)."""
    path = getattr(model, "audit_person", None)
    return path.replace(".", "__") if path else None


def person_id_of(instance: models.Model) -> int | None:
    path = getattr(instance, "audit_person", None)
    if not path:
        return None
    value: Any = instance
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return int(value)


def _json(value: Any) -> Any:
    """Values as JSON stores them (dates as ISO text, decimals as text)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _clean(field: models.Field, value: Any) -> Any:
    try:
        return field.to_python(value)
    except Exception:
        return value


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _values(instance: models.Model, fields: list[models.Field]) -> dict[str, Any]:
    return {f.name: _clean(f, getattr(instance, f.attname)) for f in fields}


def _detail(prefix: str) -> str:
    note = current_note()
    return "; ".join(x for x in (prefix, note) if x)


def _write(instance: models.Model, action: str, changes: dict[str, list[Any]], detail: str) -> None:
    audit_record(
        user=current_actor(),
        action=action,
        obj=instance,
        person_id=getattr(instance, "_audit_person_id", None) or person_id_of(instance),
        detail=detail,
        changes=_json(changes) if changes and audit_values_kept() else None,
    )


def record_update(instance: models.Model, changes: dict[str, list[Any]]) -> None:
    """The entry ``save()`` would have written, for a change made without it (a conditional
    ``QuerySet.update()`` that claims a row, such as optimistic concurrency): call it after
    the update succeeded, with ``{"field": [before, after]}``."""
    if changes:
        _write(instance, AuditLog.Action.UPDATE, changes, _detail("changed " + ", ".join(changes)))


def _before_save(
    sender: type[models.Model], instance: models.Model, raw: bool, using: str, **kwargs: Any
) -> None:
    if raw or not isinstance(instance, Audited):
        return
    instance._audit_before = None  # type: ignore[attr-defined]
    if instance._state.adding or instance.pk is None:
        return
    fields = tracked_fields(sender)
    update_fields = kwargs.get("update_fields")
    if update_fields is not None:
        fields = [f for f in fields if f.name in update_fields or f.attname in update_fields]
        if not fields:
            instance._audit_before = {}  # type: ignore[attr-defined]
            return
    row = (
        sender._base_manager.using(using)
        .filter(pk=instance.pk)
        .values(*[f.attname for f in fields])
        .first()
    )
    if row is not None:
        instance._audit_before = {  # type: ignore[attr-defined]
            f.name: _clean(f, row[f.attname]) for f in fields
        }


def _after_save(
    sender: type[models.Model], instance: models.Model, created: bool, raw: bool, **kwargs: Any
) -> None:
    if raw or not isinstance(instance, Audited):
        return
    before = getattr(instance, "_audit_before", None)
    instance._audit_before = None  # type: ignore[attr-defined]
    if created or before is None:
        after = _values(instance, tracked_fields(sender))
        changes = {name: [None, v] for name, v in after.items() if not _empty(v)}
        _write(instance, AuditLog.Action.CREATE, changes, _detail(""))
        return
    fields = [f for f in tracked_fields(sender) if f.name in before]
    after = _values(instance, fields)
    changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if changes:
        _write(instance, AuditLog.Action.UPDATE, changes, _detail("changed " + ", ".join(changes)))


def _before_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if isinstance(instance, Audited):
        # Worked out while the rows it points through still exist (cascades delete them).
        instance._audit_person_id = person_id_of(instance)  # type: ignore[attr-defined]


def _after_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if not isinstance(instance, Audited):
        return
    before = _values(instance, tracked_fields(sender))
    changes = {name: [v, None] for name, v in before.items() if not _empty(v)}
    _write(instance, AuditLog.Action.DELETE, changes, _detail(""))


def audited_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if issubclass(m, Audited)]


def connect() -> None:
    """Listen to the audited models only (a delete listener on every model would stop Django
    from deleting other tables' rows in bulk)."""
    for model in audited_models():
        uid = f"socialrx_audited_{model._meta.label_lower}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"{uid}_pre_save")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"{uid}_post_save")
        pre_delete.connect(_before_delete, sender=model, dispatch_uid=f"{uid}_pre_delete")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"{uid}_post_delete")

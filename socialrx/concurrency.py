"""Optimistic concurrency for records that people edit: a ``version`` column that every save
claims with a conditional UPDATE, so that the later of two edits made from the same loaded
record is refused instead of silently undoing the first.

Services call :func:`version_claim` inside their transaction; edit forms use
:class:`VersionedFormMixin`, which carries the version the form was loaded with and a keyed
digest of each field's value (never the values themselves), so that, when the save is refused,
the form can tell the user which fields someone else changed and what they now hold."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils import dateformat
from django.utils.crypto import salted_hmac

CONFLICT_MESSAGE = "Someone else changed this record while you were editing it"
STALE_FORM_MESSAGE = "This form is out of date. Reload the page and make your change again"
_SALT = "socialrx.concurrency.loaded"


class EditConflict(ValidationError):
    """The record was saved by someone else since the caller loaded it. ``current`` is the
    record as it is now (``None`` if it has gone)."""

    def __init__(
        self,
        message: str = CONFLICT_MESSAGE,
        *,
        current: models.Model | None = None,
        code: str = "edit_conflict",
    ) -> None:
        super().__init__(message, code=code)
        self.current = current


def version_claim(obj: models.Model, *, expected: int) -> None:
    """Claim the next version of ``obj`` if it is still at ``expected``: one conditional UPDATE
    (``... WHERE pk = .. AND version = ..``), so of two concurrent saves exactly one matches.
    Call it inside the transaction that then writes the change, so a later failure gives the
    version back. Raises :class:`EditConflict` when no row matched."""
    manager = type(obj)._default_manager
    if not manager.filter(pk=obj.pk, version=expected).update(version=F("version") + 1):
        raise EditConflict(current=manager.filter(pk=obj.pk).first())
    obj.version = expected + 1  # type: ignore[attr-defined]


def version_bump(obj: models.Model) -> None:
    """A change that is right whatever was loaded (an emailed "it has stopped", an intake
    adding what the record lacks) still moves the version on, so forms opened before it cannot
    undo it unnoticed."""
    manager = type(obj)._default_manager
    manager.filter(pk=obj.pk).update(version=F("version") + 1)
    obj.version = manager.filter(pk=obj.pk).values_list("version", flat=True).get()  # type: ignore[attr-defined]


# --- telling the second user what changed ---------------------------------------------------


def display_value(obj: models.Model, name: str) -> str:
    """A field's value as a person reads it: choices by label, dates in words, yes/no."""
    value = getattr(obj, name)
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dateformat.format(value, "j F Y")
    field = obj._meta.get_field(name)
    if getattr(field, "choices", None):
        return str(getattr(obj, f"get_{name}_display")())
    return str(value)


def snapshot(obj: models.Model, names: Iterable[str]) -> dict[str, str]:
    return {name: display_value(obj, name) for name in names}


def _digest(name: str, value: str) -> str:
    return salted_hmac(_SALT, f"{name}\0{value}").hexdigest()[:16]


def loaded_token(values: Mapping[str, str]) -> str:
    """What a form was loaded with: a keyed digest per field, signed. It holds no values."""
    return signing.dumps(
        {name: _digest(name, value) for name, value in values.items()}, salt=_SALT, compress=True
    )


def changed_since(token: str, values: Mapping[str, str]) -> list[str]:
    """The fields of ``values`` (the record as it is now) that differ from when ``token`` was
    made. A missing or tampered token tells nothing: every field is reported."""
    try:
        loaded = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return list(values)
    if not isinstance(loaded, dict):
        return list(values)
    return [name for name, value in values.items() if loaded.get(name) != _digest(name, value)]


class VersionedFormMixin:
    """An edit form that carries the version it was loaded with (``version``) and what it was
    loaded with (``loaded``), both hidden. ``load`` fills them from the record; after a refused
    save ``show_conflict`` puts what changed in the error summary, keeps the user's typed
    values and moves the hidden fields on to the record as it is now, so saving again applies
    the user's values knowingly."""

    fields: dict[str, forms.Field]
    initial: Any
    data: Any
    add_prefix: Any
    add_error: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.fields["version"] = forms.IntegerField(
            min_value=0,
            widget=forms.HiddenInput(attrs={"class": ""}),
            error_messages={"required": STALE_FORM_MESSAGE, "invalid": STALE_FORM_MESSAGE},
        )
        self.fields["loaded"] = forms.CharField(
            required=False, widget=forms.HiddenInput(attrs={"class": ""})
        )

    def load(self, *, version: int, values: Mapping[str, str]) -> None:
        self.initial["version"] = version
        self.initial["loaded"] = loaded_token(values)

    def show_conflict(
        self,
        *,
        version: int,
        values: Mapping[str, str],
        labels: Mapping[str, str] | None = None,
    ) -> list[str]:
        """Explain a refused save; returns the names of the fields someone else changed."""
        changed = changed_since(self.data.get(self.add_prefix("loaded"), ""), values)
        self.add_error(
            None,
            f"{CONFLICT_MESSAGE}. What they changed is shown below. Your changes have not been "
            "saved: they are still in the form, so check them and save again to apply them.",
        )
        for name in changed:
            now = values[name] or "(empty)"
            label = (labels or {}).get(name) or (
                str(self.fields[name].label or "")
                if name in self.fields
                else name.replace("_", " ").capitalize()
            )
            message = f"{label} was changed by someone else to: {now}"
            self.add_error(name if name in self.fields else None, message)
        mark_errors = getattr(self, "mark_errors", None)
        if mark_errors is not None:
            mark_errors(changed)
        data = self.data.copy()
        data[self.add_prefix("version")] = str(version)
        data[self.add_prefix("loaded")] = loaded_token(values)
        self.data = data
        return changed

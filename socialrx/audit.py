"""The audit log's writers, and who the acting user is.

Three ways an entry is written, each in one place:

- **Views** of a person's data: ``socialrx.audit_views.AuditViewsMiddleware`` after a
  successful response to a signed-in user, for the URLs each app declares.
- **Changes** to a person's data: ``socialrx.audited.Audited`` models write CREATE, UPDATE
  and DELETE entries with before/after values when they are saved or deleted.
- **Bulk paths** (imports) write their entries in bulk themselves, and a few domain events
  that are not a row's change (unlocking a sign-in, a second factor reset) call
  :func:`audit_record`.

The acting user comes from a context variable: the middleware sets it for each request, and
services, tasks and imports set it with :func:`audit_actor` for the user they act for."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.db import models

from .models import AuditLog, User

# A user, or a callable returning one (the middleware passes ``lambda: request.user`` so
# that a user authenticated later, by the REST framework's token check, is seen too).
_actor: ContextVar[Any] = ContextVar("socialrx_audit_actor", default=None)
_note: ContextVar[str] = ContextVar("socialrx_audit_note", default="")
_values_kept: ContextVar[bool] = ContextVar("socialrx_audit_values_kept", default=True)


@contextmanager
def audit_actor(user: Any) -> Iterator[None]:
    """Changes saved inside the block are written as made by ``user`` (``None``: by nobody
    signed in, such as a self-referral)."""
    token = _actor.set(user if user is not None else _NOBODY)
    try:
        yield
    finally:
        _actor.reset(token)


@contextmanager
def audit_note(note: str) -> Iterator[None]:
    """Entries written inside the block carry ``note`` in ``detail`` (never personal data:
    it says why, such as "intake" or "despite warnings")."""
    token = _note.set(note)
    try:
        yield
    finally:
        _note.reset(token)


@contextmanager
def audit_without_values() -> Iterator[None]:
    """Entries written inside the block record what happened but not the values (erasure:
    the rows it deletes must not be copied into the audit trail on their way out)."""
    token = _values_kept.set(False)
    try:
        yield
    finally:
        _values_kept.reset(token)


def audit_values_kept() -> bool:
    return _values_kept.get()


P = ParamSpec("P")
R = TypeVar("R")


def acting_user(param: str = "by", *, note: str = "") -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorates a service: the changes it saves are made by its keyword argument ``param``
    (and carry ``note``), whoever calls it (a view, a task, a test)."""

    def decorate(service: Callable[P, R]) -> Callable[P, R]:
        @wraps(service)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            with audit_actor(kwargs.get(param)):
                if not note:
                    return service(*args, **kwargs)
                with audit_note(note):
                    return service(*args, **kwargs)

        return run

    return decorate


def _nobody() -> None:
    return None


_NOBODY: Callable[[], None] = _nobody


def current_actor() -> User | None:
    actor = _actor.get()
    if callable(actor):
        actor = actor()
    return actor if getattr(actor, "is_authenticated", False) else None


def current_note() -> str:
    return _note.get()


def audit_record(
    *,
    user: User | Any | None,
    action: str,
    obj: models.Model | type[models.Model],
    person_id: int | None = None,
    detail: str = "",
    changes: dict[str, list[Any]] | None = None,
    object_id: str | None = None,
) -> AuditLog:
    """Write one audit entry (for a list or a search, ``obj`` is the model and ``object_id``
    says which). ``detail`` must never hold personal data (field names are fine);
    ``changes`` holds before/after values, ``{"field": [before, after]}``, seen by
    administrators only and cleared when the person is erased."""
    return AuditLog.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=object_id if object_id is not None else str(obj.pk),
        person_id=person_id,
        detail=detail[:200],
        changes=changes,
    )

"""Views of a person's data are audited in one place: this middleware, for the URLs each app
declares.

An app declares, next to its URL patterns, which of them show a person's data
(:func:`declare`): for each URL name, a :class:`ViewAudit` saying what object the URL shows and
how to find the person from it, or that it is a list or a search. Every other URL of an app
that holds person data is declared as not showing any, with the reason
(``tests/socialrx/test_audit_coverage.py`` walks the URL map and fails on a URL that is
neither). The Django admin's pages of :class:`~socialrx.audited.Audited` models need no
declaration: the middleware knows their URL names.

After a successful (2xx) response to a signed-in user, the middleware writes one entry:

- an object's page: VIEW of that object, with the person's id;
- a list: VIEW with object id ``list``;
- a search: SEARCH with object id ``search`` and what kind of search it was
  ("caseload search by NHS number"), never what was searched for.

Redirects, errors and refusals write nothing: the page was not shown. Changes made while
handling the request are audited by the models (:mod:`socialrx.audited`), as the user the
middleware sets as the acting user."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.http import HttpRequest, HttpResponseBase

from .audit import _actor, audit_record
from .audited import Audited, audited_models, person_lookup
from .models import AuditLog

OBJECT = "object"
LIST = "list"


@dataclass(frozen=True)
class ViewAudit:
    """What a URL shows. ``model``: "app_label.ModelName". ``kind``: ``OBJECT`` (the id is in
    the URL's ``id_kwarg``) or ``LIST``. ``search``: for a list, a function of the request
    returning the kind of search made ("by name"), or ``None`` when it is not a search.
    ``only``: a function of the request; the entry is written only when it says so (a form
    that shows other people's records only once submitted). ``person``: the ORM lookup from
    the object to the person's id, for a model that is not ``Audited`` (by default the
    model's ``audit_person``)."""

    model: str
    kind: str = OBJECT
    id_kwarg: str = "pk"
    detail: str = ""
    search: Callable[[HttpRequest], str | None] | None = None
    only: Callable[[HttpRequest], bool] | None = None
    person: str | None = None

    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)


_audited: dict[str, ViewAudit] = {}
_not_audited: dict[str, str] = {}


def _view_name(namespace: str, name: str) -> str:
    return f"{namespace}:{name}" if namespace else name


def declare(
    *,
    namespace: str,
    audited: Mapping[str, ViewAudit],
    not_audited: Mapping[str, str] | None = None,
) -> None:
    """Called from an app's URL module: which of its URL names show a person's data, and
    (``not_audited``: name → reason) which do not."""
    for name, spec in audited.items():
        _audited[_view_name(namespace, name)] = spec
    for name, reason in (not_audited or {}).items():
        _not_audited[_view_name(namespace, name)] = reason


def declared_audited() -> dict[str, ViewAudit]:
    return dict(_audited)


def declared_not_audited() -> dict[str, str]:
    return dict(_not_audited)


# --- the Django admin --------------------------------------------------------------------

_ADMIN_PAGES = {"changelist": LIST, "change": OBJECT, "history": OBJECT, "delete": OBJECT}


def _admin_search(request: HttpRequest) -> str | None:
    return "by the search box" if request.GET.get("q", "").strip() else None


def admin_spec(url_name: str) -> ViewAudit | None:
    """The admin's pages of an audited model: ``<app>_<model>_changelist|change|history|delete``."""
    for model in audited_models():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        if url_name.startswith(prefix):
            kind = _ADMIN_PAGES.get(url_name[len(prefix) :])
            if kind is None:
                return None
            return ViewAudit(
                model._meta.label,
                kind=kind,
                id_kwarg="object_id",
                detail="django admin",
                search=_admin_search if kind == LIST else None,
            )
    return None


def spec_for(view_name: str, namespace: str, url_name: str | None) -> ViewAudit | None:
    spec = _audited.get(view_name)
    if spec is None and namespace == "admin" and url_name:
        spec = admin_spec(url_name)
    return spec


# --- writing the entry -------------------------------------------------------------------


def _person_id(model: type[models.Model], object_id: str, lookup: str | None) -> int | None:
    if lookup is None and issubclass(model, Audited):
        lookup = person_lookup(model)
    if not lookup:
        return None
    if lookup == "pk":
        return int(object_id) if object_id.isdigit() else None
    value = model._base_manager.filter(pk=object_id).values_list(lookup, flat=True).first()
    return int(value) if value is not None else None


def view_record(*, request: HttpRequest, spec: ViewAudit, kwargs: Mapping[str, Any]) -> None:
    user = request.user  # type: ignore[attr-defined]
    model = spec.model_class()
    if spec.kind == LIST:
        search = spec.search(request) if spec.search else None
        if search:
            detail = " ".join(x for x in (spec.detail, "search", search) if x)
            audit_record(
                user=user,
                action=AuditLog.Action.SEARCH,
                obj=model,
                object_id="search",
                detail=detail,
            )
        else:
            audit_record(
                user=user,
                action=AuditLog.Action.VIEW,
                obj=model,
                object_id="list",
                detail=spec.detail,
            )
        return
    object_id = str(kwargs.get(spec.id_kwarg, ""))
    audit_record(
        user=user,
        action=AuditLog.Action.VIEW,
        obj=model,
        object_id=object_id,
        person_id=_person_id(model, object_id, spec.person),
        detail=spec.detail,
    )


class AuditViewsMiddleware:
    """Sets the acting user for the request's changes; writes the view entry after a
    successful response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = _actor.set(lambda: getattr(request, "user", None))
        try:
            response = self.get_response(request)
        finally:
            _actor.reset(token)
        if 200 <= response.status_code < 300:
            self._audit(request)
        return response

    def _audit(self, request: HttpRequest) -> None:
        user = getattr(request, "user", None)
        match = getattr(request, "resolver_match", None)
        if match is None or not getattr(user, "is_authenticated", False):
            return
        spec = spec_for(match.view_name, match.namespace, match.url_name)
        if spec is None or (spec.only is not None and not spec.only(request)):
            return
        view_record(request=request, spec=spec, kwargs=match.kwargs)

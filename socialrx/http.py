"""The web kit every app's views share: typed requests, the "wants a partial" check, one way
to fetch an object in the user's scope (or answer 404), and one way to put a service's
``ValidationError`` on a form."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from socialrx.models import User

M = TypeVar("M", bound=Model)


class HtmxRequest(HttpRequest):
    """Any request that passed through django-htmx's middleware."""

    htmx: HtmxDetails


class SignedInRequest(HtmxRequest):
    """A request behind ``login_required`` or ``role_required``: the user is a real user."""

    user: User  # type: ignore[assignment]


def wants_partial(request: HttpRequest) -> bool:
    """htmx asked for a piece of the page. A history restore comes from htmx too, but wants the
    whole page again."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def render_page(
    request: HttpRequest,
    template: str,
    partial: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    """The whole page, or only its named inline partial when htmx asks for a piece."""
    name = f"{template}#{partial}" if wants_partial(request) else template
    return render(request, name, context, status=status)


# Ids no row has, reversed in the place of a URL's id: the URL is made of what is around them.
_ID_MARKS = (9_876_543_210_123, 7)


@functools.lru_cache(maxsize=1024)
def _url_shape(
    url_name: str, with_id: bool, current_app: str | None, where: tuple[Any, ...]
) -> tuple[str, str] | None:
    """What is before and after the id in ``url_name``'s URL (the whole URL and ``""`` without
    an id); ``None`` when it cannot be reversed so, or when the id is not written as it is
    (a converter of its own). ``where``: the script prefix, URL configuration and language."""
    try:
        if not with_id:
            return reverse(url_name, current_app=current_app), ""
        urls = [reverse(url_name, args=[mark], current_app=current_app) for mark in _ID_MARKS]
    except NoReverseMatch:
        return None
    before, found, after = urls[0].partition(str(_ID_MARKS[0]))
    if not found or any(
        url != f"{before}{mark}{after}" for mark, url in zip(_ID_MARKS, urls, strict=True)
    ):
        return None
    return before, after


def url_shape(
    url_name: str, *, with_id: bool, current_app: str | None = None
) -> tuple[str, str] | None:
    """``reverse(url_name, args=[id])`` is ``f"{before}{id}{after}"`` for any integer id: this
    gives ``(before, after)``, worked out once per process (``None``: use ``reverse``)."""
    # The language too: a URL configuration may translate its paths or prefix them with it.
    where = (get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF, get_language())
    return _url_shape(url_name, with_id, current_app, where)


def url_with_id(url_name: str) -> Callable[[int], str]:
    """``reverse(url_name, args=[id])`` for many ids (each row of a table): the URL is reversed
    once, and each id put in its place. Only for URLs whose one argument is an integer id."""
    shape = url_shape(url_name, with_id=True)
    if shape is None:
        raise ValueError(f"{url_name} does not take one integer id")
    before, after = shape
    return lambda pk: f"{before}{int(pk)}{after}"


def get_in_scope_or_404(scope: QuerySet[M], *, what: str = "record", **lookup: Any) -> M:
    """The one object of ``scope`` (a queryset already limited to what the user may reach) that
    matches ``lookup``. Anything else, including a malformed id, is 404: a URL never tells
    whether a record outside the user's scope exists."""
    try:
        return scope.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404(f"No such {what}") from None


def form_add_service_errors(form: Any, exc: ValidationError, *, field: str | None = None) -> None:
    """Put a service's ``ValidationError`` on a form: errors keyed by a field the form has go on
    that field, everything else on ``field`` (``None``: the whole form, shown first in the error
    summary)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = name if name in form.fields else field
            for error in errors:
                form.add_error(target, error)
        return
    for message in exc.messages:
        form.add_error(field, message)

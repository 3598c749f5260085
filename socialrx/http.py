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
from django.urls import get_script_prefix, get_urlconf, reverse

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


# An id no row has, reversed in its place and then replaced by each row's.
_ID_MARK = 9_876_543_210_123


@functools.lru_cache(maxsize=256)
def _url_around_id(url_name: str, where: tuple[Any, ...]) -> tuple[str, str]:
    """``where``: the script prefix and URL configuration the URL is worked out under."""
    url = reverse(url_name, args=[_ID_MARK])
    before, mark, after = url.partition(str(_ID_MARK))
    if not mark or after.find(str(_ID_MARK)) >= 0:
        raise ValueError(f"{url_name} does not take one id")
    return before, after


def url_with_id(url_name: str) -> Callable[[int], str]:
    """``reverse(url_name, args=[id])`` for many ids (each row of a table): the URL is reversed
    once, and each id put in its place. Only for URLs whose one argument is an integer id."""
    before, after = _url_around_id(
        url_name, (get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)
    )
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

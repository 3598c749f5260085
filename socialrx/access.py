"""Role checks shared by every app's views. Object scope is decided by each app's access
helpers (``person_get_for`` and friends); these only gate by role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse


def role_required(*roles: str, admin_ok: bool = True) -> Callable[..., Any]:
    """Let in signed-in users with one of ``roles`` (and administrators unless ``admin_ok`` is
    False). Anyone else gets 404: out of scope is not found, not forbidden."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if getattr(user, "role", None) in roles or (
                admin_ok and getattr(user, "is_admin", False)
            ):
                return view(request, *args, **kwargs)
            raise Http404("Not found")

        return wrapped

    return decorator

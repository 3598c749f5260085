"""Request-level protections: the client's address, idle sessions, headers on private pages and
the password-reset rate limit. The reasons are in docs/security.md."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_vary_headers

from .ratelimit import rate_limited

Handler = Callable[[HttpRequest], HttpResponse]


def _seen_granularity() -> int:
    """How often, at most, the last-seen time is written to the session (seconds): writing it
    on every request would mean a session write per htmx call. A tenth of the idle limit, so
    sign-out comes between the limit and 10% after it."""
    return max(60, settings.SESSION_IDLE_MINUTES * 6)


@receiver(user_logged_in)
def _start_idle_clock(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    # Set at sign-in so the first pages after it need no session write of their own.
    if request is not None and hasattr(request, "session"):
        request.session["last_seen"] = int(time.time())


class IdleTimeoutMiddleware:
    """Signs a user out after ``SESSION_IDLE_MINUTES`` without a request."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get("last_seen")
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_MINUTES * 60:
                logout(request)
                messages.info(
                    request,
                    "You were signed out because you had not used socialrx for "
                    f"{settings.SESSION_IDLE_MINUTES} minutes. Sign in again to carry on.",
                )
                to_login = redirect_to_login(request.get_full_path())
                if request.headers.get("HX-Request"):
                    # htmx would swap the sign-in page into part of the page: go to it whole.
                    return HttpResponse(status=204, headers={"HX-Redirect": to_login.url})
                return to_login
            if last_seen is None or now - last_seen >= _seen_granularity():
                request.session["last_seen"] = now
        return self.get_response(request)


class PrivateResponseMiddleware:
    """Pages shown to a signed-in user may carry personal data: no cache (browser, proxy or
    back button after sign-out) may keep them. Every page also switches off browser features
    that socialrx never uses."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            patch_vary_headers(response, ["Cookie"])
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def password_reset_rate_limited(*, address: str, email: str) -> bool:
    """True when resets for this client address or this email address are past their hourly
    limits. Both counters move on every ask, so guessing many addresses from one place and
    flooding one inbox from many places are both held back. The email is hashed: cache keys
    turn up in monitoring tools."""
    by_address = rate_limited(
        scope="password-reset-address",
        key=address,
        limit=settings.PASSWORD_RESET_RATE_LIMIT_ADDRESS,
    )
    by_email = rate_limited(
        scope="password-reset-email",
        key=email.strip().lower(),
        limit=settings.PASSWORD_RESET_RATE_LIMIT_EMAIL,
    )
    return by_address or by_email

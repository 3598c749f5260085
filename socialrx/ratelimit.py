"""One rate limiter for the public forms (self-referral, suggesting a group, password reset):
a counter per hashed key in the cache, and the client's address as the proxies in front of
the site report it."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address the request came from. Behind ``TRUSTED_PROXY_COUNT`` reverse proxies the
    connection comes from the nearest proxy, and each proxy appends the address it saw to
    ``X-Forwarded-For``: the client is the entry that many places from the end. Entries further
    left were written by the client itself and are never trusted."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def rate_limited(*, scope: str, key: str, limit: int, window_seconds: int = 3600) -> bool:
    """Count one use of ``scope`` by ``key``; True once past ``limit`` in the window. The key
    (an address, an email) is hashed under the secret key, so the cache never holds it."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), (key or "unknown").encode(), hashlib.sha256
    ).hexdigest()
    cache_key = f"rate:{scope}:{digest}"
    cache.add(cache_key, 0, timeout=window_seconds)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # The entry expired between add and incr: start a new window.
        cache.set(cache_key, 1, timeout=window_seconds)
        count = 1
    return count > limit

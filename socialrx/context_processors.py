from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def socialrx(request: HttpRequest) -> dict[str, Any]:
    """What the base template needs: the signed-in user's role for the navigation."""
    user = getattr(request, "user", None)
    return {"role": getattr(user, "role", None) if user and user.is_authenticated else None}

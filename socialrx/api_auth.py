"""API clients' bearer tokens: authentication, scopes and a rate limit per client.

- :class:`ApiClientAuthentication` reads ``Authorization: Bearer sxk_...``. An unknown,
  expired or revoked token is 401; the request runs as the client's own account.
- :class:`ApiClientScope` (in ``DEFAULT_PERMISSION_CLASSES`` and on every API view that sets
  its own permissions) lets a client token through only if the view names, for the method, a
  scope the client holds (``required_scopes = {"GET": "referrals:read"}``): 403 otherwise. A
  view that names no scope refuses client tokens. People's tokens and sessions are not scoped.
- :class:`ApiClientRateThrottle` counts requests per client (``API_CLIENT_RATE``), 429 with
  ``Retry-After`` when over.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from .api_clients import api_token_find, api_token_touch
from .integration_models import ApiToken

KEYWORD = "Bearer"


class ApiClientAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the API client's token as 'Authorization: Bearer <token>'."
            )
        try:
            presented = parts[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("The token is not valid.") from exc
        token = api_token_find(presented=presented)
        if token is None:
            raise exceptions.AuthenticationFailed("The token is not valid.")
        if token.revoked_at is not None or token.client.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This token has been revoked.")
        if not token.usable():
            raise exceptions.AuthenticationFailed(
                "This token has expired: ask the service's administrators for a new one."
            )
        api_token_touch(token=token)
        return token.client.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{KEYWORD} realm="api"'


def client_token(request: Request) -> ApiToken | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


class ApiClientScope(BasePermission):
    message = "This API client's token may not do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        token = client_token(request)
        if token is None:
            return True
        needed = getattr(view, "required_scopes", {}).get(request.method or "")
        if needed is None:
            self.message = "API client tokens may not use this endpoint."
            return False
        if not token.client.has_scope(needed):
            self.message = f"This API client does not have the scope {needed}."
            return False
        return True


class ApiClientRateThrottle(SimpleRateThrottle):
    """Requests per API client (all its tokens together). People are not counted here."""

    scope = "api_client"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        token = client_token(request)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.client_id}


class ApiClientAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """How the OpenAPI description names the clients' tokens."""

    target_class = "socialrx.api_auth.ApiClientAuthentication"
    name = "apiClientToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "sxk_<prefix>_<secret>",
            "description": "An API client's token (docs/api.md). Scopes are named per "
            "endpoint in its description.",
        }

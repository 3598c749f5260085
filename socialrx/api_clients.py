"""Writes for API clients and their tokens: create a client, issue a token (shown once), revoke.
Every issue and revoke is audited (ids and scope names only)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from .audit import audit_record
from .integration_models import ApiClient, ApiScope, ApiToken, token_hash
from .models import AuditLog, Practice, Role, User

TOKEN_KEYWORD = "sxk"  # noqa: S105 (the prefix of every token, not a secret)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    # The whole token, to show once: it is not kept.
    secret: str


def api_client_create(
    *, name: str, organisation: Practice, scopes: list[str], by: Any
) -> ApiClient:
    """A client and the account it acts as (practice staff of ``organisation``, no password)."""
    name = name.strip()
    unknown = sorted(set(scopes) - set(ApiScope.values))
    if unknown:
        raise ValidationError({"scopes": f"Unknown scopes: {', '.join(unknown)}"})
    if not name:
        raise ValidationError({"name": "Enter the client's name"})
    if ApiClient.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "Another API client has this name"})
    with transaction.atomic():
        base = f"api-{slugify(name)[:100] or 'client'}"
        username = base
        n = 1
        while User.objects.filter(username=username).exists():
            n += 1
            username = f"{base}-{n}"
        user = User(
            username=username,
            first_name=name[:150],
            role=Role.PRACTICE_STAFF,
            practice=organisation,
        )
        user.set_unusable_password()
        user.save()
        client = ApiClient.objects.create(
            name=name,
            organisation=organisation,
            user=user,
            scopes=sorted(set(scopes)),
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        audit_record(
            user=by,
            action=AuditLog.Action.CREATE,
            obj=client,
            detail="scopes: " + ", ".join(client.scopes),
        )
    return client


def api_token_issue(*, client: ApiClient, by: Any, days: int | None = None) -> IssuedToken:
    """A new token for ``client``, valid for ``days`` (default API_TOKEN_DAYS)."""
    if client.revoked_at is not None:
        raise ValidationError("This API client is revoked: it can have no new tokens")
    days = days if days is not None else settings.API_TOKEN_DAYS
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError({"days": f"Choose between 1 and {settings.API_TOKEN_MAX_DAYS} days"})
    prefix = secrets.token_hex(6)
    secret = f"{TOKEN_KEYWORD}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            client=client,
            prefix=prefix,
            token_hash=token_hash(secret),
            expires_at=timezone.now() + dt.timedelta(days=days),
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        audit_record(
            user=by,
            action=AuditLog.Action.CREATE,
            obj=token,
            detail=f"token issued for api client {client.pk}, {days} days",
        )
    return IssuedToken(token=token, secret=secret)


def api_token_revoke(*, token: ApiToken, by: Any) -> ApiToken:
    with transaction.atomic():
        if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        ):
            audit_record(
                user=by,
                action=AuditLog.Action.UPDATE,
                obj=token,
                detail=f"token revoked for api client {token.client_id}",
            )
    token.refresh_from_db(fields=["revoked_at"])
    return token


def api_client_revoke(*, client: ApiClient, by: Any) -> ApiClient:
    """Revoke the client and every token it has; its account can do nothing more."""
    now = timezone.now()
    with transaction.atomic():
        if ApiClient.objects.filter(pk=client.pk, revoked_at__isnull=True).update(revoked_at=now):
            ApiToken.objects.filter(client=client, revoked_at__isnull=True).update(revoked_at=now)
            User.objects.filter(pk=client.user_id).update(is_active=False)
            audit_record(
                user=by, action=AuditLog.Action.UPDATE, obj=client, detail="api client revoked"
            )
    client.refresh_from_db(fields=["revoked_at"])
    return client


def api_token_find(*, presented: str) -> ApiToken | None:
    """The token row a presented token names, if its hash matches (constant-time compare)."""
    parts = presented.split("_")
    if len(parts) < 3 or parts[0] != TOKEN_KEYWORD:
        return None
    token = (
        ApiToken.objects.select_related("client__user", "client__organisation")
        .filter(prefix=parts[1])
        .first()
    )
    if token is None or not secrets.compare_digest(token.token_hash, token_hash(presented)):
        return None
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Keep when the token was last used, writing at most once a minute."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now

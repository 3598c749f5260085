"""``manage.py api_client``: API clients from the command line.

- ``api_client create --name NAME --practice ODS --scope referrals:read [--scope ...]``
- ``api_client token CLIENT_ID [--days N]``: issue a token and print it (shown once)
- ``api_client revoke CLIENT_ID`` and ``api_client revoke-token TOKEN_PREFIX``
- ``api_client list``: clients, their tokens and when each was last used

Audited as done by no signed-in user (the entry says so).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from socialrx.api_clients import (
    api_client_create,
    api_client_revoke,
    api_token_issue,
    api_token_revoke,
)
from socialrx.models import ApiClient, ApiScope, ApiToken, Practice


class Command(BaseCommand):
    help = "Create API clients, issue and revoke their tokens, list them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Add an API client for a practice.")
        create.add_argument("--name", required=True)
        create.add_argument("--practice", required=True, help="The practice's ODS code.")
        create.add_argument(
            "--scope", action="append", required=True, choices=ApiScope.values, dest="scopes"
        )
        token = sub.add_parser("token", help="Issue a token (printed once).")
        token.add_argument("client_id", type=int)
        token.add_argument("--days", type=int, default=None)
        revoke = sub.add_parser("revoke", help="Revoke a client and all its tokens.")
        revoke.add_argument("client_id", type=int)
        revoke_token = sub.add_parser("revoke-token", help="Revoke one token.")
        revoke_token.add_argument("prefix")
        sub.add_parser("list", help="Clients, tokens and last use.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            getattr(self, "_" + action.replace("-", "_"))(**options)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc

    def _client(self, pk: int) -> ApiClient:
        client = ApiClient.objects.filter(pk=pk).first()
        if client is None:
            raise CommandError(f"No API client has id {pk}")
        return client

    def _create(self, *, name: str, practice: str, scopes: list[str], **_: Any) -> None:
        organisation = Practice.objects.filter(ods_code=practice.strip().upper()).first()
        if organisation is None:
            raise CommandError(f"No practice has the ODS code {practice}")
        client = api_client_create(name=name, organisation=organisation, scopes=scopes, by=None)
        self.stdout.write(f"API client {client.pk} added: {client.name} for {organisation}.")

    def _token(self, *, client_id: int, days: int | None, **_: Any) -> None:
        issued = api_token_issue(client=self._client(client_id), by=None, days=days)
        self.stdout.write(f"Token (shown this once), expires {issued.token.expires_at:%Y-%m-%d}:")
        self.stdout.write(issued.secret)

    def _revoke(self, *, client_id: int, **_: Any) -> None:
        client = api_client_revoke(client=self._client(client_id), by=None)
        self.stdout.write(f"{client} revoked.")

    def _revoke_token(self, *, prefix: str, **_: Any) -> None:
        token = ApiToken.objects.filter(prefix=prefix.removeprefix("sxk_")).first()
        if token is None:
            raise CommandError(f"No token starts sxk_{prefix}")
        api_token_revoke(token=token, by=None)
        self.stdout.write(f"Token {token.prefix} revoked.")

    def _list(self, **_: Any) -> None:
        for client in ApiClient.objects.select_related("organisation").prefetch_related("tokens"):
            state = "revoked" if client.revoked_at else "active"
            self.stdout.write(
                f"{client.pk} {client.name} ({client.organisation.ods_code}, {state}): "
                + ", ".join(client.scopes)
            )
            for token in client.tokens.all():
                used = token.last_used_at.isoformat() if token.last_used_at else "never used"
                gone = " revoked" if token.revoked_at else ""
                self.stdout.write(
                    f"  sxk_{token.prefix}_… expires {token.expires_at:%Y-%m-%d}, {used}{gone}"
                )

"""Database settings from the environment: a replica with DATABASE_REPLICA_URL, and settings
safe behind PgBouncer in transaction mode with DATABASE_POOL_MODE=transaction."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

SHOW = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'databases': s.DATABASES, 'reads': s.DATABASE_REPLICA_READS, "
    "'routers': s.DATABASE_ROUTERS}, default=str))"
)


def _settings(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        env={
            "PATH": os.environ.get("PATH", ""),
            "DJANGO_SETTINGS_MODULE": "socialrx.settings.dev",
            "DATABASE_URL": "postgres://app@db.internal:5432/socialrx",
            **env,
        },
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _shown(**env: str) -> dict[str, Any]:
    result = _settings(**env)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_by_default_one_database_and_plain_connections():
    shown = _shown()
    assert list(shown["databases"]) == ["default"]
    assert shown["reads"] is False
    assert shown["routers"] == ["socialrx.db_routing.ReplicaRouter"]
    default = shown["databases"]["default"]
    assert default["CONN_MAX_AGE"] == 0
    assert default.get("DISABLE_SERVER_SIDE_CURSORS", False) is False


def test_a_replica_url_adds_a_replica_never_migrated_nor_made_for_tests():
    shown = _shown(DATABASE_REPLICA_URL="postgres://reader@replica.internal:5432/socialrx")
    replica = shown["databases"]["replica"]
    assert (replica["HOST"], replica["USER"], replica["NAME"]) == (
        "replica.internal",
        "reader",
        "socialrx",
    )
    assert replica["TEST"]["MIRROR"] == "default"
    assert shown["reads"] is True
    assert shown["databases"]["default"]["HOST"] == "db.internal"


def test_transaction_pooling_turns_off_server_side_cursors_and_prepared_statements():
    shown = _shown(
        DATABASE_POOL_MODE="transaction",
        DATABASE_REPLICA_URL="postgres://reader@replica.internal:6432/socialrx",
    )
    for alias in ("default", "replica"):
        db = shown["databases"][alias]
        assert db["DISABLE_SERVER_SIDE_CURSORS"] is True
        assert db["OPTIONS"]["prepare_threshold"] is None
        # Connections to the pooler are cheap to keep, and checked before reuse.
        assert db["CONN_MAX_AGE"] == 60
        assert db["CONN_HEALTH_CHECKS"] is True
    assert (
        _shown(DATABASE_POOL_MODE="transaction", CONN_MAX_AGE="0")["databases"]["default"][
            "CONN_MAX_AGE"
        ]
        == 0
    )


def test_an_unknown_pool_mode_stops_the_app():
    result = _settings(DATABASE_POOL_MODE="statement")
    assert result.returncode != 0
    assert "DATABASE_POOL_MODE" in result.stderr


@pytest.mark.django_db
def test_postgresql_connections_prepare_no_statements(postgres_required):
    connection.ensure_connection()
    assert connection.connection.prepare_threshold is None

"""Liveness and readiness: ``/healthz`` answers without touching anything, ``/readyz`` checks
the database, Redis and a Celery worker as configured, and says which failed, in JSON, without
connection details. (With a real worker: tests/socialrx/test_celery_worker.py.)"""

from __future__ import annotations

import pytest
from health_check.checks import Database
from health_check.contrib.celery import Ping
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable

from socialrx.health import readiness_checks

pytestmark = pytest.mark.django_db


def test_liveness_answers_ok(anon_client):
    response = anon_client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_readiness_without_a_broker_checks_the_database_only(anon_client, settings):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = anon_client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert response["Cache-Control"].startswith("max-age=0")


def test_readiness_with_a_broker_checks_redis_and_a_worker(settings):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = "redis://cache.internal:6379/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    kinds = [c[0] if isinstance(c, tuple) else c for c in readiness_checks()]
    assert kinds == [Database, Redis, Ping]
    settings.CELERY_BROKER_URL = "amqp://guest@rabbit//"
    kinds = [c[0] if isinstance(c, tuple) else c for c in readiness_checks()]
    assert kinds == [Database, Ping]


def _fail(self):
    raise ServiceUnavailable("down")


def test_a_failing_check_makes_it_unavailable_and_names_only_the_check(
    anon_client, settings, monkeypatch
):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = "redis://secret-user:secret-pass@127.0.0.1:1/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(Ping, "run", _fail)
    monkeypatch.setattr(Redis, "run", _fail)
    response = anon_client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "redis": "unavailable", "celery_worker": "unavailable"},
    }
    assert b"secret" not in response.content


def test_readiness_answers_json_whatever_is_asked(anon_client, monkeypatch):
    monkeypatch.setattr(Database, "run", _fail)
    response = anon_client.get("/readyz", HTTP_ACCEPT="text/html")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["checks"]["database"] == "unavailable"

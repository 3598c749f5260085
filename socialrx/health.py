"""Liveness and readiness for load balancers and container health checks.

``/healthz`` answers "ok" without touching anything: the process is up. ``/readyz`` checks what
a request needs (django-health-check): the database always; Redis when ``REDIS_URL`` is set or
the Celery broker is Redis; and, when tasks go to a broker, that at least one Celery worker
answers a ping. It answers JSON, 200 when every check passes and 503 otherwise, naming the
check that failed and never a connection string."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from health_check.checks import Database
from health_check.contrib.celery import Ping
from health_check.contrib.redis import Redis
from health_check.views import HealthCheckView
from redis.asyncio import Redis as RedisClient


def _redis_url() -> str:
    if settings.REDIS_URL:
        return str(settings.REDIS_URL)
    broker = str(settings.CELERY_BROKER_URL)
    return broker if broker.startswith(("redis://", "rediss://")) else ""


def readiness_checks() -> list[Any]:
    """What ``/readyz`` checks, from the settings."""
    checks: list[Any] = [Database]
    url = _redis_url()
    if url:
        checks.append((Redis, {"client_factory": lambda: RedisClient.from_url(url)}))
    if settings.CELERY_BROKER_URL and not settings.CELERY_TASK_ALWAYS_EAGER:
        checks.append((Ping, {"timeout": dt.timedelta(seconds=settings.READYZ_CELERY_TIMEOUT)}))
    return checks


CHECK_NAMES = {Database: "database", Redis: "redis", Ping: "celery_worker"}


class ReadinessView(HealthCheckView):
    def get_checks(self) -> Any:
        self.checks = readiness_checks()
        return super().get_checks()

    def render_to_response_json(self, status: int) -> HttpResponse:
        body = {
            CHECK_NAMES.get(type(result.check), type(result.check).__name__): (
                "ok" if result.error is None else "unavailable"
            )
            for result in self.results
        }
        ready = status == 200
        return JsonResponse(
            {"status": "ok" if ready else "unavailable", "checks": body},
            status=200 if ready else 503,
        )

    async def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # JSON whatever the client accepts: the answer is for machines.
        query = request.GET.copy()
        query["format"] = "json"
        request.GET = query  # type: ignore[assignment]
        return await super().get(request, *args, **kwargs)


readyz = ReadinessView.as_view()

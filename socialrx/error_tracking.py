"""Optional error tracking with Sentry, switched on by ``SENTRY_DSN``. What is sent is an
error's type, message and stack (file, line, function), the path with ids only, and the
release: never form bodies, cookies, query strings, headers, local variables or the client's
address, and no user beyond their numeric id."""

from __future__ import annotations

from typing import Any

from .structured_logs import redact_path

KEPT_HEADERS = {"Content-Type", "Accept", "Hx-Request"}


def scrub(event: dict[str, Any], _hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """``before_send``: keep what locates a fault, drop what could identify a person."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "query_string", "env"):
            request.pop(key, None)
        if isinstance(request.get("url"), str):
            request["url"] = redact_path(request["url"])
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {k: v for k, v in headers.items() if k in KEPT_HEADERS}
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if "id" in user else {}
    for exception in (event.get("exception") or {}).get("values") or []:
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict):
        # Breadcrumbs hold log messages and SQL with parameters: not sent.
        breadcrumbs["values"] = []
    return event


def init(*, dsn: str, environment: str, traces_sample_rate: float) -> bool:
    """Start the Sentry client when a DSN is configured; say whether it was started."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_breadcrumbs=0,
        traces_sample_rate=traces_sample_rate,
        before_send=scrub,  # type: ignore[arg-type]
    )
    return True

"""Logs as one JSON object a line (``LOG_FORMAT=json``, the production default) or plain text,
through structlog and django-structlog: every line of a web request carries its
``request_id``, and so do the lines of the Celery tasks the request enqueued.

Nothing personal is logged: no client address, no browser string, no query string (a
directory search is the public's own words), and any long path segment, such as the signed
token of an emailed link, is replaced by ``[token]``. Paths otherwise carry ids only."""

from __future__ import annotations

import re
from typing import Any

import structlog

# A path segment this long is a signed token or key, never a word or an id.
TOKEN_SEGMENT = re.compile(r"/[^/?]{32,}")
DROPPED_KEYS = ("ip", "user_agent", "remote_addr")


def redact_path(value: str) -> str:
    path, _, query = value.partition("?")
    return TOKEN_SEGMENT.sub("/[token]", path) + ("?[query]" if query else "")


def drop_personal_data(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """A structlog processor: remove what could identify or expose a member of the public."""
    for key in DROPPED_KEYS:
        event.pop(key, None)
    request = event.get("request")
    if isinstance(request, str):
        event["request"] = redact_path(request)
    return event


SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    drop_personal_data,
]


def configure_structlog() -> None:
    structlog.configure(
        processors=[
            *SHARED_PROCESSORS,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )


def logging_config(*, fmt: str, level: str) -> dict[str, Any]:
    """The ``LOGGING`` setting: stdlib loggers (Django's, Celery's) and structlog's alike go
    through one formatter, so every line has the same shape and the request id."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    # Tracebacks as text, without local variables (they can hold anything).
                    structlog.processors.format_exc_info,
                    renderer,
                ],
                "foreign_pre_chain": SHARED_PROCESSORS,
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        # Request logs carry paths only; paths never carry personal data (ids only).
        "loggers": {
            "django.request": {"level": "ERROR"},
            "django_structlog": {"level": level},
        },
    }

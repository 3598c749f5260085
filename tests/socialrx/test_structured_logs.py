"""Structured logs: one JSON object a line in production, a request id on every line of a
request and carried into the Celery tasks it enqueues, and nothing personal: no client
address, no browser string, no query string, no emailed link's token."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest
import structlog
from celery.signals import before_task_publish

from socialrx.structured_logs import drop_personal_data, logging_config

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """Every log line of the test, as the production formatter writes it."""
    stream = io.StringIO()
    config = logging_config(fmt="json", level="INFO")
    formatter = logging.config.DictConfigurator(config).configure_custom(
        dict(config["formatters"]["structured"])
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    logging.getLogger("django_structlog").setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line]
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_request_logs_json_lines_with_its_request_id_and_nothing_personal(
    anon_client, json_lines
):
    token = "eyJjIjoyNzksImsiOjEwfQ:1xZ6q5:Ktaw0XPPVu_Z6O8_kzIUbb-OQ-y0KjPhbWpos3MZ75A"
    anon_client.get(
        f"/group-answer/{token}/?answer=came",
        HTTP_USER_AGENT="Mozilla/5.0 (Maria's phone)",
        REMOTE_ADDR="203.0.113.9",
    )
    anon_client.get("/directory/?q=lonely+widow")
    lines = [line for line in json_lines() if line["event"] == "request_started"]
    assert len(lines) == 2
    assert lines[0]["request"] == "GET /group-answer/[token]/?[query]"
    assert lines[1]["request"] == "GET /directory/?[query]"
    assert all(line["request_id"] for line in lines)
    assert lines[0]["request_id"] != lines[1]["request_id"]
    text = json.dumps(json_lines())
    for secret in (token, "Maria", "203.0.113.9", "widow"):
        assert secret not in text


def test_stdlib_loggers_share_the_shape_and_the_request_id(json_lines):
    structlog.contextvars.bind_contextvars(request_id="req-1")
    try:
        logging.getLogger("outcomes.imports").warning("import %s refused", 42)
    finally:
        structlog.contextvars.clear_contextvars()
    (line,) = [line for line in json_lines() if line.get("logger") == "outcomes.imports"]
    assert line["event"] == "import 42 refused"
    assert line["request_id"] == "req-1"
    assert line["level"] == "warning"
    assert "timestamp" in line


def test_a_task_enqueued_by_a_request_carries_its_request_id():
    headers: dict = {}
    structlog.contextvars.bind_contextvars(request_id="req-2")
    try:
        before_task_publish.send(
            sender="referrals.tasks.x", headers=headers, body={}, properties={}, routing_key="q"
        )
    finally:
        structlog.contextvars.clear_contextvars()
    assert headers["__django_structlog__"]["request_id"] == "req-2"


def test_the_personal_data_processor():
    event = {
        "event": "request_started",
        "ip": "203.0.113.9",
        "user_agent": "x",
        "request": "POST /people/12/",
    }
    assert drop_personal_data(None, "info", event) == {
        "event": "request_started",
        "request": "POST /people/12/",
    }

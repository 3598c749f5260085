"""Error tracking is off without SENTRY_DSN, and what it would send holds no personal data."""

from __future__ import annotations

import sentry_sdk

from socialrx import error_tracking


def test_nothing_starts_without_a_dsn(monkeypatch):
    called = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **kw: called.append(kw))
    assert error_tracking.init(dsn="", environment="x", traces_sample_rate=0) is False
    assert called == []


def test_with_a_dsn_the_client_starts_without_personal_data(monkeypatch):
    called = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **kw: called.append(kw))
    assert error_tracking.init(
        dsn="https://key@sentry.example/1", environment="production", traces_sample_rate=0.1
    )
    (options,) = called
    assert options["send_default_pii"] is False
    assert options["include_local_variables"] is False
    assert options["before_send"] is error_tracking.scrub


def test_scrub_keeps_the_fault_and_drops_the_person():
    event = {
        "request": {
            "url": "https://sx.example/group-answer/" + "k" * 40 + "/?answer=came",
            "data": {"given_name": "Maria"},
            "cookies": {"sessionid": "s"},
            "query_string": "q=Maria",
            "headers": {"Cookie": "s", "User-Agent": "Maria's phone", "Accept": "text/html"},
            "env": {"REMOTE_ADDR": "203.0.113.9"},
        },
        "user": {"id": 7, "email": "maria@example.org", "ip_address": "203.0.113.9"},
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "stacktrace": {"frames": [{"function": "f", "vars": {"name": "Maria"}}]},
                }
            ]
        },
        "breadcrumbs": {"values": [{"message": "SELECT ... 'Maria'"}]},
    }
    scrubbed = error_tracking.scrub(event)
    assert "Maria" not in repr(scrubbed)
    assert "203.0.113.9" not in repr(scrubbed)
    assert scrubbed["request"]["url"] == "https://sx.example/group-answer/[token]/?[query]"
    assert scrubbed["request"]["headers"] == {"Accept": "text/html"}
    assert scrubbed["user"] == {"id": 7}
    assert scrubbed["exception"]["values"][0]["type"] == "ValueError"

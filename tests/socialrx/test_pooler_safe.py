"""Safe behind PgBouncer in transaction mode (docs/performance.md, "Past one machine"): nothing
the app leaves on a database connection may outlive its transaction, because the pooler hands
the server connection to another client when the transaction ends. A guard over the source:
session-level advisory locks, session-wide SET, held cursors and LISTEN are not used."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

APPS = ("socialrx", "outcomes", "referrals", "assets", "champions", "funding", "privacy", "demo")
FORBIDDEN = {
    # pg_advisory_xact_lock / pg_try_advisory_xact_lock end with the transaction; these do not.
    "session-level advisory lock": re.compile(r"pg_(try_)?advisory_lock(_shared)?\s*\("),
    # A statement that starts with SET (not "... DO UPDATE SET col = ..." inside a string).
    "session-wide SET (use SET LOCAL)": re.compile(
        r"""["']\s*SET\s+(?!LOCAL\b)(SESSION\s+)?\w+\b(?!\s*=\s*EXCLUDED\.)"""
    ),
    "cursor held across transactions": re.compile(r"WITH\s+HOLD", re.IGNORECASE),
    "LISTEN": re.compile(r"""["']\s*LISTEN\s"""),
}


# Known and documented (docs/performance.md, "3. PgBouncer in transaction mode"): the directory
# search's misspelling threshold is set once per connection; behind a transaction pooler it is
# set on the database instead (ALTER DATABASE ... SET), where every server connection has it.
ALLOWED = {"assets/apps.py: session-wide SET (use SET LOCAL)"}


def test_nothing_outlives_its_transaction_on_a_connection():
    found = []
    for app in APPS:
        for path in sorted((Path(settings.BASE_DIR) / app).rglob("*.py")):
            text = path.read_text()
            for what, pattern in FORBIDDEN.items():
                for match in pattern.finditer(text):
                    where = f"{path.relative_to(settings.BASE_DIR)}: {what}"
                    if where not in ALLOWED:
                        line = text.count("\n", 0, match.start()) + 1
                        found.append(f"{where} (line {line})")
    assert found == []


def test_the_guard_sees_what_it_forbids():
    assert FORBIDDEN["session-level advisory lock"].search("SELECT pg_advisory_lock(1)")
    assert not FORBIDDEN["session-level advisory lock"].search("SELECT pg_advisory_xact_lock(1)")
    assert FORBIDDEN["session-wide SET (use SET LOCAL)"].search('execute("SET work_mem = 1")')
    assert not FORBIDDEN["session-wide SET (use SET LOCAL)"].search('"SET LOCAL work_mem = 1"')
    assert not FORBIDDEN["session-wide SET (use SET LOCAL)"].search('f"UPDATE t SET a = 1"')

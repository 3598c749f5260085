"""One user at a time: each main page asked for through gunicorn in turn, so that its time is
the server's own at the load test's scale, with no queue and no load generator sharing the
cores: the median wall time of ``runs`` requests after three to warm up, and the server's CPU
a request, of the app (gunicorn's processes) and of the database (its backends), read from
/proc around the page's requests. ``/healthz`` (no database, no template) gives the floor."""

from __future__ import annotations

import functools
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.loadtest.scenario import LISTING_LINK, PERSON_LINK

# (name, role signed in ("" for no one), path; {person} and {listing} come from the pages
# before them).
PAGES: list[tuple[str, str, str]] = [
    ("healthz", "", "/healthz"),
    ("directory search", "", "/directory/?q=walking"),
    ("listing", "", "/directory/listings/{listing}/"),
    ("caseload", "link_worker", "/caseload/"),
    ("person", "link_worker", "/people/{person}/"),
    ("conversation form", "link_worker", "/people/{person}/conversations/new/"),
    ("my day", "link_worker", "/my-day/"),
    ("practice referrals", "practice_staff", "/practice/referrals/"),
    ("referral form", "practice_staff", "/practice/refer/"),
    ("my listings", "volunteer", "/directory/mine/"),
    ("outcomes overview", "commissioner", "/outcomes/"),
    ("metric page", "commissioner", "/outcomes/metrics/friends/"),
]
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
WARM_UP = 3


def sign_in(session: Any, host: str, username: str, password: str) -> None:
    """Through the login form, as a person would (its CSRF token, then the two fields)."""
    form = session.get(f"{host}/accounts/login/")
    token = CSRF_FIELD.search(form.text)
    answer = session.post(
        f"{host}/accounts/login/",
        data={
            "csrfmiddlewaretoken": token.group(1) if token else "",
            "username": username,
            "password": password,
        },
    )
    if "/accounts/login/" in answer.url:
        raise SystemExit(f"{username} could not sign in for the one-user run")


def measure(
    get: Callable[[], Any], runs: int, cpu: Callable[[], tuple[float, float]]
) -> dict[str, float]:
    """Median milliseconds of ``runs`` calls after ``WARM_UP``, and the server's CPU
    milliseconds a call (app, database) from ``cpu`` (CPU seconds used so far by each)."""
    for _ in range(WARM_UP):
        answer = get()
        if answer.status_code != 200:
            raise SystemExit(f"{answer.status_code} from {answer.url} in the one-user run")
    times = []
    app0, db0 = cpu()
    for _ in range(runs):
        began = time.perf_counter()
        get()
        times.append(time.perf_counter() - began)
    app1, db1 = cpu()
    return {
        "ms": round(statistics.median(times) * 1000, 1),
        "app_cpu_ms": round((app1 - app0) * 1000 / runs, 1),
        "db_cpu_ms": round((db1 - db0) * 1000 / runs, 1),
    }


def one_user(
    *,
    host: str,
    users: dict[str, Any],
    runs: int,
    cpu: Callable[[], tuple[float, float]],
) -> dict[str, dict[str, float]]:
    """Every page of ``PAGES`` in turn, each role signed in once (``users``: the load test's
    users file, usernames by role and their password)."""
    import requests

    sessions: dict[str, Any] = {}
    found: dict[str, str] = {}
    figures: dict[str, dict[str, float]] = {}
    for name, role, path in PAGES:
        if role not in sessions:
            sessions[role] = requests.Session()
            if role:
                sign_in(sessions[role], host, users["users"][role][0], users["password"])
        session = sessions[role]
        url = host + path.format(**found)
        figures[name] = measure(functools.partial(session.get, url), runs, cpu)
        if "person" not in found or "listing" not in found:
            page = session.get(url).text
            for key, link in (("person", PERSON_LINK), ("listing", LISTING_LINK)):
                ids = link.findall(page)
                if ids and key not in found:
                    found[key] = ids[0]
    return figures


def table(figures: dict[str, dict[str, float]], runs: int) -> str:
    lines = [
        f"\none user, {runs} requests a page after {WARM_UP} to warm up, through gunicorn",
        f"{'page':<26}{'median ms':>10}{'app CPU ms':>12}{'db CPU ms':>11}",
    ]
    for name, f in figures.items():
        lines.append(f"{name:<26}{f['ms']:>10.1f}{f['app_cpu_ms']:>12.1f}{f['db_cpu_ms']:>11.1f}")
    return "\n".join(lines)

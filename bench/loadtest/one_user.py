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
from concurrent.futures import ThreadPoolExecutor
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
    get: Callable[[], Any],
    runs: int,
    cpu: Callable[[], tuple[float, float]],
    warm_up: int = WARM_UP,
) -> dict[str, float]:
    """Median milliseconds of ``runs`` calls after ``warm_up`` made at once (so that they
    reach every worker of the server: one that has not served the page yet compiles its
    templates and queries, and the first request a worker serves loads the application),
    and the server's CPU milliseconds a call (app, database) from ``cpu`` (CPU seconds used
    so far by each)."""
    with ThreadPoolExecutor(max_workers=warm_up) as pool:
        for answer in pool.map(lambda _: get(), range(warm_up)):
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
    warm_up: int = WARM_UP,
) -> dict[str, dict[str, float]]:
    """Every page of ``PAGES`` in turn, each role signed in once (``users``: the load test's
    users file, usernames by role and their password). ``warm_up`` requests of each page go
    at once first, to reach every worker of the server (twice the workers). The server's CPU
    must be quiet first (``settle``)."""
    settle(cpu)
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
        # A request of its own each time (the session's cookies, no shared connection), so
        # that the warm-up's requests can go at once.
        get = functools.partial(requests.get, url, cookies=session.cookies)
        figures[name] = measure(get, runs, cpu, warm_up)
        if "person" not in found or "listing" not in found:
            page = get().text
            for key, link in (("person", PERSON_LINK), ("listing", LISTING_LINK)):
                ids = link.findall(page)
                if ids and key not in found:
                    found[key] = ids[0]
    return figures


def settle(cpu: Callable[[], tuple[float, float]], seconds: float = 60) -> None:
    """Wait (at most ``seconds``) until the server uses next to no CPU: workers still starting
    (importing the application) would be counted against the first page."""
    deadline = time.monotonic() + seconds
    last = sum(cpu())
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = sum(cpu())
        if now - last < 0.02:
            return
        last = now


def table(figures: dict[str, dict[str, float]], runs: int, warm_up: int = WARM_UP) -> str:
    lines = [
        f"\none user, {runs} requests a page after {warm_up} to warm up, through gunicorn",
        f"{'page':<26}{'median ms':>10}{'app CPU ms':>12}{'db CPU ms':>11}",
    ]
    for name, f in figures.items():
        lines.append(f"{name:<26}{f['ms']:>10.1f}{f['app_cpu_ms']:>12.1f}{f['db_cpu_ms']:>11.1f}")
    return "\n".join(lines)

"""Personas and shared fixtures.

Two teams each serve one practice. ``link_worker`` and ``practice_staff`` belong to team A /
practice A; ``other_link_worker`` and ``other_practice_staff`` to team B / practice B.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from tests.champions.factories import ChampionFactory
from tests.socialrx.factories import (
    AdminFactory,
    CommissionerFactory,
    LinkWorkerFactory,
    PCNFactory,
    PracticeFactory,
    PracticeStaffFactory,
    TeamFactory,
    VolunteerUserFactory,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require(condition: bool, reason: str) -> None:
    """Skip when a service is not configured, or fail when ``REQUIRE_SERVICES`` is set (CI)."""
    if condition:
        return
    if settings.REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES is set but {reason}")
    pytest.skip(reason)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that drives Chromium as ``browser``, wherever it lives, so that
    ``make test`` can run those on their own (``-m browser``) and the rest in parallel."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With ``REQUIRE_SERVICES`` (CI) a skipped test of any kind fails the run: CI must run
    everything. Checked once, in the process that reports (not in each xdist worker)."""
    if not settings.REQUIRE_SERVICES or hasattr(session.config, "workerinput"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and exitstatus == pytest.ExitCode.OK:
        reporter.write_line(f"REQUIRE_SERVICES is set but {len(skipped)} test(s) were skipped")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Every test starts with an empty cache (rate limits, cached look-ups): under xdist the
    tests that ran before this one in the same process depend on how they were shared out."""
    cache.clear()


@pytest.fixture
def team_a(db):
    return TeamFactory(code="team-a", name="Central link workers")


@pytest.fixture
def team_b(db):
    return TeamFactory(code="team-b", name="North link workers")


@pytest.fixture
def pcn(db):
    return PCNFactory(code="U00001", name="Central PCN")


@pytest.fixture
def practice_a(team_a, pcn):
    return PracticeFactory(ods_code="A00001", name="Canal Street Surgery", team=team_a, pcn=pcn)


@pytest.fixture
def practice_b(team_b):
    return PracticeFactory(ods_code="B00002", name="Hill Top Medical Centre", team=team_b)


@pytest.fixture
def link_worker(team_a, practice_a):
    user = LinkWorkerFactory(username="lw_anna", first_name="Anna", last_name="Link", team=team_a)
    practice_a.named_link_worker = user
    practice_a.save(update_fields=["named_link_worker"])
    return user


@pytest.fixture
def other_link_worker(team_b, practice_b):
    user = LinkWorkerFactory(username="lw_ben", first_name="Ben", last_name="Other", team=team_b)
    practice_b.named_link_worker = user
    practice_b.save(update_fields=["named_link_worker"])
    return user


@pytest.fixture
def practice_staff(practice_a):
    return PracticeStaffFactory(username="gp_cara", practice=practice_a, staff_type="gp")


@pytest.fixture
def other_practice_staff(practice_b):
    return PracticeStaffFactory(username="gp_dev", practice=practice_b, staff_type="receptionist")


@pytest.fixture
def volunteer(db):
    user = VolunteerUserFactory(username="vol_eve", first_name="Eve", last_name="Helper")
    ChampionFactory(user=user, given_name="Eve", family_name="Helper")
    return user


@pytest.fixture
def commissioner(db):
    return CommissionerFactory(username="comm_fay")


@pytest.fixture
def admin_user(db):
    return AdminFactory(username="admin_gus")


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_for():
    """``client_for(user)`` returns a test client signed in as ``user``."""
    return _client


@pytest.fixture
def anon_client() -> Client:
    return Client()


# --- services ------------------------------------------------------------------------------


@pytest.fixture
def postgres_required() -> None:
    require(
        settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        "DATABASE_URL is not PostgreSQL",
    )


@pytest.fixture
def broker_url() -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    require(bool(url), "CELERY_BROKER_URL is not set")
    return url


# --- browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    require(
        Path(CHROMIUM).exists() or bool(shutil.which("chromium")), f"{CHROMIUM} is not installed"
    )
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself (fixtures, assertions) are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# How long a browser step may wait. CI runs two browser workers, their live servers and
# Chromium on two cores: a dashboard page that suppresses every measure of a period can take
# several seconds there, so waits are generous (a step that passes does not wait longer).
BROWSER_TIMEOUT_MS = 30_000
try:  # Playwright's assertions wait on their own clock (5 s by default).
    from playwright.sync_api import expect as _expect

    _expect.set_options(timeout=15_000)
except ImportError:  # pragma: no cover - playwright is a dev dependency
    pass


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Any]:
    """A page on a 375 px wide touch screen (the narrowest phone the service supports)."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 375, "height": 667},
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    pg = context.new_page()
    yield pg
    context.close()


AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def assert_accessible(page: Any, *, exclude_rules: tuple[str, ...] = ()) -> None:
    """Run axe-core (installed from npm) on the current page; fail on any WCAG A/AA violation."""
    if page.url.startswith("http"):
        # From the site's own static files: the Content Security Policy (script-src 'self')
        # refuses a script added inline, as add_script_tag(path=...) would add it.
        page.add_script_tag(url=f"{settings.STATIC_URL}vendor/axe-core/axe.min.js")
    else:
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        """async (disabled) => {
            const rules = Object.fromEntries(disabled.map(r => [r, {enabled: false}]));
            return await axe.run(document, {
              runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
              rules,
              // Only violations are read; skipping the detail of passes makes axe much quicker.
              resultTypes: ['violations'],
            });
        }""",
        list(exclude_rules),
    )
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]
    assert not problems, f"axe-core found problems on {page.url}:\n" + "\n".join(problems)


def login(page: Any, username: str, password: str = "pass12345!") -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()

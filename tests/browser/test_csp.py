"""The Content Security Policy is enforced and nothing on the main pages breaks it: no page
reports a violation, and the chart, the print buttons and the htmx interactions that used
inline script before still work from the static files."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from referrals.models import Feedback, ReferralStatus, Source
from tests.assets.factories import AssetFactory
from tests.outcomes.factories_dashboard import demo_snapshots
from tests.referrals.factories import PersonFactory, ReferralFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs in every document before its own scripts (through the browser's debugging protocol,
# which the policy does not govern): records violations, and counts print requests instead of
# opening the print dialogue.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber} (${e.sample}) on ${e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 200) : e.target}`);
});
window.__printed = 0;
window.print = () => { window.__printed += 1; };
"""


def _context(browser: Any, live_server: Any, user: Any | None) -> Any:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    context.add_init_script(WATCH)
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
    return context


class Watched:
    """A page whose console is read for CSP messages as well as the DOM events."""

    def __init__(self, context: Any) -> None:
        self.page = context.new_page()
        self.console: list[str] = []
        self.page.on(
            "console",
            lambda msg: (
                self.console.append(msg.text) if "Content Security Policy" in msg.text else None
            ),
        )

    def goto(self, url: str) -> Any:
        response = self.page.goto(url)
        assert response is not None and response.ok, url
        header = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in header, f"{url} is not under the enforced policy"
        return self.page

    def assert_no_violations(self) -> None:
        # A report is asynchronous: give the event loop a turn before reading.
        self.page.wait_for_timeout(50)
        events = self.page.evaluate("() => window.__csp")
        assert events == [], f"{self.page.url}: {events}"
        assert self.console == [], f"{self.page.url}: {self.console}"


def test_public_pages_run_no_blocked_script_and_htmx_search_still_works(browser, live_server, db):
    AssetFactory(name="Knit and natter", category="arts_creativity")
    AssetFactory(name="Choir", category="music_singing")
    context = _context(browser, live_server, None)
    try:
        w = Watched(context)
        page = w.goto("/")
        # The static js-enabled.js and socialrx.js ran: NHS.UK frontend is started.
        expect(page.locator("body")).to_have_class(
            re.compile(r"\bjs-enabled\b.*\bnhsuk-frontend-supported\b")
        )
        assert page.evaluate("() => htmx.config.allowEval === false")
        assert page.evaluate("() => htmx.config.includeIndicatorStyles === false")
        w.assert_no_violations()

        page = w.goto("/directory/")
        page.get_by_label("Category").select_option("arts_creativity")
        page.wait_for_url("**category=arts_creativity**")
        expect(page.locator("#directory-results")).not_to_contain_text("Choir")
        expect(page.locator("#directory-results")).to_contain_text("Knit and natter")
        w.assert_no_violations()

        page = w.goto("/ask/")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        w.assert_no_violations()
        # An empty submission comes back with the error summary, which NHS.UK frontend (started
        # by the static socialrx.js) focuses.
        page.get_by_role("button", name="Send").click()
        expect(page.locator(".nhsuk-error-summary")).to_be_focused()
        w.assert_no_violations()
    finally:
        context.close()


def test_link_worker_pages_goal_form_and_caseload_filter_work_without_inline_script(
    browser, live_server, link_worker, practice_a
):
    person = PersonFactory(practice=practice_a, link_worker=link_worker)
    ReferralFactory(person=person, source=Source.GP, link_worker=link_worker)
    context = _context(browser, live_server, link_worker)
    try:
        w = Watched(context)
        page = w.goto(f"/people/{person.pk}/")
        goal = page.get_by_label("Goal, in the person's words")
        goal.fill("Walk to the park twice a week")
        page.get_by_role("button", name="Add goal").click()
        expect(page.locator("#goal-rows")).to_contain_text("Walk to the park twice a week")
        # data-sx-reset-after="goal-rows" (was hx-on) cleared the form for the next goal.
        expect(goal).to_have_value("")
        w.assert_no_violations()

        page = w.goto("/caseload/")
        page.get_by_label("Referral status").select_option(ReferralStatus.RECEIVED.value)
        page.get_by_role("button", name="Filter").click()
        page.wait_for_url(f"**status={ReferralStatus.RECEIVED.value}**")
        # htmx swapped the results in, with the filters in force for the search form.
        expect(page.locator('input[form="caseload-search"][name="status"]')).to_have_value(
            ReferralStatus.RECEIVED.value
        )
        w.assert_no_violations()
    finally:
        context.close()


def test_feedback_letter_print_button_works_under_the_policy(
    browser, live_server, link_worker, practice_a
):
    person = PersonFactory(practice=practice_a, link_worker=link_worker)
    referral = ReferralFactory(person=person, source=Source.GP, link_worker=link_worker)
    feedback = Feedback.objects.create(
        referral=referral,
        snomed_code=Feedback.Snomed.REFERRED,
        needs_and_concerns="Lonely since moving.",
        support_offered="Walking group.",
        sent_by=link_worker,
    )
    context = _context(browser, live_server, link_worker)
    try:
        w = Watched(context)
        page = w.goto(f"/case/feedback/{feedback.pk}/")
        page.get_by_role("button", name="Print this letter").click()
        page.wait_for_function("() => window.__printed === 1")
        w.assert_no_violations()
    finally:
        context.close()


def test_volunteer_certificate_print_button_works_under_the_policy(browser, live_server, volunteer):
    context = _context(browser, live_server, volunteer)
    try:
        w = Watched(context)
        page = w.goto("/volunteers/certificate/")
        page.get_by_role("button", name="Print this certificate").click()
        page.wait_for_function("() => window.__printed === 1")
        w.assert_no_violations()
    finally:
        context.close()


def test_metric_chart_draws_under_the_policy(browser, live_server, commissioner, practice_a, pcn):
    demo_snapshots(practices=("A00001",), pcns=("U00001",))
    context = _context(browser, live_server, commissioner)
    try:
        w = Watched(context)
        page = w.goto("/outcomes/metrics/friends/")
        page.wait_for_function("() => !!Chart.getChart(document.getElementById('chart-canvas'))")
        # htmx swaps new figures in and the static chart module draws them again.
        page.get_by_label("Breakdown").select_option("sex")
        page.wait_for_function(
            "() => document.querySelector('#table-caption').textContent.includes('by sex')"
        )
        page.wait_for_function("() => !!Chart.getChart(document.getElementById('chart-canvas'))")
        w.assert_no_violations()
    finally:
        context.close()

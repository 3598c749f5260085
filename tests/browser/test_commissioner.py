"""A commissioner's journey through the outcome dashboards, and what an administrator sees."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.conftest import assert_accessible, login
from tests.outcomes.factories_dashboard import demo_snapshots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def snapshots(practice_a, pcn):
    demo_snapshots(practices=("A00001",), pcns=("U00001",))


def _figures(page) -> list[list[str]]:
    return page.eval_on_selector(
        "#figures",
        """t => [...t.rows].map(r => [...r.cells].map(c =>
              c.querySelector('[aria-hidden]') ? c.querySelector('[aria-hidden]').textContent
                                               : c.textContent.trim()))""",
    )


def test_commissioner_views_metric_changes_filters_and_downloads_csv(page, snapshots, commissioner):
    login(page, commissioner.username)
    page.wait_for_url("**/outcomes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcomes", use_inner_text=True)
    cards = page.locator(".nhsuk-card__link").all_inner_texts()
    assert cards[:4] == [
        "Increase in numbers of friends",
        "Citizen-led, not sector-led, support",
        "Coverage of the whole population, fairly distributed",
        "Demand on general practice",
    ]
    friends_card = page.locator("#card-friends")
    assert "Self-reported; not a count of contacts in any app." in friends_card.inner_text()
    assert friends_card.locator("[data-cohort]").inner_text() == "120"
    assert_accessible(page)

    page.get_by_role("link", name="Increase in numbers of friends").click()
    page.wait_for_url("**/outcomes/metrics/friends/**")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Increase in numbers of friends", use_inner_text=True
    )
    assert ["People in the cohort", "120"] in _figures(page)
    assert_accessible(page)

    # Level: practice. htmx swaps the figures in and brings the practice select.
    page.get_by_label("Level").select_option("practice")
    page.get_by_label("Practice", exact=True).wait_for()
    page.wait_for_function(
        "() => document.querySelector('#table-caption').textContent.includes('A00001')"
    )
    assert "level=practice" in page.url
    assert ["People in the cohort", "60"] in _figures(page)

    # Breakdown: sex, with a withheld group.
    page.get_by_label("Breakdown").select_option("sex")
    page.wait_for_function(
        "() => document.querySelector('#table-caption').textContent.includes('by sex')"
    )
    rows = _figures(page)
    other = next(r for r in rows if r[0] == "Other")
    assert other[1:] == ["*"] * 7
    expect(page.locator("#suppression-note")).to_be_visible()
    canvas = page.locator("canvas#chart-canvas")
    assert canvas.get_attribute("role") == "img"
    assert "Bar chart of" in canvas.get_attribute("aria-label")
    assert page.evaluate("() => !!Chart.getChart(document.getElementById('chart-canvas'))")
    assert canvas.bounding_box()["height"] > 100
    assert_accessible(page)

    with page.expect_download() as info:
        page.get_by_role("link", name="Download this table (CSV)").click()
    download = info.value
    assert download.suggested_filename == "friends_2026-01-01_2026-03-31_practice_A00001_sex.csv"
    content = Path(download.path()).read_text()
    # The table's columns, between what the figures are and the rule they were shown under.
    table = [r[7:-3] for r in csv.reader(io.StringIO(content))]
    assert table == rows
    assert table[0][:2] == ["Sex", "People in the cohort"]
    assert ["Other", "*", "*", "*", "*", "*", "*", "*"] in table

    # A full page load of the pushed URL shows the same figures (no JavaScript state needed).
    page.reload()
    assert _figures(page) == rows
    assert not page.get_by_role("button", name="Recompute").count()


def test_administrator_sees_exact_values_and_recompute(page, snapshots, admin_user):
    login(page, admin_user.username)
    page.wait_for_url("**/manage/")
    page.goto("/outcomes/metrics/friends/?dimension=sex")
    other = next(r for r in _figures(page) if r[0] == "Other")
    assert other[1] == "3"
    assert not page.locator("#suppression-note").count()
    button = page.get_by_role("button", name="Recompute")
    expect(button).to_be_visible()
    assert_accessible(page)
    button.click()
    # The job runs in-process here (no broker); the #run partial reports how it went.
    page.wait_for_function(
        "() => /Done|Failed/.test(document.querySelector('#run').textContent)", timeout=15_000
    )
    assert re.search(r"Done", page.locator("#run").inner_text())


def _fill_custom(page, start: tuple[str, str, str], end: tuple[str, str, str]) -> None:
    details = page.locator("#custom-dates")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    for name, (day, month, year) in (("start", start), ("end", end)):
        group = page.get_by_role("group", name="Start date" if name == "start" else "End date")
        group.get_by_label("Day").fill(day)
        group.get_by_label("Month").fill(month)
        group.get_by_label("Year").fill(year)


def test_commissioner_picks_custom_dates_computes_them_and_sees_figures(
    page, snapshots, commissioner
):
    """A period nobody has computed: the page explains and offers to compute it; the job is
    queued, the page shows its progress and fills in once a worker has done it."""
    from unittest import mock

    from outcomes.models import Run
    from outcomes.services.metric_runs import metric_run_compute

    login(page, commissioner.username)
    page.wait_for_url("**/outcomes/")
    page.goto("/outcomes/metrics/friends/")
    # Choosing "Custom dates" (htmx) asks for the dates, without an error.
    page.get_by_label("Period").select_option("custom")
    expect(page.locator("#needs-dates")).to_be_visible()
    assert not page.locator(".nhsuk-error-summary").count()

    # An end before the start: the error summary names the field, nothing is started.
    _fill_custom(page, ("20", "5", "2024"), ("10", "2", "2024"))
    page.get_by_role("button", name="Show figures").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("The start date must be the same as or before the end date")
    expect(summary).to_be_focused()
    assert_accessible(page)

    _fill_custom(page, ("10", "2", "2024"), ("20", "5", "2024"))
    page.get_by_role("button", name="Show figures").click()
    expect(page.locator("#not-computed")).to_contain_text(
        "These figures have not been computed for 10 February 2024 to 20 May 2024 yet."
    )
    assert_accessible(page)

    # The worker is elsewhere: the job waits in the queue until the test runs it below.
    with mock.patch("outcomes.tasks.metric_compute_task.delay"):
        page.get_by_role("button", name="Compute these figures").click()
        expect(page.locator(".sx-compute")).to_contain_text("Queued")
        assert not page.locator("#figures").count()
        run = Run.objects.get(kind="metric:friends", params__start="2024-02-10")
        metric_run_compute(
            metric="friends",
            start=dt.date(2024, 2, 10),
            end=dt.date(2024, 5, 20),
            window=6,
            run_id=run.pk,
        )
    # htmx polls the run; when it is done the page reloads with the figures.
    page.locator("#figures").wait_for(timeout=15_000)
    assert ["People in the cohort", "0"] in _figures(page)
    assert "period=2024-02-10%2F2024-05-20" in page.url
    assert_accessible(page)

    # The board pack for the board: a spreadsheet with a cover sheet, then the measures.
    page.goto("/outcomes/")
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Board pack")).click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert book.sheetnames[0] == "Cover"
    assert len(book.sheetnames) > 1


def test_overview_filters_and_computes_a_period_without_javascript(
    browser, live_server, snapshots, commissioner
):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport={"width": 375, "height": 800}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        login(page, commissioner.username)
        page.wait_for_url("**/outcomes/")
        page.get_by_label("Practice").select_option("A00001")
        page.get_by_role("button", name="Show figures").click()
        card = page.locator("#card-friends")
        expect(card).to_contain_text(
            "Canal Street Surgery (A00001), 1 January 2026 to 31 March 2026"
        )
        expect(card.locator("[data-cohort]")).to_have_text("60")

        page.get_by_label("Period").select_option("custom")
        _fill_custom(page, ("1", "3", "2024"), ("31", "3", "2024"))
        page.get_by_role("button", name="Show figures").click()
        expect(page.locator("#not-computed")).to_contain_text(
            "None of these figures have been computed for 1 March 2024 to 31 March 2024 yet."
        )
        # Without a broker the jobs run as soon as they are queued.
        page.get_by_role("button", name="Compute these figures").click()
        expect(page.locator("#card-friends [data-period]")).to_contain_text(
            "1 March 2024 to 31 March 2024"
        )
        assert not page.locator("#not-computed").count()
        assert "practice=A00001" in page.url
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    finally:
        context.close()

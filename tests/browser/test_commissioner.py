"""A commissioner's journey through the outcome dashboards, and what an administrator sees."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

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

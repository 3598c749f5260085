"""A commissioner follows a metric over two years, compares practices, and opens the
printable report: charts drawn under the Content Security Policy, accessible, at 375 px."""

from __future__ import annotations

import pytest
from django.utils import timezone

from outcomes.trends import trend_periods
from tests.conftest import assert_accessible, login
from tests.outcomes.factories_dashboard import change_values, demo_snapshots, snapshot_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def history(practice_a, pcn):
    quarters = trend_periods(today=timezone.localdate(), step="quarter")
    demo_snapshots(start=quarters[-1][0], end=quarters[-1][1])
    for (start, end), n in zip(quarters[:3], (90, 5, 110), strict=True):
        snapshot_rows(
            "friends",
            total={**change_values(n), "sd_change": 2.0, "sd_baseline": 1.0, "sd_followup": 1.0},
            start=start,
            end=end,
        )


def _drawn(page) -> bool:
    return page.evaluate(
        "() => [...document.querySelectorAll('canvas')].every(c => c.width > 0 && c.height > 0)"
    )


@pytest.mark.parametrize("width", [1280, 375])
def test_trend_compare_and_report(page, history, commissioner, width):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": width, "height": 900})
    login(page, commissioner.username)
    page.wait_for_url("**/outcomes/")

    page.goto(page.url + "metrics/friends/")
    page.get_by_role("link", name="Over the last two years").click()
    page.wait_for_url("**/trend/")
    page.wait_for_function("() => window.Chart && Chart.getChart('trend-canvas')")
    assert page.evaluate("() => Chart.getChart('trend-canvas').config.type") == "line"
    data = page.evaluate("() => Chart.getChart('trend-canvas').data.datasets[0].data")
    assert data[:3] == [1.0, None, 1.0]  # the withheld quarter is a gap, not 0
    assert "Not computed yet" in page.locator("#trend-table").inner_text()
    assert page.locator("#not-computed").is_visible()
    assert page.locator("#suppression-note").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="PCNs and practices side by side").click()
    page.wait_for_url("**/compare/")
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-canvas')")
    assert page.locator("#compare-table").is_visible()
    assert_accessible(page)

    page.goto(page.url.split("/outcomes/")[0] + "/outcomes/report/")
    page.wait_for_function("() => document.querySelectorAll('canvas').length > 0")
    assert _drawn(page)
    page.emulate_media(media="print")
    assert not page.locator("header.nhsuk-header").is_visible()
    assert not page.get_by_role("button", name="Print this report").is_visible()
    page.emulate_media(media="screen")
    assert_accessible(page)
    assert not [e for e in errors if "Content Security Policy" in e]

"""A metric over the last two years, and PCNs and practices side by side: series from the
stored quarters, suppression per period, gaps not zeros, alphabetical order, who may see."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from outcomes.metrics.registry import METRICS
from outcomes.models import MetricSnapshot
from outcomes.trends import (
    side_by_side,
    trend_build,
    trend_periods,
    trend_quarters_missing,
)
from tests.outcomes.factories_dashboard import change_values, demo_snapshots, snapshot_rows
from tests.socialrx.factories import PracticeFactory

TODAY = dt.date(2026, 5, 14)
TREND = "/outcomes/metrics/friends/trend/"
COMPARE = "/outcomes/metrics/friends/compare/"


def _with_sd(n: int, up: float = 1.0) -> dict:
    return {**change_values(n, up=up), "sd_baseline": 1.5, "sd_followup": 1.5, "sd_change": 2.0}


def test_trend_periods_are_the_last_eight_quarters_oldest_first():
    quarters = trend_periods(today=TODAY, step="quarter")
    assert len(quarters) == 8
    assert quarters[0] == (dt.date(2024, 7, 1), dt.date(2024, 9, 30))
    assert quarters[-1] == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    months = trend_periods(today=TODAY, step="month")
    assert len(months) == 24
    assert months[0] == (dt.date(2024, 6, 1), dt.date(2024, 6, 30))
    assert months[-1] == (dt.date(2026, 5, 1), dt.date(2026, 5, 31))


@pytest.fixture
def series(db):
    quarters = trend_periods(today=TODAY, step="quarter")
    # Computed: quarters 2, 3 (small: withheld) and 8; the rest not computed yet.
    snapshot_rows("friends", total=_with_sd(120), start=quarters[1][0], end=quarters[1][1])
    snapshot_rows("friends", total=_with_sd(5), start=quarters[2][0], end=quarters[2][1])
    snapshot_rows("friends", total=_with_sd(0), start=quarters[7][0], end=quarters[7][1])
    return quarters


def test_trend_shows_computed_quarters_withholds_small_ones_and_says_what_is_missing(series):
    trend = trend_build(
        info=METRICS["friends"],
        value="mean_change",
        level="all",
        code="",
        window=0,
        step="quarter",
        today=TODAY,
        exact=False,
    )
    points = trend.points
    assert [p.computed for p in points] == [False, True, True, False, False, False, False, True]
    assert [p.text for p in points if p.computed] == ["1.0", "*", "–"]
    # Withheld and not computed are gaps (None), never 0.
    chart = trend.chart(where="whole area")
    assert chart["datasets"][0]["data"] == [None, 1.0, None, None, None, None, None, None]
    assert chart["withheld"] == [False, False, True, False, False, False, False, False]
    assert chart["intervals"][1] == [0.6, 1.4]  # t interval: 1 ± 2.000 × 2 / √120
    assert chart["intervals"][2] is None
    assert chart["x_title"] == "Quarter"
    assert "mean" in chart["y_title"].lower()
    assert [p.long_label for p in trend.withheld] == ["January to March 2025 (quarter)"]
    assert len(trend.not_computed) == 5
    assert points[1].interval_text == "0.6 to 1.4"
    assert points[2].interval_text == "*"
    assert points[2].cohort == "*"


def test_administrator_trend_has_exact_values(series):
    trend = trend_build(
        info=METRICS["friends"],
        value="n",
        level="all",
        code="",
        window=0,
        step="quarter",
        today=TODAY,
        exact=True,
    )
    assert [p.text for p in trend.points if p.computed] == ["120", "5", "0"]


def test_nightly_fills_quarters_not_computed_yet(series):
    missing = trend_quarters_missing(today=TODAY, window=6)
    friends = [(s, e) for m, s, e in missing if m == "friends"]
    # 7 past quarters; 2 of them are computed (the current one is refreshed anyway).
    assert len(friends) == 5
    assert series[1] not in friends and series[2] not in friends
    assert len([m for m, _s, _e in missing if m == "coverage"]) == 7


def _chart_json(html: str, script_id: str) -> dict:
    found = re.search(rf'<script id="{script_id}" type="application/json">(.*?)</script>', html)
    assert found
    return json.loads(found.group(1))


def test_trend_page_has_line_chart_table_and_notes(db, client_for, commissioner):
    quarters = trend_periods(today=timezone.localdate(), step="quarter")
    snapshot_rows("friends", total=_with_sd(120), start=quarters[0][0], end=quarters[0][1])
    snapshot_rows("friends", total=_with_sd(4), start=quarters[1][0], end=quarters[1][1])
    response = client_for(commissioner).get(TREND)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-trend="trend-data"' in html
    assert "js/outcomes-trend.js" in html
    assert 'id="trend-table"' in html
    assert 'id="not-computed"' in html and "Not computed yet" in html
    assert 'id="suppression-note"' in html and "not a zero" in html
    chart = _chart_json(html, "trend-data")
    assert chart["datasets"][0]["data"][:2] == [1.0, None]
    assert "style=" not in html


def test_trend_by_practice_and_by_month(db, client_for, commissioner, practice_a, pcn):
    today = timezone.localdate()
    month = trend_periods(today=today, step="month")[-1]
    demo_snapshots(start=month[0], end=month[1], practices=("A00001",), pcns=("U00001",))
    client = client_for(commissioner)
    response = client.get(TREND, {"level": "practice", "code": "A00001", "step": "month"})
    assert response.status_code == 200
    chart = _chart_json(response.content.decode(), "trend-data")
    assert len(chart["labels"]) == 24
    assert chart["datasets"][0]["data"][-1] == 1.0  # practice A00001: change_values(60)
    assert chart["x_title"] == "Month"


def test_trend_bad_input_gets_a_clear_message(db, client_for, commissioner):
    response = client_for(commissioner).get(TREND, {"value": "nonsense", "step": "weekly"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "nhsuk-error-summary" in html
    assert "Choose a figure from the list" in html
    assert "Choose quarters or months" in html
    assert 'id="trend-table"' not in html


@pytest.fixture
def places(db, pcn, practice_a):
    # Names out of alphabetical order of code, and a small practice that must be withheld.
    PracticeFactory(ods_code="C00003", name="Abbey Surgery", pcn=pcn)
    PracticeFactory(ods_code="B00002", name="Zetland Practice", pcn=pcn)
    snapshot_rows("friends", total=_with_sd(130))
    snapshot_rows("friends", total=_with_sd(130), level="pcn", code="U00001")
    for code, n in (("A00001", 60), ("C00003", 64), ("B00002", 6)):
        snapshot_rows("friends", total=_with_sd(n), level="practice", code=code)


def test_side_by_side_is_alphabetical_with_intervals_and_suppression(places):
    side = side_by_side(
        info=METRICS["friends"],
        value="mean_change",
        level="practice",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 3, 31),
        window=0,
        exact=False,
    )
    names = [r.name for r in side.rows]
    assert names == sorted(names, key=str.lower)
    assert names[0].startswith("Abbey Surgery")
    zetland = next(r for r in side.rows if r.code == "B00002")
    assert (zetland.text, zetland.interval_text, zetland.cohort) == ("*", "*", "*")
    abbey = side.rows[0]
    assert abbey.text == "1.0" and abbey.interval_text != "–" and abbey.cohort == "64"
    assert side.chart["withheld"] == [r.withheld for r in side.rows]
    assert side.chart["labels"] == names


def test_compare_page(places, client_for, commissioner):
    response = client_for(commissioner).get(COMPARE, {"period": "2026-01-01/2026-03-31"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "alphabetical order" in html
    rows = re.findall(r'<th class="nhsuk-table__header" scope="row">(.*?)</th>', html)
    assert rows == sorted(rows, key=str.lower) and len(rows) == 3
    assert _chart_json(html, "chart-data")["x_title"] == "Practice"


def test_compare_bad_period_gets_a_clear_message(places, client_for, commissioner):
    response = client_for(commissioner).get(COMPARE, {"period": "2026-13-01/x", "level": "all"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose a period from the list" in html
    assert "Choose PCNs or practices" in html


def test_compare_of_a_whole_area_only_metric_is_404(db, client_for, commissioner):
    response = client_for(commissioner).get("/outcomes/metrics/citizen_led/compare/")
    assert response.status_code == 404


@pytest.mark.parametrize("url", [TREND, COMPARE])
@pytest.mark.parametrize("persona", ["link_worker", "practice_staff", "volunteer"])
def test_other_roles_get_404(db, client_for, request, url, persona):
    assert client_for(request.getfixturevalue(persona)).get(url).status_code == 404


@pytest.mark.parametrize("url", [TREND, COMPARE])
def test_administrator_may_see_them(places, client_for, admin_user, url):
    assert client_for(admin_user).get(url).status_code == 200


def test_trend_query_count(series, client_for, commissioner, django_assert_max_num_queries):
    client = client_for(commissioner)
    # session, user, the rows of every period (one query)
    with django_assert_max_num_queries(4):
        assert client.get(TREND).status_code == 200


def test_suppression_of_a_period_is_decided_once_until_it_is_recomputed(series):
    from unittest import mock

    import outcomes.suppression as suppression

    kwargs = {
        "info": METRICS["friends"],
        "value": "n",
        "level": "all",
        "code": "",
        "window": 0,
        "step": "quarter",
        "today": TODAY,
        "exact": False,
    }
    with mock.patch.object(suppression, "rows_present", wraps=suppression.rows_present) as present:
        first = trend_build(**kwargs)
        assert present.call_count == 3  # the three computed quarters
        assert [p.text for p in trend_build(**kwargs).points] == [p.text for p in first.points]
        assert present.call_count == 3
        # A recomputed period (new computed_at) is suppressed afresh.
        start, end = series[1]
        MetricSnapshot.objects.filter(start=start, end=end).delete()
        snapshot_rows("friends", total=_with_sd(4), start=start, end=end)
        again = trend_build(**kwargs)
        assert present.call_count == 4
        assert again.points[1].text == "*"

"""The metric registry and the pieces every metric shares: each metric described once and
consistently, one row order, one window rule, and SQL IN lists that hold only known codes."""

from __future__ import annotations

import datetime as dt

import pytest

from outcomes.metrics.definition import DEFAULT_WINDOW, Count, Value
from outcomes.metrics.dimensions import DIMENSIONS
from outcomes.metrics.periods import parse_period, period_label, picker_periods
from outcomes.metrics.registry import METRICS, PAGE_ORDER, metric_get, window_for
from outcomes.metrics.sql import sql_in


def test_sql_in_quotes_known_codes():
    assert sql_in(("female", "male")) == "('female', 'male')"
    assert sql_in(["received", "active"]) == "('received', 'active')"


@pytest.mark.parametrize(
    "values",
    [
        ("female", "x' OR '1'='1"),
        ("robert'); DROP TABLE referrals_person;--",),
        ("FEMALE",),
        (1,),
        (),
    ],
)
def test_sql_in_refuses_anything_not_a_known_code(values):
    with pytest.raises(ValueError):
        sql_in(values)


def test_every_metric_names_only_values_and_dimensions_it_defines():
    for name, metric in METRICS.items():
        defined = {v.name for v in metric.stored_values}
        named = {metric.headline, *metric.cohort, *metric.chart_total, *metric.secondary}
        named |= {metric.chart_group, *(n for group in metric.complements for n in group)}
        assert named <= defined, (name, named - defined)
        assert set(metric.dimensions) <= set(DIMENSIONS), name
        assert metric.default_dimension in ("total", *metric.dimensions), name
        for value in metric.stored_values:
            for basis in value.bases:
                for count in getattr(basis, "names", ()):
                    assert count in defined, (name, value.name, count)


def test_pages_show_every_metric_once_inquiry_metrics_first():
    assert sorted(PAGE_ORDER) == sorted(METRICS)
    assert PAGE_ORDER[:4] == ("friends", "citizen_led", "coverage", "demand")


def test_a_count_rests_on_itself_and_any_other_value_must_say_what_it_rests_on():
    assert Value("n", "People", "count").bases == (Count(("n",)),)
    with pytest.raises(ValueError):
        Value("mean_change", "Mean change", "mean")


def test_the_window_is_the_default_for_demand_and_zero_elsewhere():
    assert window_for(metric="demand", window=None) == DEFAULT_WINDOW
    assert window_for(metric="demand", window=12) == 12
    assert window_for(metric="friends", window=12) == 0
    assert [m for m in METRICS.values() if m.uses_window] == [METRICS["demand"]]


def test_unknown_metric_is_refused():
    with pytest.raises(ValueError, match="Unknown metric"):
        metric_get(metric="happiness")


def test_rows_are_ordered_by_level_code_dimension_then_group_order():
    rows = [
        {"level": "practice", "code": "A1", "dimension": "total", "group": "all"},
        {"level": "all", "code": "", "dimension": "sex", "group": "unknown"},
        {"level": "all", "code": "", "dimension": "imd_quintile", "group": "unknown"},
        {"level": "all", "code": "", "dimension": "imd_quintile", "group": "2"},
        {"level": "all", "code": "", "dimension": "total", "group": "all"},
        {"level": "all", "code": "", "dimension": "sex", "group": "female"},
    ]
    ordered = METRICS["friends"].rows_ordered(rows)
    assert [(r["level"], r["dimension"], r["group"]) for r in ordered] == [
        ("all", "total", "all"),
        ("all", "imd_quintile", "2"),
        ("all", "imd_quintile", "unknown"),
        ("all", "sex", "female"),
        ("all", "sex", "unknown"),
        ("practice", "total", "all"),
    ]


def test_period_labels_and_picker():
    assert (
        period_label(dt.date(2026, 1, 1), dt.date(2026, 3, 31)) == "January to March 2026 (quarter)"
    )
    assert (
        period_label(dt.date(2025, 11, 24), dt.date(2026, 11, 23))
        == "12 months to 23 November 2026"
    )
    assert parse_period("2026-03-31/2026-01-01") is None
    quarters, years = picker_periods(today=dt.date(2026, 2, 10))
    assert quarters[0][0] == "2026-01-01/2026-03-31"
    assert quarters[1][0] == "2025-10-01/2025-12-31"
    assert years[0][0] == "2025-02-01/2026-01-31"

"""Small-number suppression: 0 shown, 1 and 7 withheld, 8 shown; derived values withheld when
their n, numerator or denominator is 1-7; administrators see exact values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from outcomes.metrics.registry import METRICS
from outcomes.suppression import exact_for, is_small, row_suppress, rows_present
from tests.outcomes.factories_dashboard import change_values

# What each value of each metric rests on, as the registry defines it.
BASES = {name: metric.bases for name, metric in METRICS.items()}


@pytest.mark.parametrize(("count", "small"), [(0, False), (1, True), (7, True), (8, False)])
def test_is_small_boundaries(count, small):
    assert is_small(count) is small


def test_none_is_not_small():
    assert is_small(None) is False


@pytest.mark.parametrize("metric", list(BASES))
@pytest.mark.parametrize(("count", "withheld"), [(0, False), (1, True), (7, True), (8, False)])
def test_every_plain_count_follows_the_rule(metric, count, withheld):
    counts = [
        name
        for name, bases in BASES[metric].items()
        if len(bases) == 1 and getattr(bases[0], "names", None) == (name,)
    ]
    assert counts, metric
    for name in counts:
        shown, names = row_suppress(metric=metric, values={name: count})
        assert (shown[name] is None) is withheld, (metric, name)
        assert (name in names) is withheld


@pytest.mark.parametrize("metric", ["friends", "wellbeing"])
@pytest.mark.parametrize(("n", "withheld"), [(1, True), (7, True), (8, False), (40, False)])
def test_change_means_and_pcts_rest_on_n(metric, n, withheld):
    values = change_values(n)
    shown, names = row_suppress(metric=metric, values=values)
    for name in ("n", "mean_baseline", "mean_followup", "mean_change"):
        assert (shown[name] is None) is withheld, name
    if withheld:
        assert set(names) == set(values)


def test_change_with_empty_cohort_shows_zero_and_nulls_without_suppression():
    shown, names = row_suppress(metric="friends", values=change_values(0))
    assert shown["n"] == 0
    assert shown["mean_change"] is None
    assert names == []


def test_percentage_with_small_numerator_is_withheld_with_its_complements():
    # n = 10: 5 increased (shown alone), 2 unchanged (a numerator of 2), 3 decreased.
    values = {
        "n": 10,
        "mean_baseline": 2.0,
        "mean_followup": 3.0,
        "mean_change": 1.0,
        "pct_increased": 50.0,
        "pct_no_change": 20.0,
        "pct_decreased": 30.0,
    }
    shown, names = row_suppress(metric="friends", values=values)
    assert shown["n"] == 10
    assert shown["mean_change"] == 1.0
    # pct_no_change rests on 2 people; the other two would give it away by subtraction.
    assert shown["pct_no_change"] is None
    assert shown["pct_increased"] is None
    assert shown["pct_decreased"] is None
    assert set(names) == {"pct_increased", "pct_no_change", "pct_decreased"}


def test_percentages_with_numerators_of_zero_or_eight_are_shown():
    values = {
        "n": 16,
        "mean_baseline": 2.0,
        "mean_followup": 3.0,
        "mean_change": 1.0,
        "pct_increased": 50.0,
        "pct_no_change": 50.0,
        "pct_decreased": 0.0,
    }
    shown, names = row_suppress(metric="friends", values=values)
    assert names == []
    assert shown == values


@pytest.mark.parametrize(
    ("citizen", "sector", "share_withheld"),
    [(0, 20, False), (8, 8, False), (7, 30, True), (1, 40, True), (8, 0, False), (3, 3, True)],
)
def test_citizen_led_share_rests_on_citizen_and_all_active(citizen, sector, share_withheld):
    total = citizen + sector
    values = {
        "citizen_led_active": citizen,
        "sector_led_active": sector,
        "citizen_led_share": citizen / total * 100 if total else None,
    }
    shown, _ = row_suppress(metric="citizen_led", values=values)
    assert (shown["citizen_led_share"] is None) is share_withheld


def test_citizen_led_share_withheld_when_only_the_denominator_is_small():
    # 0 citizen-led (shown), 5 sector-led: the denominator 5 is small, so 0 % is withheld too.
    values = {"citizen_led_active": 0, "sector_led_active": 5, "citizen_led_share": 0.0}
    shown, _ = row_suppress(metric="citizen_led", values=values)
    assert shown["citizen_led_active"] == 0
    assert shown["sector_led_active"] is None
    assert shown["citizen_led_share"] is None


@pytest.mark.parametrize(
    ("to_citizen", "made", "withheld"),
    [(0, 30, False), (8, 30, False), (7, 30, True), (10, 7, True), (8, 8, False)],
)
def test_connections_citizen_share_rests_on_both_counts(to_citizen, made, withheld):
    values = {
        "connections": made,
        "connections_to_citizen_led": to_citizen,
        "connections_citizen_share": to_citizen / made * 100,
    }
    shown, _ = row_suppress(metric="citizen_led", values=values)
    assert (shown["connections_citizen_share"] is None) is withheld


@pytest.mark.parametrize(
    ("reached", "population", "withheld"),
    [(0, 500, False), (8, 500, False), (1, 500, True), (7, 500, True), (20, 7, True)],
)
def test_reach_per_1000_rests_on_reached_and_population(reached, population, withheld):
    values = {
        "population": population,
        "reached": reached,
        "reach_per_1000": reached / population * 1000,
    }
    shown, _ = row_suppress(metric="coverage", values=values)
    assert (shown["reach_per_1000"] is None) is withheld
    assert shown["reached"] == (None if 0 < reached < 8 else reached)


def _coverage_rows(q: dict[str, tuple[int, int]]) -> list[dict]:
    rows = [
        {
            "level": "all",
            "code": "",
            "dimension": "total",
            "group": "all",
            "values": {
                "population": 1000,
                "reached": 100,
                "reach_per_1000": 100.0,
                "rate_ratio_q1_q5": 1.5,
                "concentration_index": -0.1,
                "unregistered_reached": 0,
            },
        }
    ]
    for group, (reached, pop) in q.items():
        rows.append(
            {
                "level": "all",
                "code": "",
                "dimension": "imd_quintile",
                "group": group,
                "values": {
                    "population": pop,
                    "reached": reached,
                    "reach_per_1000": reached / pop * 1000,
                },
            }
        )
    return rows


def _total(rows: list[dict]) -> dict:
    return next(r for r in rows if r["dimension"] == "total")


def test_coverage_indices_shown_when_every_quintile_count_is_zero_or_eight_plus():
    q = {"1": (30, 300), "2": (8, 200), "3": (0, 200), "4": (20, 150), "5": (10, 150)}
    shown = rows_present(metric="coverage", rows=_coverage_rows(q), exact=False)
    total = _total(shown)
    assert total["values"]["rate_ratio_q1_q5"] == 1.5
    assert total["values"]["concentration_index"] == -0.1
    assert total["values"]["unregistered_reached"] == 0
    assert total["suppressed"] is False


def test_concentration_index_withheld_when_a_middle_quintile_is_small():
    q = {"1": (30, 300), "2": (3, 200), "3": (20, 200), "4": (20, 150), "5": (10, 150)}
    total = _total(rows_present(metric="coverage", rows=_coverage_rows(q), exact=False))
    # Quintile 2 rests on 3 people: the index weighs every quintile, the ratio only 1 and 5.
    assert total["values"]["concentration_index"] is None
    assert total["values"]["rate_ratio_q1_q5"] == 1.5
    assert total["suppressed"] is True


@pytest.mark.parametrize("small", [("1", (7, 300)), ("5", (10, 5))])
def test_rate_ratio_withheld_when_quintile_1_or_5_is_small(small):
    q = {"1": (30, 300), "2": (8, 200), "3": (20, 200), "4": (20, 150), "5": (10, 150)}
    q[small[0]] = small[1]
    total = _total(rows_present(metric="coverage", rows=_coverage_rows(q), exact=False))
    assert total["values"]["rate_ratio_q1_q5"] is None
    assert total["values"]["concentration_index"] is None


def test_coverage_indices_withheld_when_quintile_rows_are_missing():
    total = _total(rows_present(metric="coverage", rows=_coverage_rows({}), exact=False))
    assert total["values"]["rate_ratio_q1_q5"] is None
    assert total["values"]["concentration_index"] is None


def test_quintiles_are_looked_up_within_the_same_level_and_code():
    small = _coverage_rows({q: (3, 300) for q in "12345"})
    for row in small:
        row["level"], row["code"] = "practice", "P1"
    big = _coverage_rows({q: (30, 300) for q in "12345"})
    shown = rows_present(metric="coverage", rows=small + big, exact=False)
    by_code = {r["code"]: r for r in shown if r["dimension"] == "total"}
    assert by_code[""]["values"]["rate_ratio_q1_q5"] == 1.5
    assert by_code["P1"]["values"]["rate_ratio_q1_q5"] is None


@pytest.mark.parametrize(("n", "withheld"), [(1, True), (7, True), (8, False)])
def test_demand_values_rest_on_n(n, withheld):
    values = {"n": n, "mean_pre": 8.0, "mean_post": 6.0, "mean_change": -2.0, "pct_reduced": 0.0}
    shown, _ = row_suppress(metric="demand", values=values)
    for name in ("n", "mean_pre", "mean_post", "mean_change", "pct_reduced"):
        assert (shown[name] is None) is withheld


def test_demand_pct_reduced_withheld_when_few_reduced():
    values = {"n": 20, "mean_pre": 8.0, "mean_post": 6.0, "mean_change": -2.0, "pct_reduced": 25.0}
    shown, names = row_suppress(metric="demand", values=values)
    assert names == ["pct_reduced"]  # 5 of 20
    assert shown["mean_change"] == -2.0


def _skew(**over):
    values = {
        "list_size": 10000,
        "appointments": 40000,
        "frequent_attenders": 300,
        "frequent_attender_share": 15.0,
        "frequent_attenders_referred_pct": 10.0,
        "zero_attender_pct": 20.0,
    }
    return values | over


def test_attendance_skew_shown_for_a_normal_practice():
    shown, names = row_suppress(metric="demand", values=_skew())
    assert names == []
    assert shown == _skew()


def test_frequent_attenders_referred_pct_withheld_when_few_referred():
    # 2 % of 300 frequent attenders is 6 people.
    shown, names = row_suppress(metric="demand", values=_skew(frequent_attenders_referred_pct=2.0))
    assert names == ["frequent_attenders_referred_pct"]
    assert shown["frequent_attender_share"] == 15.0


def test_skew_shares_withheld_on_a_tiny_list():
    values = _skew(list_size=100, appointments=300, frequent_attenders=3, zero_attender_pct=5.0)
    shown, _ = row_suppress(metric="demand", values=values)
    assert shown["list_size"] == 100
    assert shown["frequent_attenders"] is None
    assert shown["frequent_attender_share"] is None  # rests on 3 frequent attenders
    assert shown["frequent_attenders_referred_pct"] is None
    assert shown["zero_attender_pct"] is None  # 5 % of 100 is 5 people


def test_skew_names_that_are_null_are_not_marked_suppressed():
    values = {"n": 20, "mean_pre": 1.0, "mean_post": 1.0, "mean_change": 0.0, "pct_reduced": 50.0}
    values |= dict.fromkeys(_skew(), None)
    _, names = row_suppress(metric="demand", values=values)
    assert names == []


@pytest.mark.parametrize(("referrals", "withheld"), [(0, False), (5, True), (8, False)])
def test_service_median_rests_on_referrals_when_no_count_is_stored(referrals, withheld):
    values = {
        "referrals": referrals,
        "median_days_to_first_conversation": 4.0 if referrals else None,
        "open_cases": 40,
    }
    shown, _ = row_suppress(metric="service", values=values)
    if referrals:
        assert (shown["median_days_to_first_conversation"] is None) is withheld


def test_service_median_rests_on_its_own_count_when_stored():
    values = {
        "referrals": 50,
        "median_days_to_first_conversation": 4.0,
        "median_days_n": 3,
        "open_cases": 40,
    }
    shown, _ = row_suppress(metric="service", values=values)
    assert shown["median_days_to_first_conversation"] is None
    assert shown["referrals"] == 50


def test_unknown_value_is_withheld_rather_than_guessed_safe():
    shown, names = row_suppress(metric="friends", values={"n": 50, "something_new": 3.5})
    assert shown["something_new"] is None
    assert names == ["something_new"]


def test_administrators_see_exact_values(admin_user, commissioner):
    rows = [
        {
            "level": "all",
            "code": "",
            "dimension": "total",
            "group": "all",
            "values": change_values(3),
        }
    ]
    exact = rows_present(metric="friends", rows=rows, exact=exact_for(admin_user))
    assert exact[0]["values"] == change_values(3)
    assert exact[0]["suppressed"] is False
    withheld = rows_present(metric="friends", rows=rows, exact=exact_for(commissioner))
    assert withheld[0]["values"]["n"] is None
    assert withheld[0]["suppressed"] is True


def test_rows_present_leaves_stored_values_untouched(commissioner):
    values = change_values(3)
    rows = [{"level": "all", "code": "", "dimension": "total", "group": "all", "values": values}]
    rows_present(metric="friends", rows=rows, exact=False)
    assert values == change_values(3)


def test_every_value_name_in_metrics_md_has_a_basis():
    """The value names of docs/metrics.md (as the dashboards list them) all have a suppression
    rule, so no figure falls through to "withheld because unknown"."""
    for name, info in METRICS.items():
        assert set(info.values) <= set(BASES[name]), name


def test_mapping_is_documented():
    doc = (Path(settings.BASE_DIR) / "docs" / "dashboards.md").read_text()
    for metric, bases in BASES.items():
        section = re.search(rf"### `{metric}`(.*?)(?=\n### |\Z)", doc, re.S)
        assert section, metric
        for name in bases:
            assert f"`{name}`" in section.group(1), (metric, name)


@pytest.mark.django_db
def test_every_value_the_computations_store_has_a_basis(practice_a):
    """Run each computation (on an almost empty database) and check every value name it stores
    is in the mapping: an unmapped name would be withheld from commissioners as unknown."""
    import datetime as dt

    from outcomes.metrics.registry import METRIC_NAMES
    from outcomes.models import MetricSnapshot
    from outcomes.services.metrics import metric_compute

    for metric in METRIC_NAMES:
        metric_compute(metric=metric, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
        names: set[str] = set()
        for values in MetricSnapshot.objects.filter(metric=metric).values_list("values", flat=True):
            names.update(values)
        assert names, metric
        assert names <= set(BASES[metric]), (metric, names - set(BASES[metric]))


def test_every_page_of_a_period_decides_suppression_once_for_the_same_rows():
    """The metric page, overview, CSV, API and trends all go through ``rows_present_cached``:
    the same rows are decided once; other rows (a recomputed period) afresh; administrators'
    exact answer is kept apart from everyone else's."""
    from unittest import mock

    import outcomes.suppression as suppression
    from outcomes.suppression import rows_present_cached

    rows = [
        {"level": "all", "code": "", "dimension": "total", "group": "all", "values": {"n": 3}},
    ]
    with mock.patch.object(suppression, "rows_present", wraps=suppression.rows_present) as present:
        first = rows_present_cached(metric="friends", rows=rows, exact=False)
        assert rows_present_cached(metric="friends", rows=list(rows), exact=False) == first
        assert present.call_count == 1
        exact = rows_present_cached(metric="friends", rows=rows, exact=True)
        assert present.call_count == 2
        assert exact != first  # 3 is withheld for commissioners, shown to administrators
        changed = [{**rows[0], "values": {"n": 30}}]
        rows_present_cached(metric="friends", rows=changed, exact=False)
        assert present.call_count == 3


def test_the_rows_of_one_level_and_code_are_decided_over_every_row_and_remembered_apart():
    """``only`` gives the shown rows of one level and code, exactly those of the whole answer
    (decided over every row given), and remembers them apart; other rows are decided afresh."""
    from unittest import mock

    import outcomes.suppression as suppression
    from outcomes.suppression import rows_present_cached

    def row(level, code, n):
        return {
            "level": level,
            "code": code,
            "dimension": "total",
            "group": "all",
            "values": {"n": n},
        }

    rows = [row("all", "", 30), row("practice", "A81001", 3), row("practice", "A81002", 27)]
    with mock.patch.object(suppression, "rows_present", wraps=suppression.rows_present) as present:
        whole = rows_present_cached(metric="friends", rows=rows, exact=False)
        one = rows_present_cached(
            metric="friends", rows=rows, exact=False, only=("practice", "A81002")
        )
        assert one == [r for r in whole if r["code"] == "A81002"]
        # 27 is 30 less the small 3: withheld with it, though 27 alone is not small.
        assert one[0]["withheld"] == ["n"]
        assert present.call_count == 1
        assert (
            rows_present_cached(
                metric="friends", rows=list(rows), exact=False, only=("practice", "A81002")
            )
            == one
        )
        assert present.call_count == 1
        changed = [row("all", "", 30), row("practice", "A81001", 10), row("practice", "A81002", 20)]
        fresh = rows_present_cached(
            metric="friends", rows=changed, exact=False, only=("practice", "A81002")
        )
        assert present.call_count == 2
        assert fresh[0]["withheld"] == []

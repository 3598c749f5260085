"""The commissioner's figures against the hand-counted world in tests/funding/world.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from funding.figures import Period, charts, commissioning_figures
from tests.funding.world import funding_world

pytestmark = pytest.mark.django_db

PERIOD = Period.of_months(dt.date(2026, 1, 1), dt.date(2026, 6, 1))


def _by_name(figures):
    return {o["name"]: o for o in figures.organisations}


def test_period_is_whole_months():
    assert PERIOD.start == dt.date(2026, 1, 1)
    assert PERIOD.end == dt.date(2026, 6, 30)
    assert PERIOD.days == 181


def test_exact_figures_per_organisation():
    funding_world()
    figures = commissioning_figures(period=PERIOD, exact=True)
    orgs = _by_name(figures)
    big = orgs["Big charity"]
    assert (big["connections"], big["funded"], big["unfunded"]) == (20, 20, 0)
    assert big["funding"].quantize(Decimal("0.01")) == Decimal("5950.68")
    assert big["per_connection"].quantize(Decimal("0.01")) == Decimal("297.53")
    assert orgs["Listings with no organisation"]["unfunded"] == 10
    small = orgs["Small group"]
    # The micro-grant's 61 days in May and June of its 184 days: £165.76.
    assert small["connections"] == 3
    assert small["funding"].quantize(Decimal("0.01")) == Decimal("165.76")
    assert figures.totals["connections"] == 33
    assert not figures.any_withheld


def test_unfunded_load_is_ranked_by_volume():
    funding_world()
    figures = commissioning_figures(period=PERIOD, exact=True)
    assert [(r["name"], r["unfunded"]) for r in figures.unfunded] == [
        ("Lunch club", 10),
        ("Craft circle", 3),
    ]


def test_awards_by_route_count_small_and_user_led():
    funding_world()
    routes = {r["route"]: r for r in commissioning_figures(period=PERIOD, exact=True).routes}
    assert routes["sp_contract"]["awards"] == 1
    assert routes["sp_contract"]["small_awards"] == 0
    assert routes["micro_grant"]["awards"] == 1
    assert routes["micro_grant"]["small_awards"] == 1
    assert routes["micro_grant"]["small_amount"] == Decimal("500")
    assert routes["micro_grant"]["competitive"] == 0
    assert routes["start_up"]["awards"] == 0


def test_groups_started_by_referred_people_later_funded():
    funding_world()
    started = commissioning_figures(period=PERIOD, exact=True).started
    assert (started["groups"], started["funded"], started["amount"]) == (1, 1, Decimal("500"))
    # Before the grant started, the group was not yet funded.
    early = commissioning_figures(
        period=Period.of_months(dt.date(2026, 1, 1), dt.date(2026, 3, 1)), exact=True
    )
    assert (early.started["groups"], early.started["funded"]) == (1, 0)


def test_staffing_beside_the_benchmarks():
    funding_world()
    staffing = commissioning_figures(period=PERIOD, exact=True).staffing
    assert staffing["fte"] == Decimal("1.5")
    assert staffing["population"] == 15000
    assert staffing["per_10000"] == Decimal("1")
    assert staffing["referrals"] == 9
    # 9 referrals / 1.5 FTE, scaled from 181 days to a year.
    assert round(staffing["referrals_per_fte"], 2) == Decimal("12.10")
    assert staffing["benchmark_referrals_per_fte"] == 250


def test_commissioners_get_small_numbers_withheld_and_not_worked_out():
    funding_world()
    figures = commissioning_figures(period=PERIOD, exact=False)
    orgs = _by_name(figures)
    assert "connections" in orgs["Small group"]["withheld"]
    assert "per_connection" in orgs["Small group"]["withheld"]
    # With the total shown, one other organisation must be withheld too.
    others = [o for n, o in orgs.items() if n != "Small group" and "connections" in o["withheld"]]
    assert others or "connections" in figures.totals["withheld"]
    assert [r["withheld"] for r in figures.unfunded] == [True, True] or figures.unfunded[1][
        "withheld"
    ]
    assert figures.started["withheld"] == {"groups", "funded"}
    assert figures.any_withheld
    # Money is not a count of people: shown.
    assert orgs["Small group"]["funding"] > 0


def test_chart_marks_withheld_bars_not_zero():
    funding_world()
    data = charts(commissioning_figures(period=PERIOD, exact=False))
    per = data["per_connection"]
    i = per["labels"].index("Small group")
    assert per["withheld"][i] is True
    assert per["datasets"][0]["data"][i] is None

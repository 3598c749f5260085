"""How figures read: the deprivation gradient in words, confidence intervals in tables, CSV
and charts, and signed zeros."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from tests.outcomes.factories_dashboard import change_values, coverage_values, snapshot_rows

pytestmark = pytest.mark.django_db

COVERAGE = "/outcomes/metrics/coverage/"
INTERVAL = "95% confidence interval"
# Reached of registered per IMD quintile: 9.0, 15.0, 14.0, 13.0 and 13.0 per 1,000; 12.8
# across everyone. Wilson intervals by hand, e.g. 18 of 2,000: p = 0.009, centre 0.009941,
# half-width 0.004241, so 5.7 to 14.2 per 1,000.
QUINTILES = {"1": (18, 2000), "2": (30, 2000), "3": (28, 2000), "4": (26, 2000), "5": (26, 2000)}


@pytest.fixture
def coverage(db):
    groups = {q: coverage_values(r, p) for q, (r, p) in QUINTILES.items()}
    groups["unknown"] = coverage_values(5, 500)  # 5 reached: withheld
    snapshot_rows(
        "coverage",
        total={
            **coverage_values(128, 10000),
            "unregistered_reached": 0,
            "rate_ratio_q1_q5": 9 / 13,
            "concentration_index": -0.004,
        },
        groups={"imd_quintile": groups},
    )


def _table(html: str, table_id: str = "figures") -> list[list[str]]:
    table = re.search(rf'<table class="nhsuk-table[^"]*" id="{table_id}">(.*?)</table>', html, re.S)
    assert table, f"no table {table_id}"
    return [
        [
            "*" if 'aria-hidden="true">*' in c else re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        ]
        for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S)
    ]


def _chart(html: str) -> dict:
    found = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def test_overview_shows_reach_by_quintile_and_says_who_is_reached_more(
    coverage, client_for, commissioner
):
    html = client_for(commissioner).get("/outcomes/").content.decode()
    card = html[html.index('id="card-coverage"') :]
    assert _table(card, "quintiles-coverage") == [
        ["1 (most deprived)", "9.0"],
        ["2", "15.0"],
        ["3", "14.0"],
        ["4", "13.0"],
        ["5 (least deprived)", "13.0"],
    ]
    assert (
        "The most deprived fifth of areas (IMD quintile 1) is reached less than the least "
        "deprived fifth (quintile 5): 9.0 against 13.0 reached per 1,000 registered, and 12.8 "
        "across everyone. Their 95% confidence intervals overlap, so the difference may be no "
        "more than chance."
    ) in card
    # A concentration index of -0.004 is not "-0.0".
    assert re.search(r"Concentration index[^<]*</dt><dd data-figure>0\.00<", card)


def test_quintile_table_and_csv_give_intervals_and_withhold_them_with_the_rate(
    coverage, client_for, commissioner
):
    client = client_for(commissioner)
    html = client.get(COVERAGE).content.decode()
    rows = _table(html)
    assert rows[0][:5] == [
        "Deprivation (IMD quintile)",
        "Registered population",
        "Registered people reached",
        "Reached per 1,000 registered",
        f"Reached per 1,000 registered: {INTERVAL}",
    ]
    assert rows[1][:5] == ["1 (most deprived)", "2,000", "18", "9.0", "5.7 to 14.2"]
    assert rows[5][:5] == ["5 (least deprived)", "2,000", "26", "13.0", "8.9 to 19.0"]
    assert rows[6][:5] == ["Unknown", "500", "*", "*", "*"]
    assert 'id="gradient"' in html
    csv_rows = list(csv.reader(io.StringIO(client.get(f"{COVERAGE}csv/").content.decode())))
    # The table's columns, between what the figures are and the rule they were shown under.
    assert [r[7:-3] for r in csv_rows] == rows
    chart = _chart(html)
    assert chart["withheld"] == [False, False, False, False, False, True]
    assert chart["intervals"][0] == [5.7, 14.2]
    assert chart["intervals"][5] is None
    assert chart["x_title"] == "Deprivation (IMD quintile)"
    assert chart["y_title"] == "Reached per 1,000 registered"
    assert "withheld: Unknown" in chart["description"]
    key = re.search(r'<figcaption class="nhsuk-body-s" id="chart-key">(.*?)</figcaption>', html)
    assert key.group(1) == (
        "Vertical axis: reached per 1,000 registered. A dashed outline marked "
        "<strong>* withheld</strong> is a withheld figure, not zero. Lines over the bars show "
        "95% confidence intervals."
    )


def test_chart_axis_names_the_unit_of_several_values(db, client_for, commissioner):
    snapshot_rows("friends", total=change_values(120))
    html = client_for(commissioner).get("/outcomes/metrics/friends/").content.decode()
    chart = _chart(html)
    assert (chart["x_title"], chart["y_title"]) == ("Measure", "Per cent (%)")
    assert chart["withheld"] == [False, False, False]
    assert chart["intervals"] == [[41.2, 58.8], [18.1, 33.4], [18.1, 33.4]]
    assert "Vertical axis: per cent (%). Lines over the bars" in html
    assert "withheld figure, not zero" not in html


def test_overall_table_gives_each_rate_and_percentage_its_interval(
    coverage, client_for, commissioner
):
    rows = _table(client_for(commissioner).get(COVERAGE, {"dimension": "total"}).content.decode())
    assert rows[0] == ["Measure", "Figure"]
    at = rows.index(["Reached per 1,000 registered", "12.8"])
    assert rows[at + 1] == [f"Reached per 1,000 registered: {INTERVAL}", "10.8 to 15.2"]
    assert ["Concentration index (below 0: more deprived reached more)", "0.00"] in rows


def test_percentage_intervals_rest_on_the_recovered_numerator(db, client_for, commissioner):
    # 120 people, 60 more friends (50 %): Wilson 41.2 to 58.8.
    snapshot_rows("friends", total=change_values(120))
    rows = _table(client_for(commissioner).get("/outcomes/metrics/friends/").content.decode())
    pct = next(r for r in rows if r[0] == "% with more friends")
    assert rows[rows.index(pct) + 1] == [f"% with more friends: {INTERVAL}", "41.2 to 58.8"]
    # Means stored without a standard deviation (computed before it was stored) have none.
    assert not any(r[0].startswith("Mean friends at baseline:") for r in rows)


def test_withheld_percentage_has_a_withheld_interval(db, client_for, commissioner):
    snapshot_rows("friends", total=change_values(5))
    rows = _table(client_for(commissioner).get("/outcomes/metrics/friends/").content.decode())
    assert [f"% with more friends: {INTERVAL}", "*"] in rows


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (-0.04, "", "0.0"),
        (-0.04, "index", "-0.04"),
        (-0.004, "index", "0.00"),
        (0.004, "index", "0.00"),
        (-0.18, "index", "-0.2"),
        (-1.75, "", "-1.8"),
    ],
)
def test_zero_has_no_sign_and_a_small_index_two_decimals(value, kind, text):
    from outcomes.presentation import cell_text

    assert cell_text(value, withheld=False, kind=kind) == text


# --- withheld, and why -----------------------------------------------------------------------


def _friends_83() -> dict:
    # A cohort of 83 in which 5 people reported the same number of friends.
    return {
        "n": 83,
        "mean_baseline": 2.0,
        "mean_followup": 3.0,
        "mean_change": 1.0,
        "pct_increased": 40 / 83 * 100,
        "pct_no_change": 5 / 83 * 100,
        "pct_decreased": 38 / 83 * 100,
    }


def test_percentages_withheld_in_a_large_cohort_say_why(db, client_for, commissioner):
    snapshot_rows("friends", total=_friends_83())
    html = client_for(commissioner).get("/outcomes/metrics/friends/").content.decode()
    rows = _table(html)
    assert ["People in the cohort", "83"] in rows
    assert ["% with the same number", "*"] in rows
    reasons = re.search(r'<ul id="withheld-reasons">(.*?)</ul>', html, re.S).group(1)
    assert (
        "% with the same number is withheld because it counts only 1 to 7 of the 83 (people "
        "in the cohort)."
    ) in reasons
    assert (
        "% with more friends and % with fewer friends are withheld because together with "
        "% with the same number the 3 figures add up to 100, so % with the same number could "
        "be worked out from them."
    ) in reasons
    # No small number is given away.
    assert "5" not in re.sub(r"<[^>]+>", "", reasons).replace("1 to 7", "")


def test_a_small_cohort_and_a_small_count_say_why(db, client_for, commissioner):
    snapshot_rows("friends", total=change_values(120), groups={"sex": {"other": change_values(3)}})
    html = (
        client_for(commissioner)
        .get("/outcomes/metrics/friends/", {"dimension": "sex"})
        .content.decode()
    )
    reasons = re.search(r'<ul id="withheld-reasons">(.*?)</ul>', html, re.S).group(1)
    assert "Other: People in the cohort is withheld because it is a count from 1 to 7." in reasons
    assert (
        "Other: Mean friends at baseline, Mean friends at follow-up, Mean change in friends "
        "(follow-up − baseline), % with more friends, % with the same number and % with fewer "
        "friends are withheld because people in the cohort is from 1 to 7." in reasons
    )


def test_administrators_get_no_reasons(db, client_for, admin_user):
    snapshot_rows("friends", total=_friends_83())
    html = client_for(admin_user).get("/outcomes/metrics/friends/").content.decode()
    assert 'id="withheld-reasons"' not in html


def test_reasons_for_an_index_resting_on_a_small_quintile():
    from outcomes.suppression import row_suppress, withheld_reasons

    quintiles = {q: {"population": 1000, "reached": 20} for q in "12345"}
    quintiles["5"] = {"population": 1000, "reached": 3}
    values = {
        "population": 5000,
        "reached": 83,
        "reach_per_1000": 16.6,
        "rate_ratio_q1_q5": 6.7,
        "concentration_index": -0.1,
    }
    _shown, withheld = row_suppress(metric="coverage", values=values, quintiles=quintiles)
    reasons = withheld_reasons(
        metric="coverage", values=values, withheld=withheld, quintiles=quintiles
    )
    assert reasons == {
        "rate_ratio_q1_q5": "a deprivation quintile it is worked out from has a count from 1 to 7",
        "concentration_index": (
            "a deprivation quintile it is worked out from has a count from 1 to 7"
        ),
    }

"""Complementary suppression: no count from 1 to 7 can be worked out by subtraction from what
a commissioner sees (other groups, the total, other levels, a count two metrics share), in
the API and the CSV alike; checked on random tables, two known leaks and the demo data."""

from __future__ import annotations

import csv
import io
import random
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from outcomes.metrics.dimensions import DIMENSIONS
from outcomes.metrics.registry import METRIC_NAMES, METRICS
from outcomes.models import MetricSnapshot
from outcomes.selectors import snapshot_rows_list
from outcomes.suppression import rows_present
from socialrx.disclosure import Sum, Table, determined, protect, recoverable
from tests.outcomes.disclosure_check import recovered
from tests.outcomes.factories_dashboard import Q1, change_values, snapshot_rows
from tests.socialrx.factories import PCNFactory, PracticeFactory

Q1_PARAMS = {"start": "2026-01-01", "end": "2026-03-31"}

# --- random tables --------------------------------------------------------------------------


def _friends_values(people: list[tuple[int, int]]) -> dict[str, Any]:
    """friends values of a cohort given as (baseline, follow-up) pairs."""
    n = len(people)
    if not n:
        return change_values(0)
    changes = [f - b for b, f in people]
    return {
        "n": n,
        "mean_baseline": sum(b for b, _ in people) / n,
        "mean_followup": sum(f for _, f in people) / n,
        "mean_change": sum(changes) / n,
        "pct_increased": sum(c > 0 for c in changes) / n * 100,
        "pct_no_change": sum(c == 0 for c in changes) / n * 100,
        "pct_decreased": sum(c < 0 for c in changes) / n * 100,
    }


def _random_world(rng: random.Random) -> list[dict[str, Any]]:
    """Consistent friends, connections and citizen_led rows, at every level, built from
    random people: a few practices in one or two PCNs (one maybe in none), some people with
    no practice, most groups small."""
    pcns = [f"U{i}" for i in range(rng.randint(1, 2))]
    practices = {f"P{i}": rng.choice([*pcns, None]) for i in range(rng.randint(1, 5))}
    size = rng.choice([5, 15, 40, 90])
    people = []
    for _ in range(rng.randint(0, size)):
        base = rng.randint(0, 6)
        people.append(
            {
                "practice": rng.choice([*practices, None]) if rng.random() < 0.9 else None,
                "sex": rng.choice(["female", "female", "male", "other", "unknown"]),
                "imd_quintile": rng.choice(["1", "2", "2", "3", "5", "unknown"]),
                "friends": (base, max(0, base + rng.randint(-2, 3))),
                "kind": rng.choice(["signpost", "signpost", "supported", "accompanied"]),
                "outcome": rng.choice(["attended", "attended", "pending", "did_not_attend"]),
                "category": rng.choice(DIMENSIONS["category"].groups[:3]),
                "citizen": rng.random() < 0.4,
            }
        )
    places: list[tuple[str, str, Any]] = [("all", "", lambda p: True)]
    for pcn in pcns:
        members = {c for c, owner in practices.items() if owner == pcn}
        if members:
            places.append(("pcn", pcn, lambda p, m=members: p["practice"] in m))
    for code in practices:
        places.append(("practice", code, lambda p, c=code: p["practice"] == c))
    rows: list[dict[str, Any]] = []

    def add(metric: str, level: str, code: str, dim: str, group: str, values: dict) -> None:
        pcn = practices.get(code) if level == "practice" else None
        rows.append(
            {
                "metric": metric,
                "level": level,
                "code": code,
                "dimension": dim,
                "group": group,
                "values": values,
                "pcn": pcn,
            }
        )

    for level, code, member in places:
        mine = [p for p in people if member(p)]
        for dim in ("total", "sex", "imd_quintile"):
            for group in DIMENSIONS[dim].groups:
                cohort = [p for p in mine if dim == "total" or p[dim] == group]
                add(
                    "friends",
                    level,
                    code,
                    dim,
                    group,
                    _friends_values([p["friends"] for p in cohort]),
                )
        for dim in ("total", "kind", "outcome"):
            for group in DIMENSIONS[dim].groups:
                cohort = [p for p in mine if dim == "total" or p[dim] == group]
                add("connections", level, code, dim, group, {"connections": len(cohort)})
    for dim in ("total", "category"):
        for group in DIMENSIONS[dim].groups:
            cohort = [p for p in people if dim == "total" or p["category"] == group]
            made, citizen = len(cohort), sum(p["citizen"] for p in cohort)
            add(
                "citizen_led",
                "all",
                "",
                dim,
                group,
                {
                    "connections": made,
                    "connections_to_citizen_led": citizen,
                    "connections_citizen_share": citizen / made * 100 if made else None,
                },
            )
    return rows


def _shown(rows: list[dict[str, Any]], metric: str, *, exact: bool = False) -> list[dict]:
    return [{**r, "metric": metric} for r in rows_present(metric=metric, rows=rows, exact=exact)]


def _shown_all(rows: list[dict[str, Any]]) -> list[dict]:
    """What a commissioner sees of every metric (each decided with the rows it shares)."""
    return [r for metric in ("friends", "connections", "citizen_led") for r in _shown(rows, metric)]


def test_random_tables_leave_no_small_count_recoverable():
    """For many random worlds: nothing from 1 to 7 that suppression withholds can be worked
    out from everything shown, by any linear combination of the breakdowns, the levels, the
    percentages' counts and the count two metrics share. Primary suppression alone leaks in
    most of the same worlds, so the check is not vacuous."""
    rng = random.Random(20260301)
    leaks_before = 0
    for _ in range(60):
        rows = _random_world(rng)
        assert recovered(rows, _shown_all(rows)) == [], rows
        leaks_before += bool(recovered(rows, _primary_only(rows)))
    assert leaks_before > 20


def _primary_only(rows: list[dict[str, Any]]) -> list[dict]:
    """The rows with only counts (and what rests on them) from 1 to 7 withheld, each row on
    its own: how they were shown before complementary suppression."""
    shown = []
    for r in rows:
        alone = {**r, "level": "all", "code": "", "dimension": "total", "group": "all"}
        shown.append({**r, "values": _shown([alone], r["metric"])[0]["values"]})
    return shown


def test_random_tables_are_suppressed_the_same_whatever_the_row_order():
    rng = random.Random(7)
    rows = _random_world(rng)
    first = _shown(rows, "friends")
    rng.shuffle(rows)
    again = _shown(rows, "friends")
    key = lambda r: (r["level"], r["code"], r["dimension"], r["group"])  # noqa: E731
    assert sorted((key(r), r["withheld"]) for r in first) == sorted(
        (key(r), r["withheld"]) for r in again
    )


def test_administrators_still_see_every_exact_value():
    rows = _random_world(random.Random(3))
    exact = _shown(rows, "friends", exact=True)
    assert all(not r["withheld"] for r in exact)
    by_key = {(r["metric"], r["level"], r["code"], r["dimension"], r["group"]): r for r in rows}
    for r in exact:
        key = ("friends", r["level"], r["code"], r["dimension"], r["group"])
        assert r["values"] == by_key[key]["values"]


# --- the engine on its own ------------------------------------------------------------------


def _table(values: dict, sums: list[tuple], hidden: set | None = None) -> Table:
    t = Table(values=dict(values), sums=[], hidden=set(hidden or ()), requires={})
    for total, parts in sums:
        t.add_sum(total, parts, residual=("rest", total))
    return t


def test_one_withheld_group_gets_a_partner_and_their_sum_is_not_small():
    t = _table({"T": 10, "f": 8, "m": 2, "o": 0, "u": 0}, [("T", ["f", "m", "o", "u"])])
    withheld = protect(t)
    assert withheld == {"m", "f"}  # 10 = 8 + * + 0 + 0 would give the 2 away
    assert recoverable(t, withheld) == []


def test_zeros_are_never_chosen_to_hide_a_small_count():
    # Withholding a 0 beside the 3 would leave the withheld sum at 3: the 0 stays shown and
    # the total (3, itself small) is withheld.
    t = _table({"T": 3, "a": 3, "b": 0}, [("T", ["a", "b"])])
    assert protect(t) == {"T", "a"}


def test_two_small_groups_adding_up_to_seven_get_a_third():
    t = _table({"T": 40, "a": 3, "b": 4, "c": 9, "d": 24}, [("T", ["a", "b", "c", "d"])])
    withheld = protect(t)
    assert withheld == {"a", "b", "c"}
    assert recoverable(t, withheld) == []


def test_levels_and_breakdowns_together_are_solved_as_one_system():
    """Two practices by two groups with the PCN and the totals: the 2 at (P1, x) needs a
    partner in its row and in its column, and then one more cell to close the rectangle."""
    v = {
        ("P1", "x"): 2, ("P1", "y"): 20, ("P1", "t"): 22,
        ("P2", "x"): 30, ("P2", "y"): 40, ("P2", "t"): 70,
        ("N", "x"): 32, ("N", "y"): 60, ("N", "t"): 92,
    }  # fmt: skip
    sums = [((p, "t"), [(p, "x"), (p, "y")]) for p in ("P1", "P2", "N")]
    sums += [(("N", g), [("P1", g), ("P2", g)]) for g in ("x", "y", "t")]
    t = _table(v, sums)
    withheld = protect(t)
    assert {("P1", "x"), ("P1", "y"), ("P2", "x"), ("P2", "y")} <= withheld
    assert recoverable(t, withheld) == []
    assert not determined(t.sums, withheld) & {("P1", "x")}


def test_a_never_shown_rest_is_protected_too():
    # All = practices + people with no practice (3, never shown): 50 - 47 would give it away.
    t = _table({"all": 50, "P1": 20, "P2": 27}, [("all", ["P1", "P2"])])
    withheld = protect(t)
    assert ("rest", "all") in withheld
    assert withheld & {"P1", "P2"}
    assert recoverable(t, withheld) == []


def test_determined_finds_a_cell_only_a_combination_of_sums_gives():
    sums = [Sum("k1", ("a", "b")), Sum("k2", ("b", "c")), Sum("k3", ("a", "c"))]
    assert determined(sums, {"a", "b", "c"}) == {"a", "b", "c"}
    assert determined(sums[:2], {"a", "b", "c"}) == set()


# --- the two leaks found in review, through the API and the CSV ------------------------------


@pytest.fixture
def b87002(db):
    """Friends in PCN U87000 of practices B87002 (10: female 8, male 2, other 0, unknown 0)
    and B87003 (30: female 14, male 16); everyone registered. Values are worked out from
    people, so every level and breakdown adds up as computed figures do."""
    pcn = PCNFactory(code="U87000", name="River PCN")
    PracticeFactory(ods_code="B87002", name="Mill Lane Surgery", pcn=pcn)
    PracticeFactory(ods_code="B87003", name="Weir Road Practice", pcn=pcn)
    rng = random.Random(87002)
    sizes = {"B87002": {"female": 8, "male": 2}, "B87003": {"female": 14, "male": 16}}
    people = [
        (code, sex, (base := rng.randint(0, 5), base + rng.randint(-1, 2)))
        for code, by_sex in sizes.items()
        for sex, count in by_sex.items()
        for _ in range(count)
    ]

    def rows_for(level: str, code: str, mine: list) -> None:
        snapshot_rows(
            "friends",
            total=_friends_values([p for *_, p in mine]),
            groups={
                "sex": {
                    sex: _friends_values([p for _, s, p in mine if s == sex])
                    for sex in DIMENSIONS["sex"].groups
                }
            },
            level=level,
            code=code,
        )

    for code in sizes:
        rows_for("practice", code, [p for p in people if p[0] == code])
    rows_for("pcn", "U87000", people)
    rows_for("all", "", people)


def _api_rows(user, **params) -> list[dict]:
    client = APIClient()
    client.force_login(user)
    response = client.get("/api/v1/metrics/friends/", {**Q1_PARAMS, **params})
    assert response.status_code == 200
    return response.json()["rows"]


def _by(rows: list[dict], code: str | None, dim: str, group: str) -> dict:
    return next(
        r
        for r in rows
        if (r["code"] or None) == code and (r["dimension"], r["group"]) == (dim, group)
    )


def test_api_no_longer_gives_away_the_male_group_of_b87002(b87002, commissioner):
    rows = _api_rows(commissioner, level="practice", code="B87002")
    male, female = _by(rows, "B87002", "sex", "male"), _by(rows, "B87002", "sex", "female")
    assert male["values"]["n"] is None
    # Before: 10 − 8 − 0 − 0 = 2. Now the female group is withheld with it.
    assert female["values"]["n"] is None and female["suppressed"] is True
    assert _by(rows, "B87002", "total", "all")["values"]["n"] == 10
    assert _by(rows, "B87002", "sex", "other")["values"]["n"] == 0


def test_api_pcn_total_minus_practices_gives_nothing_away(b87002, commissioner):
    """Every row the API returns, at every level: nothing from 1 to 7 is recoverable."""
    shown = _api_rows(commissioner)
    exact = snapshot_rows_list(metric="friends", start=Q1[0], end=Q1[1], window=0)
    for r in shown:
        r["metric"], r["code"] = "friends", r["code"] or ""
        r["pcn"] = "U87000" if r["level"] == "practice" else None
    assert recovered(exact, shown) == []
    # The male groups: PCN 18 = B87002 (2) + B87003 (16): both practices' male groups hidden.
    assert _by(shown, "B87003", "sex", "male")["values"]["n"] is None
    assert _by(shown, "U87000", "sex", "male")["values"]["n"] == 18


def test_admin_api_still_shows_b87002_exactly(b87002, admin_user):
    rows = _api_rows(admin_user, level="practice", code="B87002")
    assert _by(rows, "B87002", "sex", "male")["values"]["n"] == 2
    assert not any(r["suppressed"] for r in rows)


def _csv_figures(client, **params) -> dict[str, str]:
    response = client.get(
        "/outcomes/metrics/friends/csv/", {"period": "2026-01-01/2026-03-31", **params}
    )
    assert response.status_code == 200, response.content[:300]
    # The table's columns come after what the figures are (metric, period, level, …).
    table = [r[7:-3] for r in csv.reader(io.StringIO(response.content.decode()))]
    return {row[0]: row[1] for row in table[1:]}


def test_csv_no_longer_gives_away_the_male_group_of_b87002(b87002, client_for, commissioner):
    client = client_for(commissioner)
    by_sex = _csv_figures(client, level="practice", code="B87002", dimension="sex")
    assert by_sex["Male"] == "*"
    assert by_sex["Female"] == "*"
    assert by_sex["Other"] == "0"
    assert (
        _csv_figures(client, level="practice", code="B87002", dimension="total")[
            "People in the cohort"
        ]
        == "10"
    )


def test_csv_pcn_total_minus_its_practices_gives_nothing_away(b87002, client_for, commissioner):
    client = client_for(commissioner)
    pcn = _csv_figures(client, level="pcn", code="U87000", dimension="sex")["Male"]
    practices = [
        _csv_figures(client, level="practice", code=code, dimension="sex")["Male"]
        for code in ("B87002", "B87003")
    ]
    assert pcn == "18"
    assert practices == ["*", "*"]  # 18 − 16 would have given the 2 away


def test_csv_and_api_withhold_the_same_cells(b87002, client_for, commissioner):
    api = _api_rows(commissioner, level="practice", code="B87002")
    csv_rows = _csv_figures(
        client_for(commissioner), level="practice", code="B87002", dimension="sex"
    )
    for group, label in (("female", "Female"), ("male", "Male"), ("other", "Other")):
        assert (_by(api, "B87002", "sex", group)["values"]["n"] is None) == (csv_rows[label] == "*")


# --- the demo data --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", stdout=io.StringIO())
        yield
        call_command("flush", interactive=False, verbosity=0)


def _demo_periods() -> list[tuple]:
    """The period a commissioner sees first, the latest quarter, with every window computed
    for it (demand's included). Every period goes through the same suppression; checking all
    nine the demo computes would take half an hour (the checker tries every combination of
    shown cells), for no path this one does not take."""
    periods = sorted(set(MetricSnapshot.objects.values_list("start", "end", "window")))
    quarters = [(start, end) for start, end, _ in periods if (end - start).days < 100]
    latest = max(quarters, key=lambda p: (p[1], p[0]))
    return [p for p in periods if (p[0], p[1]) == latest]


def test_demo_data_has_no_recoverable_small_count(demo_once, db):
    """The demo's latest quarter, every metric and level, seen together as one commissioner
    sees them: zero recoverable cells, where primary suppression alone left many."""
    before = 0
    metrics_checked: set[str] = set()
    for start, end, window in _demo_periods():
        rows = snapshot_rows_list(
            metric="friends", start=start, end=end, window=window, sharing=METRIC_NAMES
        )
        for r in rows:
            r["code"] = r["code"] or ""
        metrics = {r["metric"] for r in rows}
        shown = [r for metric in metrics for r in _shown(rows, metric)]
        assert recovered(rows, shown) == [], (start, end, window)
        before += len(recovered(rows, _primary_only(rows)))
        metrics_checked |= metrics
    assert metrics_checked == set(METRICS)
    assert before > 0

"""M1 friends and wellbeing: baseline, follow-up window, cohort, groups and levels."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from socialrx.models import LsoaImd, Postcode
from tests.outcomes.factories import ALL, PersonFactory, SwemwbsResponseFactory, snapshot_rows
from tests.referrals.factories import FriendsObservationFactory
from tests.socialrx.factories import PCNFactory, PracticeFactory

pytestmark = pytest.mark.django_db

Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
BASE = dt.date(2025, 11, 20)


def observe(person, day, count):
    return FriendsObservationFactory(person=person, observed_on=day, friends_count=count)


def test_follow_up_exactly_56_days_after_baseline_counts_and_55_does_not():
    counted, not_counted = PersonFactory(), PersonFactory()
    observe(counted, dt.date(2025, 12, 1), 1)
    observe(counted, dt.date(2025, 12, 1) + dt.timedelta(days=56), 3)
    observe(not_counted, dt.date(2025, 12, 1), 1)
    observe(not_counted, dt.date(2025, 12, 1) + dt.timedelta(days=55), 5)

    values = snapshot_rows("friends", *Q1)[ALL]

    assert values["n"] == 1
    assert values["mean_baseline"] == 1
    assert values["mean_followup"] == 3


def test_baseline_is_earliest_ever_and_follow_up_is_latest_in_period():
    person = PersonFactory()
    observe(person, dt.date(2025, 6, 1), 0)  # baseline, long before the period
    observe(person, dt.date(2025, 9, 1), 9)  # neither baseline nor in the period
    observe(person, dt.date(2026, 1, 10), 2)
    observe(person, dt.date(2026, 3, 31), 4)  # latest in the period: the follow-up
    observe(person, dt.date(2026, 4, 1), 7)  # after the period

    values = snapshot_rows("friends", *Q1)[ALL]

    assert values == {
        "n": 1,
        "mean_baseline": 0.0,
        "mean_followup": 4.0,
        "mean_change": 4.0,
        "pct_increased": 100.0,
        "pct_no_change": 0.0,
        "pct_decreased": 0.0,
        # One person: no standard deviation, so no interval for the means.
        "sd_baseline": None,
        "sd_followup": None,
        "sd_change": None,
    }


def test_shares_of_increased_same_and_decreased():
    for before, after in [(1, 3), (2, 2), (4, 1), (0, 5)]:
        person = PersonFactory()
        observe(person, BASE, before)
        observe(person, dt.date(2026, 2, 1), after)

    values = snapshot_rows("friends", *Q1)[ALL]

    assert values["n"] == 4
    assert values["mean_baseline"] == pytest.approx(7 / 4)
    assert values["mean_followup"] == pytest.approx(11 / 4)
    assert values["mean_change"] == pytest.approx(1.0)
    assert values["pct_increased"] == 50.0
    assert values["pct_no_change"] == 25.0
    assert values["pct_decreased"] == 25.0


def test_empty_cohort_has_n_zero_and_null_means():
    person = PersonFactory()
    observe(person, dt.date(2026, 2, 1), 3)  # a baseline only: no follow-up

    rows = snapshot_rows("friends", *Q1)

    assert rows[ALL] == {
        "n": 0,
        "mean_baseline": None,
        "mean_followup": None,
        "mean_change": None,
        "pct_increased": None,
        "pct_no_change": None,
        "pct_decreased": None,
        "sd_baseline": None,
        "sd_followup": None,
        "sd_change": None,
    }
    # Every group of every dimension has a row, even when empty.
    assert rows[("all", "", "age_band", "85+")]["n"] == 0
    assert rows[("all", "", "imd_quintile", "unknown")]["n"] == 0


def test_levels_person_without_practice_counts_in_all_only():
    pcn = PCNFactory(code="U11111")
    practice = PracticeFactory(ods_code="A11111", pcn=pcn)
    registered, unregistered = PersonFactory(practice=practice), PersonFactory(practice=None)
    for person in (registered, unregistered):
        observe(person, BASE, 1)
        observe(person, dt.date(2026, 2, 1), 2)

    rows = snapshot_rows("friends", *Q1)

    assert rows[ALL]["n"] == 2
    assert rows[("pcn", "U11111", "total", "all")]["n"] == 1
    assert rows[("practice", "A11111", "total", "all")]["n"] == 1
    assert rows[("practice", "A11111", "sex", "female")]["n"] == 0


def test_groups_imd_from_own_decile_then_lsoa_then_postcode():
    LsoaImd.objects.create(lsoa_code="E01000001", imd_decile=3)  # quintile 2
    LsoaImd.objects.create(lsoa_code="E01000002", imd_decile=10)  # quintile 5
    Postcode.objects.create(postcode="LS11AB", lsoa_code="E01000002")
    people = [
        PersonFactory(imd_decile=1, lsoa_code="E01000002"),  # own decile wins: q1
        PersonFactory(lsoa_code="E01000001", postcode="LS1 1AB"),  # LSOA before postcode: q2
        PersonFactory(postcode="ls1 1ab"),  # postcode, any case and spacing: q5
        PersonFactory(postcode="M1 1AE"),  # postcode not in the look-up: unknown
    ]
    for person in people:
        observe(person, BASE, 1)
        observe(person, dt.date(2026, 2, 1), 2)

    rows = snapshot_rows("friends", *Q1)

    counts = {q: rows[("all", "", "imd_quintile", q)]["n"] for q in ("1", "2", "3", "5", "unknown")}
    assert counts == {"1": 1, "2": 1, "3": 0, "5": 1, "unknown": 1}


def test_groups_age_on_period_end_sex_and_ethnicity():
    people = [
        # 18 on 31 March 2026 exactly: 18-24.
        PersonFactory(date_of_birth=dt.date(2008, 3, 31), sex="male", ethnicity="asian"),
        # 18 on 1 April 2026: still 17 at the period's end.
        PersonFactory(date_of_birth=dt.date(2008, 4, 1), sex="other", ethnicity="black"),
        PersonFactory(date_of_birth=None, sex="unknown", ethnicity="unknown"),
        PersonFactory(date_of_birth=dt.date(1930, 1, 1), sex="female", ethnicity="mixed"),
    ]
    for person in people:
        observe(person, BASE, 1)
        observe(person, dt.date(2026, 2, 1), 2)

    rows = snapshot_rows("friends", *Q1)

    def n(dim, group):
        return rows[("all", "", dim, group)]["n"]

    assert (n("age_band", "18-24"), n("age_band", "0-17"), n("age_band", "unknown")) == (1, 1, 1)
    assert n("age_band", "85+") == 1
    assert [n("sex", s) for s in ("female", "male", "other", "unknown")] == [1, 1, 1, 1]
    assert n("ethnicity", "white") == 0
    assert n("ethnicity", "asian") == n("ethnicity", "black") == n("ethnicity", "mixed") == 1


def test_wellbeing_uses_the_swemwbs_metric_score_with_the_same_cohort_rule():
    person, too_soon = PersonFactory(), PersonFactory()
    SwemwbsResponseFactory(person=person, completed_on=BASE, metric_score=Decimal("17.43"))
    SwemwbsResponseFactory(
        person=person, completed_on=dt.date(2026, 3, 1), metric_score=Decimal("23.21")
    )
    SwemwbsResponseFactory(person=too_soon, completed_on=dt.date(2026, 1, 1))
    SwemwbsResponseFactory(person=too_soon, completed_on=dt.date(2026, 2, 25))  # 55 days

    values = snapshot_rows("wellbeing", *Q1)[ALL]

    assert values["n"] == 1
    assert values["mean_baseline"] == pytest.approx(17.43)
    assert values["mean_followup"] == pytest.approx(23.21)
    assert values["mean_change"] == pytest.approx(5.78)
    assert values["pct_increased"] == 100.0

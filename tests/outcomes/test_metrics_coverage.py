"""M3 coverage: population, reach per 1,000, rate ratio and concentration index."""

from __future__ import annotations

import datetime as dt

import pytest

from outcomes.metrics.coverage import concentration_index
from tests.outcomes.factories import ALL, PersonFactory, PopulationCellFactory, snapshot_rows
from tests.referrals.factories import ConversationFactory
from tests.socialrx.factories import PCNFactory, PracticeFactory

pytestmark = pytest.mark.django_db

Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def reached(practice, *, decile, count, day=dt.date(2026, 2, 1)):
    for _ in range(count):
        ConversationFactory(person=PersonFactory(practice=practice, imd_decile=decile), held_on=day)


@pytest.fixture
def gradient():
    """Five equal quintiles of 200; reached 10, 8, 6, 4, 2 (most to least deprived)."""
    practice = PracticeFactory(ods_code="C00001", pcn=PCNFactory(code="U22222"))
    for quintile, decile, count in [
        ("1", 1, 10),
        ("2", 3, 8),
        ("3", 5, 6),
        ("4", 7, 4),
        ("5", 9, 2),
    ]:
        PopulationCellFactory(practice=practice, imd_quintile=quintile, count=200)
        reached(practice, decile=decile, count=count)
    return practice


def test_reach_per_1000_by_quintile_and_total(gradient):
    rows = snapshot_rows("coverage", *Q1)

    q1 = rows[("practice", "C00001", "imd_quintile", "1")]
    assert q1 == {"population": 200, "reached": 10, "reach_per_1000": 50.0}
    total = rows[("practice", "C00001", "total", "all")]
    assert total["population"] == 1000
    assert total["reached"] == 30
    assert total["reach_per_1000"] == pytest.approx(30.0)
    assert rows[("pcn", "U22222", "total", "all")]["reached"] == 30


def test_rate_ratio_and_concentration_index_hand_worked(gradient):
    total = snapshot_rows("coverage", *Q1)[ALL]

    # Rates 50, 40, 30, 20, 10 per 1,000; weights 0.2; ranks 0.1, 0.3, ..., 0.9:
    # mu = 30, sum(w h R) = 0.2 × 55 = 11, C = 2/30 × 11 − 1 = −4/15.
    assert total["rate_ratio_q1_q5"] == pytest.approx(5.0)
    assert total["concentration_index"] == pytest.approx(-4 / 15)


def test_concentration_index_positive_when_reach_favours_least_deprived():
    assert concentration_index([1, 1, 1, 1, 1], [1, 2, 3, 4, 5]) == pytest.approx(4 / 15)
    assert concentration_index([1, 1, 1, 1, 1], [3, 3, 3, 3, 3]) == pytest.approx(0.0)
    # Unequal weights: w = 0.5, 0.5 (quintiles 3-5 empty), rates 10 and 0:
    # mu = 5, R1 = 0.25, C = 2/5 × (0.5 × 10 × 0.25) − 1 = −0.5.
    assert concentration_index([1, 1, 0, 0, 0], [10, 0, None, None, None]) == pytest.approx(-0.5)
    assert concentration_index([0, 0, 0, 0, 0], [None] * 5) is None
    assert concentration_index([1, 1, 1, 1, 1], [0, 0, 0, 0, 0]) is None


def test_only_conversations_in_period_count_and_people_are_counted_once():
    practice = PracticeFactory(ods_code="C00002")
    PopulationCellFactory(practice=practice, imd_quintile="unknown", count=500)
    person = PersonFactory(practice=practice)
    ConversationFactory(person=person, held_on=dt.date(2026, 1, 1))
    ConversationFactory(person=person, held_on=dt.date(2026, 3, 31))
    ConversationFactory(person=PersonFactory(practice=practice), held_on=dt.date(2025, 12, 31))
    ConversationFactory(person=PersonFactory(practice=practice), held_on=dt.date(2026, 4, 1))

    total = snapshot_rows("coverage", *Q1)[("practice", "C00002", "total", "all")]

    assert total["reached"] == 1
    assert total["reach_per_1000"] == pytest.approx(2.0)


def test_unregistered_reached_at_level_all_only_and_no_rate_without_population():
    practice = PracticeFactory(ods_code="C00003")
    ConversationFactory(person=PersonFactory(practice=None), held_on=dt.date(2026, 2, 1))
    ConversationFactory(person=PersonFactory(practice=practice), held_on=dt.date(2026, 2, 1))

    rows = snapshot_rows("coverage", *Q1)

    assert rows[ALL]["unregistered_reached"] == 1
    assert rows[ALL]["reached"] == 1  # registered people only
    assert rows[ALL]["population"] == 0
    assert rows[ALL]["reach_per_1000"] is None
    assert rows[ALL]["rate_ratio_q1_q5"] is None
    assert rows[ALL]["concentration_index"] is None
    assert rows[("practice", "C00003", "total", "all")]["unregistered_reached"] is None


def test_population_groups_sum_imported_cells_and_odd_groups_count_as_unknown():
    practice = PracticeFactory(ods_code="C00004")
    PopulationCellFactory(practice=practice, age_band="85+", sex="male", count=7)
    PopulationCellFactory(practice=practice, age_band="85+", sex="female", count=5)
    PopulationCellFactory(practice=practice, age_band="0-17", sex="x", count=3)

    rows = snapshot_rows("coverage", *Q1)

    assert rows[("practice", "C00004", "age_band", "85+")]["population"] == 12
    assert rows[("practice", "C00004", "sex", "unknown")]["population"] == 3
    assert rows[("all", "", "total", "all")]["population"] == 15

"""Wellbeing as the scales' owners publish it, and intervals for means: SWEMWBS metric scores
(the published conversion), the share with a meaningful change, ONS4 thresholds at their
boundaries, and t intervals against hand-computed values."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from outcomes.metrics.change import ONS4_QUESTIONS, SWEMWBS_MEANINGFUL_CHANGE, ons4_band
from outcomes.metrics.intervals import mean_interval, sample_sd, t_critical
from outcomes.metrics.registry import METRICS
from outcomes.presentation import interval_of, interval_text
from referrals.models import Ons4Response
from referrals.questionnaires import swemwbs_metric, swemwbs_score
from tests.outcomes.factories import ALL, PersonFactory, SwemwbsResponseFactory, snapshot_rows

Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
BASE = dt.date(2025, 11, 20)
FOLLOW_UP = dt.date(2026, 2, 1)


# --- t intervals -----------------------------------------------------------------------------


def test_sample_sd_matches_hand_computation():
    values = [2, 4, 4, 4, 5, 5, 7, 9]
    # mean 5; squares 232; (232 − 40²/8) / 7 = 32 / 7
    sd = sample_sd(sum(values), sum(v * v for v in values), len(values))
    assert sd == pytest.approx(math.sqrt(32 / 7))
    assert sample_sd(3.0, 9.0, 1) is None
    assert sample_sd(9.0, 27.0, 3) == 0.0  # all equal: no spread, never a negative variance


def test_t_interval_matches_hand_computation():
    # n = 5, df = 4, t = 2.776: half-width 2.776 × 2 / √5 = 2.4829
    low, high = mean_interval(10.0, 2.0, 5)
    assert low == pytest.approx(10 - 2.776 * 2 / math.sqrt(5))
    assert (round(low, 3), round(high, 3)) == (7.517, 12.483)
    # df between two listed values takes the smaller (wider): 45 -> t(40) = 2.021
    assert t_critical(45) == 2.021
    assert mean_interval(10.0, 2.0, 1) is None


def test_means_get_a_t_interval_from_their_stored_sd():
    info = METRICS["friends"]
    values = {"n": 120, "mean_change": 1.0, "sd_change": 2.0}
    # df 119 -> t(60) = 2.000: 1 ± 2 × 2 / √120 = 1 ± 0.3651
    low, high = interval_of(info, "mean_change", values)
    assert (round(low, 4), round(high, 4)) == (0.6349, 1.3651)
    row = {"values": values, "withheld": []}
    assert interval_text(info, "mean_change", row) == "0.6 to 1.4"
    assert interval_text(info, "mean_change", {**row, "withheld": ["mean_change"]}) == "*"
    # A snapshot stored before standard deviations were has none.
    assert interval_of(info, "mean_change", {"n": 120, "mean_change": 1.0}) is None


# --- SWEMWBS -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "metric"),
    [
        (7, "7.00"),
        (8, "9.51"),
        (14, "15.32"),
        (21, "19.25"),
        (23, "20.73"),
        (28, "25.03"),
        (33, "30.70"),
        (34, "32.55"),
        (35, "35.00"),
    ],
)
def test_swemwbs_conversion_follows_the_published_table(raw, metric):
    assert str(swemwbs_metric(raw_score=raw)) == metric


def test_swemwbs_score_sums_items_then_converts():
    score = swemwbs_score(items=[3, 3, 3, 3, 3, 3, 3])
    assert (score.raw_score, str(score.metric_score)) == (21, "19.25")
    with pytest.raises(ValueError):
        swemwbs_metric(raw_score=6)


def _swemwbs(person, day, raw):
    items = [raw // 7 + (1 if i < raw % 7 else 0) for i in range(7)]
    score = swemwbs_score(items=items)
    return SwemwbsResponseFactory(
        person=person,
        completed_on=day,
        items=list(score.items),
        raw_score=score.raw_score,
        metric_score=score.metric_score,
    )


@pytest.mark.django_db
def test_meaningful_change_share_counts_changes_of_at_least_three_points():
    assert SWEMWBS_MEANINGFUL_CHANGE == 3
    # (baseline raw, follow-up raw): metric change
    pairs = [
        (21, 24),  # 19.25 -> 21.54: +2.29, not meaningful
        (21, 25),  # 19.25 -> 22.35: +3.10, meaningful
        (7, 8),  # 7.00 -> 9.51: +2.51, not meaningful
        (7, 9),  # 7.00 -> 11.25: +4.25, meaningful
        (28, 24),  # 25.03 -> 21.54: -3.49, meaningful decline
        (20, 20),  # no change
    ]
    for before, after in pairs:
        person = PersonFactory()
        _swemwbs(person, BASE, before)
        _swemwbs(person, FOLLOW_UP, after)
    values = snapshot_rows("wellbeing", *Q1)[ALL]
    assert values["n"] == 6
    assert values["pct_improved_meaningfully"] == pytest.approx(2 / 6 * 100)
    assert values["pct_declined_meaningfully"] == pytest.approx(1 / 6 * 100)
    assert values["pct_increased"] == pytest.approx(4 / 6 * 100)
    changes = [2.29, 3.10, 2.51, 4.25, -3.49, 0.0]
    mean = sum(changes) / 6
    assert values["mean_change"] == pytest.approx(mean)
    expected_sd = math.sqrt(sum((c - mean) ** 2 for c in changes) / 5)
    assert values["sd_change"] == pytest.approx(expected_sd)


@pytest.mark.django_db
def test_a_change_of_exactly_three_points_is_meaningful():
    # Metric scores chosen so the change is exactly 3.00 (floating point must not lose it).
    person = PersonFactory()
    SwemwbsResponseFactory(person=person, completed_on=BASE, metric_score="16.36")
    SwemwbsResponseFactory(person=person, completed_on=FOLLOW_UP, metric_score="19.36")
    values = snapshot_rows("wellbeing", *Q1)[ALL]
    assert values["pct_improved_meaningfully"] == 100.0


# --- ONS4 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "band"),
    [
        (0, "low"),
        (4, "low"),
        (5, "medium"),
        (6, "medium"),
        (7, "high"),
        (8, "high"),
        (9, "very_high"),
        (10, "very_high"),
    ],
)
@pytest.mark.parametrize("question", ["life_satisfaction", "worthwhile", "happiness"])
def test_ons4_positive_thresholds_at_boundaries(question, answer, band):
    assert ons4_band(question, answer) == band


@pytest.mark.parametrize(
    ("answer", "band"),
    [
        (0, "very_low"),
        (1, "very_low"),
        (2, "low"),
        (3, "low"),
        (4, "medium"),
        (5, "medium"),
        (6, "high"),
        (10, "high"),
    ],
)
def test_ons4_anxiety_thresholds_are_reversed(answer, band):
    assert ons4_band("anxiety", answer) == band


def test_ons4_answer_outside_0_to_10_is_refused():
    with pytest.raises(ValueError):
        ons4_band("happiness", 11)


def _ons4(person, day, **answers):
    return Ons4Response.objects.create(person=person, completed_on=day, **answers)


@pytest.mark.django_db
def test_ons4_metric_gives_means_and_band_shares_per_question():
    # Boundary answers: 4 | 5 and 8 | 9 for life satisfaction; 1 | 2 and 5 | 6 for anxiety.
    answers = [
        ({"life_satisfaction": 4, "anxiety": 6}, {"life_satisfaction": 5, "anxiety": 5}),
        ({"life_satisfaction": 8, "anxiety": 2}, {"life_satisfaction": 9, "anxiety": 1}),
        ({"life_satisfaction": 6, "anxiety": 10}, {"life_satisfaction": 7, "anxiety": 0}),
        ({"life_satisfaction": 0, "anxiety": 3}, {"life_satisfaction": 10, "anxiety": 4}),
    ]
    for before, after in answers:
        person = PersonFactory()
        _ons4(person, BASE, worthwhile=5, happiness=5, **before)
        _ons4(person, FOLLOW_UP, worthwhile=7, happiness=5, **after)
    values = snapshot_rows("ons4", *Q1)[ALL]
    assert values["n"] == 4
    assert values["life_satisfaction_mean_baseline"] == pytest.approx(4.5)
    assert values["life_satisfaction_mean_followup"] == pytest.approx(7.75)
    assert values["life_satisfaction_mean_change"] == pytest.approx(3.25)
    assert values["life_satisfaction_pct_low_baseline"] == 50.0  # 4 and 0
    assert values["life_satisfaction_pct_medium_baseline"] == 25.0  # 6
    assert values["life_satisfaction_pct_high_baseline"] == 25.0  # 8
    assert values["life_satisfaction_pct_very_high_baseline"] == 0.0
    assert values["life_satisfaction_pct_medium_followup"] == 25.0  # 5
    assert values["life_satisfaction_pct_high_followup"] == 25.0  # 7
    assert values["life_satisfaction_pct_very_high_followup"] == 50.0  # 9 and 10
    assert values["anxiety_pct_high_baseline"] == 50.0  # 6 and 10
    assert values["anxiety_pct_low_baseline"] == 50.0  # 2 and 3
    assert values["anxiety_pct_very_low_followup"] == 50.0  # 1 and 0
    assert values["anxiety_pct_medium_followup"] == 50.0  # 5 and 4
    assert values["worthwhile_pct_medium_baseline"] == 100.0
    assert values["worthwhile_pct_high_followup"] == 100.0
    assert values["happiness_mean_change"] == 0.0
    assert values["happiness_sd_change"] == 0.0
    # Every stored value is described, and each question's bands add up to 100.
    info = METRICS["ons4"]
    assert set(values) == {v.name for v in info.stored_values}
    for group in info.complements:
        assert sum(values[name] for name in group) == pytest.approx(100.0)
    assert set(ONS4_QUESTIONS) == {"life_satisfaction", "worthwhile", "happiness", "anxiety"}

from __future__ import annotations

from decimal import Decimal

import pytest

from referrals.questionnaires import (
    SWEMWBS_COPYRIGHT,
    SWEMWBS_ITEMS,
    SWEMWBS_METRIC,
    ons4_answers,
    swemwbs_metric,
    swemwbs_score,
)


def test_swemwbs_lowest_raw_score_converts_to_seven():
    score = swemwbs_score(items=[1] * 7)
    assert score.raw_score == 7
    assert score.metric_score == Decimal("7.00")


def test_swemwbs_highest_raw_score_converts_to_thirty_five():
    score = swemwbs_score(items=[5] * 7)
    assert score.raw_score == 35
    assert score.metric_score == Decimal("35.00")


@pytest.mark.parametrize(
    ("items", "raw", "metric"),
    [
        ([2, 1, 1, 1, 1, 1, 1], 8, "9.51"),
        ([3, 3, 3, 3, 3, 3, 3], 21, "19.25"),
        ([4, 4, 4, 4, 4, 4, 4], 28, "25.03"),
        ([5, 5, 5, 5, 5, 5, 4], 34, "32.55"),
    ],
)
def test_swemwbs_uses_the_published_conversion(items, raw, metric):
    score = swemwbs_score(items=items)
    assert (score.raw_score, score.metric_score) == (raw, Decimal(metric))
    assert score.items == tuple(items)


def test_conversion_table_covers_every_raw_score_and_rises():
    assert sorted(SWEMWBS_METRIC) == list(range(7, 36))
    values = [SWEMWBS_METRIC[raw] for raw in range(7, 36)]
    assert values == sorted(values)
    assert len(set(values)) == len(values)


@pytest.mark.parametrize("items", [[3] * 6, [3] * 8, []])
def test_swemwbs_needs_all_seven_answers(items):
    with pytest.raises(ValueError, match="seven"):
        swemwbs_score(items=items)


@pytest.mark.parametrize("bad", [0, 6])
def test_swemwbs_answers_are_one_to_five(bad):
    with pytest.raises(ValueError, match="1 to 5"):
        swemwbs_score(items=[3, 3, 3, 3, 3, 3, bad])


@pytest.mark.parametrize("raw", [6, 36])
def test_metric_refuses_impossible_raw_scores(raw):
    with pytest.raises(ValueError):
        swemwbs_metric(raw_score=raw)


def test_swemwbs_has_seven_statements_and_the_copyright_line():
    assert len(SWEMWBS_ITEMS) == 7
    assert "NHS Health Scotland, University of Warwick and University of Edinburgh, 2008" in (
        SWEMWBS_COPYRIGHT
    )


def test_ons4_all_four_answers_are_kept():
    answers = {"life_satisfaction": 7, "worthwhile": 8, "happiness": 0, "anxiety": 10}
    assert ons4_answers(answers=answers) == answers


def test_ons4_none_answered_is_no_response():
    assert ons4_answers(answers={}) is None
    assert ons4_answers(answers={"happiness": None, "anxiety": ""}) is None


def test_ons4_some_but_not_all_is_refused():
    with pytest.raises(ValueError, match="all four"):
        ons4_answers(answers={"life_satisfaction": 7, "worthwhile": 8})


def test_ons4_zero_counts_as_an_answer():
    with pytest.raises(ValueError, match="all four"):
        ons4_answers(answers={"life_satisfaction": 0})


@pytest.mark.parametrize("bad", [-1, 11])
def test_ons4_answers_are_zero_to_ten(bad):
    with pytest.raises(ValueError, match="0 to 10"):
        ons4_answers(
            answers={"life_satisfaction": bad, "worthwhile": 5, "happiness": 5, "anxiety": 5}
        )

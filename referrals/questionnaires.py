"""The wellbeing questionnaires offered in a "what matters to you" conversation, and their
scoring. Pure functions with no database access, so that the outcomes app (which computes the
``wellbeing`` metric, docs/metrics.md) scores exactly as the conversation form does."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

# --- SWEMWBS ---------------------------------------------------------------------------------

SWEMWBS_COPYRIGHT = (
    "SWEMWBS © NHS Health Scotland, University of Warwick and University of Edinburgh, 2008, "
    "all rights reserved."
)

SWEMWBS_INTRO = (
    "Below are some statements about feelings and thoughts. Please choose the answer that best "
    "describes your experience of each over the last 2 weeks."
)

# The seven statements, in questionnaire order (the order ``SwemwbsResponse.items`` keeps).
SWEMWBS_ITEMS: tuple[str, ...] = (
    "I've been feeling optimistic about the future",
    "I've been feeling useful",
    "I've been feeling relaxed",
    "I've been dealing with problems well",
    "I've been thinking clearly",
    "I've been feeling close to other people",
    "I've been able to make up my own mind about things",
)

SWEMWBS_ANSWERS: tuple[tuple[int, str], ...] = (
    (1, "None of the time"),
    (2, "Rarely"),
    (3, "Some of the time"),
    (4, "Often"),
    (5, "All of the time"),
)

# Raw score (the seven items summed, 7–35) to metric score. The raw sum is not an interval
# scale; the owners publish this Rasch-derived conversion so that means and changes can be
# compared across studies. Source: "SWEMWBS raw score to metric score conversion table",
# Warwick Medical School, https://warwick.ac.uk/fac/sci/med/research/platform/wemwbs/using/
# howto/swemwbs_raw_score_to_metric_score_conversion_table.pdf (scoring guidance:
# https://warwick.ac.uk/fac/med/research/platform/wemwbs/researchers/guidance/), after
# Stewart-Brown et al. (2009), Health and Quality of Life Outcomes 7:15.
SWEMWBS_METRIC: dict[int, Decimal] = {
    raw: Decimal(metric)
    for raw, metric in {
        7: "7.00",
        8: "9.51",
        9: "11.25",
        10: "12.40",
        11: "13.33",
        12: "14.08",
        13: "14.75",
        14: "15.32",
        15: "15.84",
        16: "16.36",
        17: "16.88",
        18: "17.43",
        19: "17.98",
        20: "18.59",
        21: "19.25",
        22: "19.98",
        23: "20.73",
        24: "21.54",
        25: "22.35",
        26: "23.21",
        27: "24.11",
        28: "25.03",
        29: "26.02",
        30: "27.03",
        31: "28.13",
        32: "29.31",
        33: "30.70",
        34: "32.55",
        35: "35.00",
    }.items()
}


@dataclass(frozen=True)
class SwemwbsScore:
    items: tuple[int, ...]
    raw_score: int
    metric_score: Decimal


def swemwbs_metric(*, raw_score: int) -> Decimal:
    """The metric score for a raw score of 7–35."""
    try:
        return SWEMWBS_METRIC[raw_score]
    except KeyError:
        raise ValueError(f"A SWEMWBS raw score is 7 to 35, not {raw_score}") from None


def swemwbs_score(*, items: Sequence[int]) -> SwemwbsScore:
    """Score the seven answers (each 1–5, in questionnaire order). A partly answered
    questionnaire has no valid score, so anything but seven answers is refused."""
    values = tuple(int(v) for v in items)
    if len(values) != len(SWEMWBS_ITEMS):
        raise ValueError("SWEMWBS needs an answer to all seven statements")
    if any(v < 1 or v > 5 for v in values):
        raise ValueError("Each SWEMWBS answer is 1 to 5")
    raw = sum(values)
    return SwemwbsScore(items=values, raw_score=raw, metric_score=swemwbs_metric(raw_score=raw))


# --- ONS4 ------------------------------------------------------------------------------------

# The ONS personal wellbeing questions, keyed by ``Ons4Response`` field, each answered 0–10.
ONS4_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("life_satisfaction", "Overall, how satisfied are you with your life nowadays?"),
    (
        "worthwhile",
        "Overall, to what extent do you feel that the things you do in your life are worthwhile?",
    ),
    ("happiness", "Overall, how happy did you feel yesterday?"),
    ("anxiety", "Overall, how anxious did you feel yesterday?"),
)
ONS4_HINT = "Where 0 is “not at all” and 10 is “completely”."


def ons4_answers(*, answers: Mapping[str, int | None]) -> dict[str, int] | None:
    """All four answers (each 0–10), or ``None`` when none was given. Some but not all is an
    error: a partial ONS4 would be read as a real answer by the metrics."""
    keys = [key for key, _ in ONS4_QUESTIONS]
    given = {key: answers.get(key) for key in keys}
    present = [v for v in given.values() if v is not None and v != ""]
    if not present:
        return None
    if len(present) != len(keys):
        raise ValueError("Answer all four ONS4 questions, or none of them")
    result = {key: int(value) for key, value in given.items()}  # type: ignore[arg-type]
    if any(v < 0 or v > 10 for v in result.values()):
        raise ValueError("Each ONS4 answer is 0 to 10")
    return result

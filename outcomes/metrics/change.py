"""``friends`` and its twins ``wellbeing`` (SWEMWBS metric score) and ``ons4`` (the four ONS
personal wellbeing questions): baseline against follow-up for the people who have a follow-up
in the period."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from outcomes.metrics.dimensions import groups_of
from outcomes.metrics.intervals import sample_sd
from outcomes.metrics.sql import (
    Key,
    SnapshotRow,
    T,
    date_param,
    day_number,
    grid,
    grouped,
    hash_joins,
    mean,
    num,
    person_attributes,
    rows_from,
    share,
)

FOLLOW_UP_MIN_DAYS = 56

# SWEMWBS: the smallest change in metric score counted as meaningful (docs/metrics.md,
# "wellbeing"). Shah et al. (2018), Health and Quality of Life Outcomes 16:239, found that at
# the individual level a change of 1 to 3 points is statistically important depending on the
# standard (2.77 standard errors of measurement = 2.87 points); the upper, stricter end is used.
SWEMWBS_MEANINGFUL_CHANGE = 3
# Metric scores have two decimals; a change that is 3 to two decimals counts as 3 whatever
# the floating-point arithmetic of the database makes of the subtraction.
_MEANINGFUL_FLOOR = SWEMWBS_MEANINGFUL_CHANGE - 0.005


@dataclass(frozen=True)
class Band:
    """One ONS threshold band of a 0–10 answer: its name, label and the answers in it."""

    name: str
    label: str
    low: int
    high: int


# ONS personal wellbeing thresholds (ONS, "Personal well-being user guidance"): for life
# satisfaction, worthwhile and happiness, 0–4 low, 5–6 medium, 7–8 high, 9–10 very high; for
# anxiety (a higher answer is worse) 0–1 very low, 2–3 low, 4–5 medium, 6–10 high.
POSITIVE_BANDS = (
    Band("low", "low (0–4)", 0, 4),
    Band("medium", "medium (5–6)", 5, 6),
    Band("high", "high (7–8)", 7, 8),
    Band("very_high", "very high (9–10)", 9, 10),
)
ANXIETY_BANDS = (
    Band("very_low", "very low (0–1)", 0, 1),
    Band("low", "low (2–3)", 2, 3),
    Band("medium", "medium (4–5)", 4, 5),
    Band("high", "high (6–10)", 6, 10),
)
ONS4_QUESTIONS: dict[str, tuple[str, tuple[Band, ...]]] = {
    "life_satisfaction": ("Life satisfaction", POSITIVE_BANDS),
    "worthwhile": ("Worthwhile", POSITIVE_BANDS),
    "happiness": ("Happiness", POSITIVE_BANDS),
    "anxiety": ("Anxiety", ANXIETY_BANDS),
}
WHEN = ("baseline", "followup")


def ons4_band(question: str, answer: int) -> str:
    """The ONS band of a 0–10 answer to one question."""
    for band in ONS4_QUESTIONS[question][1]:
        if band.low <= answer <= band.high:
            return band.name
    raise ValueError(f"An ONS4 answer is 0 to 10, not {answer}")


def ons4_name(question: str, what: str) -> str:
    """A value name of the ``ons4`` metric: ``life_satisfaction_mean_change``,
    ``anxiety_pct_high_followup``."""
    return f"{question}_{what}"


@dataclass(frozen=True)
class Source:
    table: str
    date_col: str
    columns: tuple[str, ...]  # the answers compared; "" names the cohort's one score


# (table, date column, the answer columns) of each kind of answer.
SOURCES = {
    "friends": Source(T["friends"], "observed_on", ("friends_count",)),
    "wellbeing": Source(T["swemwbs"], "completed_on", ("metric_score",)),
    "ons4": Source(T["ons4"], "completed_on", tuple(ONS4_QUESTIONS)),
}


def _cohort(source: str, start: dt.date, end: dt.date) -> tuple[str, list[Any]]:
    src = SOURCES[source]
    pa_sql, pa_params = person_attributes(end)
    single = len(src.columns) == 1

    def answer(alias: str, col: str, when: str) -> str:
        return f"{alias}.{col} AS {when if single else f'{when}_{col}'}"

    answers = ", ".join(
        answer(alias, col, when)
        for alias, when in (("bo", "baseline"), ("fo", "followup"))
        for col in src.columns
    )
    # Ties on one date are broken by id: the first recorded is the baseline, the last
    # recorded is the follow-up.
    ctes = f"""
        pa AS ({pa_sql}),
        obs AS (
            SELECT o.id, o.person_id, o.{src.date_col} AS d,
                {day_number(f"o.{src.date_col}")} AS dn,
                ROW_NUMBER() OVER (PARTITION BY o.person_id ORDER BY o.{src.date_col}, o.id) AS rn
            FROM {src.table} o
        ),
        base AS (SELECT id, person_id, dn FROM obs WHERE rn = 1),
        fu AS (
            SELECT o.id, o.person_id,
                ROW_NUMBER() OVER (PARTITION BY o.person_id ORDER BY o.d DESC, o.id DESC) AS rn
            FROM obs o JOIN base b ON b.person_id = o.person_id
            WHERE o.d BETWEEN %s AND %s AND o.dn - b.dn >= {FOLLOW_UP_MIN_DAYS}
        ),
        cohort AS MATERIALIZED (
            SELECT pa.*, {answers}
            FROM fu f
            JOIN base b ON b.person_id = f.person_id
            JOIN {src.table} bo ON bo.id = b.id
            JOIN {src.table} fo ON fo.id = f.id
            JOIN pa ON pa.person_id = f.person_id
            WHERE f.rn = 1
        )
    """
    return ctes, [*pa_params, date_param(start), date_param(end)]


def _score_aggregates(baseline: str, followup: str, prefix: str = "") -> dict[str, str]:
    change = f"({followup} - {baseline})"
    return {
        f"{prefix}sum_baseline": f"SUM({baseline})",
        f"{prefix}sum_followup": f"SUM({followup})",
        f"{prefix}ss_baseline": f"SUM({baseline} * {baseline})",
        f"{prefix}ss_followup": f"SUM({followup} * {followup})",
        f"{prefix}ss_change": f"SUM({change} * {change})",
        f"{prefix}increased": f"SUM(CASE WHEN {followup} > {baseline} THEN 1 ELSE 0 END)",
        f"{prefix}same": f"SUM(CASE WHEN {followup} = {baseline} THEN 1 ELSE 0 END)",
        f"{prefix}decreased": f"SUM(CASE WHEN {followup} < {baseline} THEN 1 ELSE 0 END)",
    }


AGGREGATES = {"n": "COUNT(*)", **_score_aggregates("baseline", "followup")}

WELLBEING_AGGREGATES = {
    **AGGREGATES,
    "improved_meaningfully": (
        f"SUM(CASE WHEN followup - baseline >= {_MEANINGFUL_FLOOR} THEN 1 ELSE 0 END)"
    ),
    "declined_meaningfully": (
        f"SUM(CASE WHEN baseline - followup >= {_MEANINGFUL_FLOOR} THEN 1 ELSE 0 END)"
    ),
}


def _ons4_aggregates() -> dict[str, str]:
    out = {"n": "COUNT(*)"}
    for question, (_label, bands) in ONS4_QUESTIONS.items():
        out |= _score_aggregates(
            f"baseline_{question}", f"followup_{question}", prefix=f"{question}_"
        )
        for when in WHEN:
            for band in bands:
                col = f"{when}_{question}"
                out[f"{question}_{band.name}_{when}"] = (
                    f"SUM(CASE WHEN {col} BETWEEN {band.low} AND {band.high} THEN 1 ELSE 0 END)"
                )
    return out


ONS4_AGGREGATES = _ons4_aggregates()


def _score_values(agg: dict[str, Any], n: int, prefix: str = "") -> dict[str, Any]:
    """Means at baseline and follow-up, the mean change, their standard deviations, and the
    shares whose score went up, stayed and went down."""
    total_b, total_f = agg.get(f"{prefix}sum_baseline"), agg.get(f"{prefix}sum_followup")
    mean_baseline, mean_followup = mean(total_b, n), mean(total_f, n)
    return {
        "mean_baseline": mean_baseline,
        "mean_followup": mean_followup,
        "mean_change": (
            mean_followup - mean_baseline
            if mean_followup is not None and mean_baseline is not None
            else None
        ),
        "pct_increased": share(agg.get(f"{prefix}increased"), n),
        "pct_no_change": share(agg.get(f"{prefix}same"), n),
        "pct_decreased": share(agg.get(f"{prefix}decreased"), n),
        "sd_baseline": sample_sd(num(total_b), num(agg.get(f"{prefix}ss_baseline")), n),
        "sd_followup": sample_sd(num(total_f), num(agg.get(f"{prefix}ss_followup")), n),
        "sd_change": sample_sd(num(total_f) - num(total_b), num(agg.get(f"{prefix}ss_change")), n),
    }


def change_values(_key: Key, agg: dict[str, Any]) -> dict[str, Any]:
    n = int(agg.get("n") or 0)
    return {"n": n, **_score_values(agg, n)}


def wellbeing_values(key: Key, agg: dict[str, Any]) -> dict[str, Any]:
    values = change_values(key, agg)
    n = values["n"]
    values["pct_improved_meaningfully"] = share(agg.get("improved_meaningfully"), n)
    values["pct_declined_meaningfully"] = share(agg.get("declined_meaningfully"), n)
    return values


# The ONS4 values of each question: means (and their standard deviations) and the share in
# each band at baseline and at follow-up.
ONS4_SCORE_VALUES = ("mean_baseline", "mean_followup", "mean_change")
ONS4_SD_VALUES = ("sd_baseline", "sd_followup", "sd_change")


def ons4_values(_key: Key, agg: dict[str, Any]) -> dict[str, Any]:
    n = int(agg.get("n") or 0)
    values: dict[str, Any] = {"n": n}
    for question, (_label, bands) in ONS4_QUESTIONS.items():
        scores = _score_values(agg, n, prefix=f"{question}_")
        for name in (*ONS4_SCORE_VALUES, *ONS4_SD_VALUES):
            values[ons4_name(question, name)] = scores[name]
        for when in WHEN:
            for band in bands:
                values[ons4_name(question, f"pct_{band.name}_{when}")] = share(
                    agg.get(f"{question}_{band.name}_{when}"), n
                )
    return values


def _compute(
    source: str,
    aggregates: dict[str, str],
    values: Any,
    *,
    start: dt.date,
    end: dt.date,
    dimensions: Sequence[str],
    levels: Sequence[str],
) -> list[SnapshotRow]:
    ctes, params = _cohort(source, start, end)
    with hash_joins():
        found = grouped(ctes, params, aggregates, dimensions=dimensions, levels=levels)
    return rows_from(grid(groups_of(*dimensions), levels), found, values)


def friends(
    *, start: dt.date, end: dt.date, window: int, dimensions: Sequence[str], levels: Sequence[str]
) -> list[SnapshotRow]:
    return _compute(
        "friends",
        AGGREGATES,
        change_values,
        start=start,
        end=end,
        dimensions=dimensions,
        levels=levels,
    )


def wellbeing(
    *, start: dt.date, end: dt.date, window: int, dimensions: Sequence[str], levels: Sequence[str]
) -> list[SnapshotRow]:
    return _compute(
        "wellbeing",
        WELLBEING_AGGREGATES,
        wellbeing_values,
        start=start,
        end=end,
        dimensions=dimensions,
        levels=levels,
    )


def ons4(
    *, start: dt.date, end: dt.date, window: int, dimensions: Sequence[str], levels: Sequence[str]
) -> list[SnapshotRow]:
    return _compute(
        "ons4",
        ONS4_AGGREGATES,
        ons4_values,
        start=start,
        end=end,
        dimensions=dimensions,
        levels=levels,
    )

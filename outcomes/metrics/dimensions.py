"""The levels and the breakdowns (dimensions) metrics are reported by: each dimension's groups
in the order every page, CSV and API response shows them, and their labels. The computations
take their groups from here too, so a stored row and a shown row always agree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from assets.models import Category
from referrals.models import ConnectionKind, ConnectionOutcome, Source

LEVELS = ("all", "pcn", "practice")
LEVEL_LABELS = {"all": "Whole area", "pcn": "Primary care network", "practice": "Practice"}
TOTAL = ("total", "all")  # the (dimension, group) of a row with no breakdown

# (lowest age, highest age or None, group) in whole years on the period's last day.
AGE_BANDS = (
    (0, 17, "0-17"),
    (18, 24, "18-24"),
    (25, 34, "25-34"),
    (35, 44, "35-44"),
    (45, 54, "45-54"),
    (55, 64, "55-64"),
    (65, 74, "65-74"),
    (75, 84, "75-84"),
    (85, None, "85+"),
)


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str
    groups: tuple[str, ...]
    group_labels: Mapping[str, str] = field(default_factory=dict)

    def group_label(self, group: str) -> str:
        label = self.group_labels.get(group)
        if label:
            return label
        return group if group[:1].isdigit() else group.replace("_", " ").capitalize()


DIMENSIONS: dict[str, Dimension] = {
    d.name: d
    for d in [
        Dimension("total", "No breakdown (overall)", ("all",), {"all": "All"}),
        Dimension(
            "imd_quintile",
            "Deprivation (IMD quintile)",
            ("1", "2", "3", "4", "5", "unknown"),
            {"1": "1 (most deprived)", "5": "5 (least deprived)", "unknown": "Unknown"},
        ),
        Dimension("age_band", "Age band", (*(band for _, _, band in AGE_BANDS), "unknown")),
        Dimension("sex", "Sex", ("female", "male", "other", "unknown")),
        Dimension(
            "ethnicity", "Ethnic group", ("asian", "black", "mixed", "white", "other", "unknown")
        ),
        Dimension("category", "Kind of activity", tuple(Category.values), dict(Category.choices)),
        Dimension("kind", "Kind of connection", tuple(ConnectionKind.values)),
        Dimension(
            "outcome",
            "Latest outcome",
            tuple(ConnectionOutcome.values),
            {"did_not_attend": "Did not attend"},
        ),
        Dimension(
            "source",
            "Referral source",
            tuple(Source.values),
            {"gp": "GP", "practice_staff": "Practice staff", "self": "Self-referral"},
        ),
    ]
}

# The breakdowns of a person (on the period's last day), shared by the people metrics.
PEOPLE_DIMENSIONS = ("imd_quintile", "age_band", "sex", "ethnicity")
PERSON_DIMENSIONS: dict[str, tuple[str, ...]] = {d: DIMENSIONS[d].groups for d in PEOPLE_DIMENSIONS}


def groups_of(*dimensions: str) -> dict[str, tuple[str, ...]]:
    """Each named dimension's groups, for a computation's grid of rows."""
    return {d: DIMENSIONS[d].groups for d in dimensions}


def dimension_label(*, dimension: str) -> str:
    known = DIMENSIONS.get(dimension)
    return known.label if known else dimension.replace("_", " ").capitalize()


def group_label(*, dimension: str, group: str) -> str:
    known = DIMENSIONS.get(dimension)
    return known.group_label(group) if known else Dimension(dimension, "", ()).group_label(group)


def group_position(dimension: str, group: str) -> tuple[int, str]:
    """Where a group sorts within its dimension: the defined order, anything unknown last."""
    order = DIMENSIONS[dimension].groups if dimension in DIMENSIONS else ()
    return (order.index(group) if group in order else len(order), group)

"""What a metric definition is made of: the values its rows hold (each with its kind, label
and the counts it rests on for small-number suppression), and the metric itself. The
metrics are defined in ``outcomes.metrics.registry``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from outcomes.metrics.dimensions import LEVELS, group_position
from outcomes.metrics.sql import SnapshotRow

# The demand window: months compared before and after a person's first referral. Only a
# metric with ``uses_window`` has one; every other metric's snapshots are keyed by window 0.
DEFAULT_WINDOW = 6
WINDOW_CHOICES = (3, 6, 12)


class Compute(Protocol):
    def __call__(
        self,
        *,
        start: dt.date,
        end: dt.date,
        window: int,
        dimensions: Sequence[str],
        levels: Sequence[str],
    ) -> list[SnapshotRow]: ...


# --- what a value rests on (small-number suppression, docs/dashboards.md) -------------------


@dataclass(frozen=True)
class Count:
    """A count held in the same row: the sum of these values (a single name for a plain count,
    several for a denominator such as citizen-led + sector-led)."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class PctOf:
    """The numerator behind a stored percentage: ``pct`` % of the count ``of`` (rounded to
    the nearest whole number, as the count it came from was whole)."""

    pct: str
    of: str


@dataclass(frozen=True)
class QuintileCounts:
    """Counts in the same level and code's IMD-quintile rows (an index computed across them)."""

    groups: tuple[str, ...]
    names: tuple[str, ...]


Basis = Count | PctOf | QuintileCounts
Kind = Literal["count", "mean", "sd", "median", "percent", "rate", "ratio", "index"]


@dataclass(frozen=True)
class Value:
    """One value a metric's rows hold. A count rests on itself unless told otherwise."""

    name: str
    label: str
    kind: Kind
    bases: tuple[Basis, ...] = ()
    listed: bool = True  # False: a count suppression may rest on that no table lists
    fallback: str = ""  # the count to rest on when a row does not hold this one
    # A mean's sample standard deviation (a value of the same row, kind "sd"), for its t
    # interval; "" when the metric stores none.
    sd: str = ""

    def __post_init__(self) -> None:
        if not self.bases and self.kind == "count":
            object.__setattr__(self, "bases", (Count((self.name,)),))
        if not self.bases:
            raise ValueError(f"{self.name}: only a count may rest on itself")


def value_of_n(name: str, label: str, kind: Kind, *, sd: str = "") -> Value:
    """A mean or percentage over a cohort of ``n`` people; a percentage also rests on the
    number of people it counts. ``sd``: the value holding a mean's standard deviation."""
    bases: tuple[Basis, ...] = (Count(("n",)),)
    if kind == "percent":
        bases += (PctOf(name, "n"),)
    return Value(name, label, kind, bases, sd=sd)


def sd_of_n(mean: str) -> Value:
    """The sample standard deviation of the mean ``mean`` over the cohort ``n`` (named as the
    mean with ``mean_`` made ``sd_``: ``sd_change``, ``anxiety_sd_change``): not listed in tables, it gives the mean its
    t interval, and it is withheld with ``n``."""
    return Value(
        sd_name(mean), f"Standard deviation of {mean}", "sd", (Count(("n",)),), listed=False
    )


def sd_name(mean: str) -> str:
    return mean.replace("mean_", "sd_", 1)


@dataclass(frozen=True)
class Metric:
    name: str
    title: str
    question: str
    caveat: str
    compute: Compute
    stored_values: tuple[Value, ...]  # in the order tables show them
    headline: str  # the value shown big on the overview
    cohort: tuple[str, ...]  # the count(s) that say how many the headline is about
    dimensions: tuple[str, ...]  # breakdowns besides "total", in the order pages offer them
    levels: tuple[str, ...] = LEVELS
    default_dimension: str = "total"
    chart_total: tuple[str, ...] = ()  # values charted side by side for the overall row
    chart_group: str = ""  # value charted per group of a breakdown
    uses_window: bool = False
    notice: str = ""  # a line every page about the metric must show (copyright)
    secondary: tuple[str, ...] = ()  # further figures the overview shows under the headline
    how: tuple[str, ...] = ()  # how the figures are worked out, in plain words
    # Values that add up to a known total: withholding one while showing the others would
    # let anyone work it out by subtraction, so they are withheld together.
    complements: tuple[tuple[str, ...], ...] = ()
    # Counts of one row that add up: (whole, parts). A percentage among the parts stands for
    # the count it is a share of (its numerator). When the parts do not cover the whole (those
    # not reduced, connections to sector-led groups), the rest is a count too, never shown,
    # that suppression protects like any other (docs/metrics.md, "Small numbers").
    partitions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    setting: str = ""  # a setting that must be on for the metric to be shown
    # A rate or share compared, in words and per IMD quintile, between the most and least
    # deprived: the overview shows it by quintile as the headline picture.
    gradient: str = ""
    _by_name: dict[str, Value] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_name.update({v.name: v for v in self.stored_values})

    @property
    def values(self) -> dict[str, str]:
        """Value name → label, of the values tables list, in their order."""
        return {v.name: v.label for v in self.stored_values if v.listed}

    def label(self, name: str) -> str:
        return self.values.get(name, name)

    def value(self, name: str) -> Value | None:
        return self._by_name.get(name)

    @property
    def bases(self) -> dict[str, tuple[Basis, ...]]:
        return {v.name: v.bases for v in self.stored_values}

    def window_for(self, window: int | None) -> int:
        """The window of this metric's snapshots: the one asked for (or the default) when the
        metric has one, else 0."""
        if not self.uses_window:
            return 0
        return window or DEFAULT_WINDOW

    def rows_ordered(self, rows: Iterable[Mapping[str, Any]]) -> list[Any]:
        """Rows in the order every page, CSV and API response shows them: level, code, then
        breakdown as the metric lists them, then group in its dimension's order."""
        dimensions = ("total", *self.dimensions)

        def key(row: Mapping[str, Any]) -> tuple[Any, ...]:
            level, dim = row["level"], row["dimension"]
            return (
                LEVELS.index(level) if level in LEVELS else len(LEVELS),
                row["code"],
                dimensions.index(dim) if dim in dimensions else len(dimensions),
                group_position(dim, row["group"]),
            )

        return sorted(rows, key=key)

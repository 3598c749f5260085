"""Small-number suppression (METRICS.md "Common rules").

For anyone who is not an administrator, a count from 1 to 7 is withheld, and so is any mean,
rate, share or percentage whose n, numerator or denominator is from 1 to 7. Zero is shown.
Stored snapshots keep exact values; suppression is applied only when rows are shown (pages,
CSV, API). ``BASES`` says, per metric and value name, which counts each value rests on; the
table in docs/dashboards.md is the same mapping in words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SMALLEST_SHOWN = 8  # counts 1..7 are withheld


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


def _count(*names: str) -> tuple[Basis, ...]:
    return (Count(names),)


def _change_bases(pct_names: tuple[str, ...]) -> dict[str, tuple[Basis, ...]]:
    """friends / wellbeing: every value rests on the cohort n; each percentage also on the
    number of people it counts."""
    bases: dict[str, tuple[Basis, ...]] = {"n": _count("n")}
    for name in ("mean_baseline", "mean_followup", "mean_change"):
        bases[name] = _count("n")
    for name in pct_names:
        bases[name] = (Count(("n",)), PctOf(name, "n"))
    return bases


_CHANGE_PCTS = ("pct_increased", "pct_no_change", "pct_decreased")

BASES: dict[str, dict[str, tuple[Basis, ...]]] = {
    "friends": _change_bases(_CHANGE_PCTS),
    "wellbeing": _change_bases(_CHANGE_PCTS),
    "citizen_led": {
        "citizen_led_active": _count("citizen_led_active"),
        "sector_led_active": _count("sector_led_active"),
        "citizen_led_share": (
            Count(("citizen_led_active",)),
            Count(("citizen_led_active", "sector_led_active")),
        ),
        "citizen_led_formed": _count("citizen_led_formed"),
        "connections": _count("connections"),
        "connections_to_citizen_led": _count("connections_to_citizen_led"),
        "connections_citizen_share": (
            Count(("connections_to_citizen_led",)),
            Count(("connections",)),
        ),
        "volunteers_from_referred": _count("volunteers_from_referred"),
    },
    "coverage": {
        "population": _count("population"),
        "reached": _count("reached"),
        "reach_per_1000": (Count(("reached",)), Count(("population",))),
        "unregistered_reached": _count("unregistered_reached"),
        # A ratio of two quintiles' rates rests on both quintiles' numerators and denominators.
        "rate_ratio_q1_q5": (QuintileCounts(("1", "5"), ("reached", "population")),),
        # The index weighs every quintile's rate by its population share: all five rest on it.
        "concentration_index": (
            QuintileCounts(("1", "2", "3", "4", "5"), ("reached", "population")),
        ),
    },
    "demand": {
        "n": _count("n"),
        "mean_pre": _count("n"),
        "mean_post": _count("n"),
        "mean_change": _count("n"),
        "pct_reduced": (Count(("n",)), PctOf("pct_reduced", "n")),
        # Attendance skew (per practice): patients and appointments are both counts.
        "list_size": _count("list_size"),
        "appointments": _count("appointments"),
        "frequent_attenders": _count("frequent_attenders"),
        "frequent_attender_share": (
            PctOf("frequent_attender_share", "appointments"),
            Count(("appointments",)),
            Count(("frequent_attenders",)),
        ),
        "frequent_attenders_referred_pct": (
            PctOf("frequent_attenders_referred_pct", "frequent_attenders"),
            Count(("frequent_attenders",)),
        ),
        "zero_attender_pct": (PctOf("zero_attender_pct", "list_size"), Count(("list_size",))),
    },
    "connections": {"connections": _count("connections")},
    "service": {
        "referrals": _count("referrals"),
        # The median is over the referrals that had a conversation. When the computation stores
        # that number (median_days_n) the median rests on it; otherwise on all referrals
        # received, the only count the row holds (see docs/dashboards.md).
        "median_days_to_first_conversation": (Count(("median_days_n",)),),
        "median_days_n": _count("median_days_n"),
        "open_cases": _count("open_cases"),
    },
}

# Values that sum to a known total: withholding one of them while showing the others would
# let anyone work it out by subtraction, so they are withheld together.
COMPLEMENTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "friends": (_CHANGE_PCTS,),
    "wellbeing": (_CHANGE_PCTS,),
}

_FALLBACKS: dict[tuple[str, str], str] = {("service", "median_days_n"): "referrals"}


def is_small(count: Any) -> bool:
    """A count from 1 to 7. ``None`` is not small (there is nothing to disclose)."""
    if count is None or isinstance(count, bool):
        return False
    return 0 < count < SMALLEST_SHOWN


class _Unknown(Exception):
    """A basis count is missing: the value is withheld rather than guessed safe."""


def _value(values: Mapping[str, Any], name: str, metric: str) -> Any:
    if name in values:
        return values[name]
    fallback = _FALLBACKS.get((metric, name))
    if fallback is not None and fallback in values:
        return values[fallback]
    raise _Unknown(name)


def _basis_counts(
    basis: Basis,
    *,
    metric: str,
    values: Mapping[str, Any],
    quintiles: Mapping[str, Mapping[str, Any]],
) -> list[Any]:
    if isinstance(basis, Count):
        parts = [_value(values, n, metric) for n in basis.names]
        if any(p is None for p in parts):
            raise _Unknown(basis.names)
        return [sum(parts)]
    if isinstance(basis, PctOf):
        pct, of = _value(values, basis.pct, metric), _value(values, basis.of, metric)
        if pct is None or of is None:
            return []
        return [round(pct * of / 100)]
    counts: list[Any] = []
    for group in basis.groups:
        row = quintiles.get(group)
        if row is None:
            raise _Unknown(group)
        counts.extend(_value(row, n, metric) for n in basis.names)
    return counts


def value_withheld(
    *,
    metric: str,
    name: str,
    values: Mapping[str, Any],
    quintiles: Mapping[str, Mapping[str, Any]] | None = None,
) -> bool:
    """Whether the value ``name`` of a row must be withheld from a non-administrator. A null
    value is never withheld (it shows nothing); a value with no known basis is (fail closed)."""
    value = values.get(name)
    if value is None:
        return False
    bases = BASES.get(metric, {}).get(name)
    if bases is None:
        return True
    try:
        return any(
            is_small(c)
            for b in bases
            for c in _basis_counts(b, metric=metric, values=values, quintiles=quintiles or {})
        )
    except _Unknown:
        return True


def row_suppress(
    *,
    metric: str,
    values: Mapping[str, Any],
    quintiles: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The row's values with withheld ones set to ``None``, and the names withheld."""
    withheld: list[str] = [
        n
        for n in values
        if value_withheld(metric=metric, name=n, values=values, quintiles=quintiles)
    ]
    for group in COMPLEMENTS.get(metric, ()):
        if any(n in withheld for n in group):
            withheld += [n for n in group if n not in withheld and values.get(n) is not None]
    shown = {n: (None if n in withheld else v) for n, v in values.items()}
    return shown, withheld


def rows_present(*, metric: str, rows: Iterable[Mapping[str, Any]], exact: bool) -> list[dict]:
    """Snapshot rows (dicts with level, code, dimension, group, values) as shown: each with
    ``suppressed`` and ``withheld`` (value names). ``exact`` (administrators) keeps every value.

    Rows are suppressed in the context of their level and code: a coverage index looks at the
    same level and code's IMD-quintile rows, so callers pass every dimension of a code even if
    they show one."""
    rows = list(rows)
    quintiles: dict[tuple[str, str], dict[str, Mapping[str, Any]]] = {}
    for row in rows:
        if row["dimension"] == "imd_quintile":
            quintiles.setdefault((row["level"], row["code"]), {})[row["group"]] = row["values"]
    shown_rows = []
    for row in rows:
        withheld: list[str]
        if exact:
            values, withheld = dict(row["values"]), []
        else:
            values, withheld = row_suppress(
                metric=metric,
                values=row["values"],
                quintiles=quintiles.get((row["level"], row["code"]), {}),
            )
        shown_rows.append(
            {
                **row,
                "values": values,
                "suppressed": bool(withheld),
                "withheld": withheld,
            }
        )
    return shown_rows


def exact_for(user: Any) -> bool:
    """Only administrators see exact small numbers."""
    return bool(getattr(user, "is_admin", False))

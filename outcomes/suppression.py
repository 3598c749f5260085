"""Small-number suppression (docs/metrics.md, "Common rules").

For anyone who is not an administrator, a count from 1 to 7 is withheld, and so is any mean,
rate, share or percentage whose n, numerator or denominator is from 1 to 7. Zero is shown.
Stored snapshots keep exact values; suppression is applied only when rows are shown (pages,
CSV, API). Which counts each value rests on is part of the value's definition in
``outcomes.metrics.registry``; the table in docs/dashboards.md is the same mapping in words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from outcomes.metrics.definition import Basis, Count, Metric, PctOf, QuintileCounts
from outcomes.metrics.registry import METRICS

SMALLEST_SHOWN = 8  # counts 1..7 are withheld


def is_small(count: Any) -> bool:
    """A count from 1 to 7. ``None`` is not small (there is nothing to disclose)."""
    if count is None or isinstance(count, bool):
        return False
    return 0 < count < SMALLEST_SHOWN


class _Unknown(Exception):
    """A basis count is missing: the value is withheld rather than guessed safe."""


def _value(values: Mapping[str, Any], name: str, metric: Metric) -> Any:
    if name in values:
        return values[name]
    described = metric.value(name)
    if described is not None and described.fallback and described.fallback in values:
        return values[described.fallback]
    raise _Unknown(name)


def _basis_counts(
    basis: Basis,
    *,
    metric: Metric,
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
    described = METRICS[metric].value(name) if metric in METRICS else None
    if described is None:
        return True
    try:
        return any(
            is_small(c)
            for b in described.bases
            for c in _basis_counts(
                b, metric=METRICS[metric], values=values, quintiles=quintiles or {}
            )
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
    complements = METRICS[metric].complements if metric in METRICS else ()
    for group in complements:
        if any(n in withheld for n in group):
            withheld += [n for n in group if n not in withheld and values.get(n) is not None]
    shown = {n: (None if n in withheld else v) for n, v in values.items()}
    return shown, withheld


def _label(metric: Metric, name: str) -> str:
    text = metric.label(name)
    return text[:1].lower() + text[1:]


def _why(metric: Metric, name: str, values: Mapping[str, Any], basis: Basis) -> str:
    """Why one basis withholds the value, in words that give no small number away; empty
    when it does not."""
    if isinstance(basis, QuintileCounts):
        return "a deprivation quintile it is worked out from has a count from 1 to 7"
    if isinstance(basis, PctOf):
        pct, of = values.get(basis.pct), values.get(basis.of)
        if pct is None or of is None or not is_small(round(pct * of / 100)):
            return ""
        if is_small(of):
            return ""  # the count it is a percentage of is small: that is the reason given
        return f"it counts only 1 to 7 of the {of:,} ({_label(metric, basis.of)})"
    described = metric.value(name)
    parts = [values.get(n) for n in basis.names]
    if None in parts or not is_small(sum(parts)):
        return ""
    if described is not None and basis.names == (name,):
        return "it is a count from 1 to 7"
    what = " + ".join(_label(metric, n) for n in basis.names)
    return f"{what} is from 1 to 7"


def withheld_reasons(
    *,
    metric: str,
    values: Mapping[str, Any],
    withheld: list[str],
    quintiles: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, str]:
    """Why each withheld value of a row is withheld, from its exact values, in words that do
    not give the withheld numbers away: a percentage of a cohort of 83 is withheld because it
    counts 1 to 7 of them; its complements because they add up to 100 with it."""
    info = METRICS.get(metric)
    if info is None:
        return {n: "it is not a known figure, so it is not shown" for n in withheld}
    reasons: dict[str, str] = {}
    for name in withheld:
        described = info.value(name)
        if described is None:
            reasons[name] = "it is not a known figure, so it is not shown"
            continue
        whys = []
        for basis in described.bases:
            if isinstance(basis, QuintileCounts):
                try:
                    counts = _basis_counts(
                        basis, metric=info, values=values, quintiles=quintiles or {}
                    )
                except _Unknown:
                    counts = [1]
                if any(is_small(c) for c in counts):
                    whys.append(_why(info, name, values, basis))
                continue
            if isinstance(basis, Count) and not all(n in values for n in basis.names):
                fallback = described.fallback
                if fallback and fallback in values:
                    basis = Count((fallback,))
                else:
                    whys.append("the counts it rests on are not stored")
                    continue
            if why := _why(info, name, values, basis):
                whys.append(why)
        if whys:
            reasons[name] = "; ".join(dict.fromkeys(whys))
    for group in info.complements:
        own = [n for n in group if n in reasons]
        for name in group:
            if name in withheld and name not in reasons and own:
                others = " and ".join(info.label(n) for n in own)
                reasons[name] = (
                    f"together with {others} the {len(group)} figures add up to 100, so "
                    f"{others} could be worked out from them"
                )
    for name in withheld:
        reasons.setdefault(name, "a count it rests on is from 1 to 7")
    return reasons


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
        reasons: dict[str, str] = {}
        if exact:
            values, withheld = dict(row["values"]), []
        else:
            around = quintiles.get((row["level"], row["code"]), {})
            values, withheld = row_suppress(metric=metric, values=row["values"], quintiles=around)
            reasons = withheld_reasons(
                metric=metric, values=row["values"], withheld=withheld, quintiles=around
            )
        shown_rows.append(
            {
                **row,
                "values": values,
                "suppressed": bool(withheld),
                "withheld": withheld,
                "reasons": reasons,
            }
        )
    return shown_rows


def exact_for(user: Any) -> bool:
    """Only administrators see exact small numbers."""
    return bool(getattr(user, "is_admin", False))

"""Small-number suppression (docs/metrics.md, "Small numbers").

For anyone who is not an administrator, a count from 1 to 7 is withheld, and so is any mean,
rate, share or percentage whose n, numerator or denominator is from 1 to 7. Zero is shown.
Because counts add up (a breakdown's groups to its total, practices to their PCN and to the
whole area, the shares of a cohort to the cohort, a count two metrics share), further counts
are withheld until none from 1 to 7 can be worked out by subtraction from what the same user
can see (``socialrx.disclosure``). That is decided once, over every row of a metric's period
(every level, code and breakdown, and the rows of metrics sharing a count), by
``rows_present``; pages, CSV and API all show its result, so they always agree.

Stored snapshots keep exact values. Which counts each value rests on is part of the value's
definition in ``outcomes.metrics.registry``; the table in docs/dashboards.md is the same
mapping in words.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

from django.core.cache import cache

from outcomes.metrics.definition import Basis, Count, Metric, PctOf, QuintileCounts
from outcomes.metrics.registry import METRICS, SHARED_COUNTS
from socialrx.disclosure import SMALLEST_SHOWN, Table, is_small, protect

__all__ = ["SMALLEST_SHOWN", "exact_for", "is_small", "row_suppress", "rows_present"]

# Why a value is withheld when no count of its own row is from 1 to 7.
COMPLEMENTARY_REASON = (
    "with the figures shown beside it (the total, the other groups or the other levels) it "
    "would let a withheld number from 1 to 7 be worked out by subtraction"
)


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
    if any(p is None for p in parts) or not is_small(sum(p for p in parts if p is not None)):
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
        reasons.setdefault(name, COMPLEMENTARY_REASON)
    return reasons


# --- the cells of a period's rows ------------------------------------------------------------

RowKey = tuple[str, str, str, str, str]  # metric, level, code, dimension, group
_NUMERATOR = "numerator of "  # a percentage's count: the share of its ``of``


def _count(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    return round(value)


def _row_key(row: Mapping[str, Any], metric: str) -> RowKey:
    return (
        row.get("metric", metric),
        row["level"],
        row["code"] or "",
        row["dimension"],
        row["group"],
    )


class _Cells:
    """The counts of a set of snapshot rows as a ``socialrx.disclosure.Table``: each row's
    counts and percentage numerators, the sums between them, and which cells each shown value
    rests on."""

    def __init__(self, rows: list[Mapping[str, Any]], metric: str) -> None:
        self.table = Table.empty()
        self.rows = {_row_key(r, metric): r for r in rows}
        self.pcn = {
            (k[0], k[2]): r.get("pcn") or "" for k, r in self.rows.items() if k[1] == "practice"
        }
        # (row key, value name) -> the cells it rests on; None: not known, so withheld.
        self.bases: dict[tuple[RowKey, str], set[Any] | None] = {}
        for key, row in self.rows.items():
            self._row_cells(key, row["values"])
        for key, row in self.rows.items():
            for name, value in row["values"].items():
                if value is not None:
                    self.bases[key, name] = self._value_cells(key, row["values"], name)
        self._breakdown_sums()
        self._level_sums()
        self._shared_sums()

    def _row_cells(self, key: RowKey, values: Mapping[str, Any]) -> None:
        info = METRICS.get(key[0])
        if info is None:
            return
        for described in info.stored_values:
            name = described.name
            count = _count(values.get(name))
            if described.kind == "count" and count is not None:
                self.table.values[(*key, name)] = count
            for basis in described.bases:
                if isinstance(basis, PctOf):
                    pct, of = values.get(basis.pct), values.get(basis.of)
                    if pct is not None and of is not None:
                        cell = (*key, _NUMERATOR + name)
                        self.table.values[cell] = round(pct * of / 100)
        for described in info.stored_values:
            cell = (*key, _NUMERATOR + described.name)
            if cell in self.table.values:
                # A percentage's count is seen only with the percentage: not when a count the
                # percentage rests on is withheld.
                needs = self._value_cells(key, values, described.name) or set()
                self.table.requires.setdefault(cell, set()).update(needs - {cell})
        for group in info.complements:
            cells = [(*key, _NUMERATOR + n) for n in group]
            cells = [c for c in cells if c in self.table.values]
            for cell in cells:
                self.table.requires.setdefault(cell, set()).update(set(cells) - {cell})
        for whole, parts in info.partitions:
            self.table.add_sum(
                (*key, whole),
                [self._cell_of(key, p) for p in parts],
                # One residual per partition: a cohort may be split more than one way.
                residual=(*key, "rest of", whole, parts),
            )

    def _cell_of(self, key: RowKey, name: str) -> tuple:
        info = METRICS[key[0]]
        described = info.value(name)
        if described is not None and any(isinstance(b, PctOf) for b in described.bases):
            return (*key, _NUMERATOR + name)
        return (*key, name)

    def _named_cell(self, key: RowKey, values: Mapping[str, Any], name: str) -> tuple | None:
        info = METRICS[key[0]]
        if name in values:
            cell = (*key, name)
        else:
            described = info.value(name)
            if described is None or not described.fallback or described.fallback not in values:
                return None
            cell = (*key, described.fallback)
        return cell if cell in self.table.values else None

    def _value_cells(self, key: RowKey, values: Mapping[str, Any], name: str) -> set[Any] | None:
        info = METRICS.get(key[0])
        described = info.value(name) if info else None
        if described is None:
            return None
        cells: set[Any] = set()
        for basis in described.bases:
            if isinstance(basis, Count):
                for n in basis.names:
                    cell = self._named_cell(key, values, n)
                    if cell is None:
                        return None
                    cells.add(cell)
            elif isinstance(basis, PctOf):
                cell = (*key, _NUMERATOR + name)
                if basis.pct == name and cell in self.table.values:
                    cells.add(cell)
            elif isinstance(basis, QuintileCounts):
                for group in basis.groups:
                    quintile = (*key[:3], "imd_quintile", group)
                    for n in basis.names:
                        if (*quintile, n) not in self.table.values:
                            return None
                        cells.add((*quintile, n))
        return cells

    def _names(self, key: RowKey) -> list[str]:
        if not hasattr(self, "_names_of"):
            self._names_of: dict[RowKey, list[str]] = {}
            for cell in self.table.values:
                row = cast(tuple, cell)
                if len(row) == 6:
                    self._names_of.setdefault(row[:5], []).append(row[5])
        return self._names_of.get(key, [])

    def _breakdown_sums(self) -> None:
        """A breakdown's groups add up to the same level and code's total."""
        by_dimension: dict[tuple[str, str, str, str], list[RowKey]] = {}
        for key in self.rows:
            if key[3] != "total":
                by_dimension.setdefault(key[:4], []).append(key)
        for (metric, level, code, dim), groups in by_dimension.items():
            total = (metric, level, code, "total", "all")
            if total not in self.rows:
                continue
            for name in self._names(total):
                self.table.add_sum(
                    (*total, name),
                    [(*g, name) for g in groups],
                    residual=(metric, level, code, dim, "groups not listed", name),
                )

    def _level_sums(self) -> None:
        """Practices add up to their PCN and to the whole area (people with no registered
        practice count in the whole area only: the difference is never shown)."""
        practices: dict[tuple[str, str, str], list[RowKey]] = {}
        for key in self.rows:
            if key[1] == "practice":
                practices.setdefault((key[0], key[3], key[4]), []).append(key)
        for (metric, dim, group), keys in practices.items():
            names = {n for k in keys for n in self._names(k)}
            by_pcn: dict[str, list[RowKey]] = {}
            for k in keys:
                if self.pcn.get((metric, k[2])):
                    by_pcn.setdefault(self.pcn[metric, k[2]], []).append(k)
            for name in sorted(names):
                self.table.add_sum(
                    (metric, "all", "", dim, group, name),
                    [(*k, name) for k in keys],
                    residual=(metric, "all", "", dim, group, "no practice", name),
                )
                for pcn, members in by_pcn.items():
                    self.table.add_sum(
                        (metric, "pcn", pcn, dim, group, name),
                        [(*k, name) for k in members],
                        residual=(metric, "pcn", pcn, dim, group, "no practice", name),
                    )

    def _shared_sums(self) -> None:
        for (m1, n1), (m2, n2) in SHARED_COUNTS:
            one = (m1, "all", "", "total", "all", n1)
            other = (m2, "all", "", "total", "all", n2)
            self.table.add_sum(one, [other], residual=(m1, m2, "differ", n1))

    def withheld_names(self, withheld: set[Any]) -> dict[RowKey, list[str]]:
        out: dict[RowKey, list[str]] = {}
        for key, row in self.rows.items():
            out[key] = [
                name
                for name, value in row["values"].items()
                if value is not None
                and ((cells := self.bases.get((key, name))) is None or cells & withheld)
            ]
        return out


# Deciding suppression for a period takes a while for a metric with many values (ons4:
# seconds) and every page, download and API answer of the period asks for it again. The answer
# depends only on the rows given, so it is kept under a digest of those rows: a recomputed
# period has other rows (and times) and is decided afresh.
PRESENT_CACHE_SECONDS = 24 * 60 * 60


def rows_present_cached(
    *,
    metric: str,
    rows: Iterable[Mapping[str, Any]],
    exact: bool,
    only: tuple[str, str] | None = None,
) -> list[dict]:
    """``rows_present``, remembered for the same rows (see ``PRESENT_CACHE_SECONDS``).
    ``only`` = (level, code): just the shown rows of that level and code, decided over every
    row given as always, and remembered apart too, so that a page showing one code does not
    read back the whole period's answer (2,997 rows at scale 1) on every request."""
    rows = list(rows)
    # Each row as canonical JSON (keys sorted; dates and other non-JSON values by their repr,
    # so a date never equals its string), the rows in sorted order: the C encoder makes this
    # cheap enough for the overview's thousands of rows on every request.
    encode = json.JSONEncoder(sort_keys=True, default=repr, separators=(",", ":")).encode
    digest = hashlib.sha256("\n".join(sorted(map(encode, rows))).encode()).hexdigest()
    key = _present_key(metric=metric, exact=exact, digest=digest)
    if only is not None:
        return _part_cached(
            f"{key}:{_only_digest(only)}",
            only,
            lambda: rows_present_cached(metric=metric, rows=rows, exact=exact),
        )
    found = cache.get(key)
    if found is None:
        found = rows_present(metric=metric, rows=rows, exact=exact)
        cache.set(key, found, PRESENT_CACHE_SECONDS)
    return cast(list[dict], found)


def rows_present_part_cached(
    *,
    metric: str,
    exact: bool,
    only: tuple[str, str],
    digest: str,
    rows: Callable[[], Iterable[Mapping[str, Any]]],
) -> list[dict]:
    """``rows_present_cached(..., only=only)``, found by ``digest``: one the database computed
    over the same rows (``selectors.snapshot_rows_summary``), so that a page whose answer is
    remembered reads none of the period's rows. ``rows`` (every row, as always) is called only
    when the answer is not remembered."""
    key = f"{_present_key(metric=metric, exact=exact, digest='db-' + digest)}:{_only_digest(only)}"
    return _part_cached(
        key, only, lambda: rows_present_cached(metric=metric, rows=rows(), exact=exact)
    )


def _part_cached(key: str, only: tuple[str, str], whole: Callable[[], list[dict]]) -> list[dict]:
    """The rows of one (level, code) remembered under ``key``; when they are not, taken from
    ``whole``, the answer decided over every row."""
    part = cache.get(key)
    if part is None:
        level, code = only
        part = [r for r in whole() if r["level"] == level and r["code"] == code]
        cache.set(key, part, PRESENT_CACHE_SECONDS)
    return cast(list[dict], part)


def _present_key(*, metric: str, exact: bool, digest: str) -> str:
    # The rule's threshold is in the key, so a deployment that changes it never reads an
    # answer decided under the old one.
    return f"outcomes:present:v2:{SMALLEST_SHOWN}:{metric}:{int(exact)}:{digest}"


def _only_digest(only: tuple[str, str]) -> str:
    return hashlib.sha256(json.dumps(list(only)).encode()).hexdigest()


def rows_present(*, metric: str, rows: Iterable[Mapping[str, Any]], exact: bool) -> list[dict]:
    """Snapshot rows (dicts with level, code, dimension, group, values, and ``metric`` when
    they are of several metrics) as shown: this metric's rows, each with ``suppressed``,
    ``withheld`` (value names) and ``reasons``. ``exact`` (administrators) keeps every value.

    Suppression is decided over every row given at once, so callers pass every row a user
    could see for the period: every level, code and dimension, and the rows of the metrics
    that share a count with this one (``metrics_sharing``), even when they show one code."""
    rows = sorted(
        rows,
        key=lambda r: (
            r.get("metric", metric),
            r["level"],
            r["code"] or "",
            r["dimension"],
            r["group"],
        ),
    )
    withheld_by_row: dict[RowKey, list[str]] = {}
    if not exact:
        cells = _Cells(rows, metric)
        withheld_by_row = cells.withheld_names(protect(cells.table))
    quintiles: dict[tuple[str, str], dict[str, Mapping[str, Any]]] = {}
    for row in rows:
        if row.get("metric", metric) == metric and row["dimension"] == "imd_quintile":
            quintiles.setdefault((row["level"], row["code"]), {})[row["group"]] = row["values"]
    shown_rows = []
    for row in rows:
        if row.get("metric", metric) != metric:
            continue
        withheld = withheld_by_row.get(_row_key(row, metric), [])
        values = {n: (None if n in withheld else v) for n, v in row["values"].items()}
        reasons: dict[str, str] = {}
        if withheld:
            reasons = withheld_reasons(
                metric=metric,
                values=row["values"],
                withheld=withheld,
                quintiles=quintiles.get((row["level"], row["code"]), {}),
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


def row_suppress(
    *,
    metric: str,
    values: Mapping[str, Any],
    quintiles: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """One overall row on its own (with the same level's IMD-quintile rows, if given): its
    values with withheld ones set to ``None``, and the names withheld."""
    rows = [{"level": "all", "code": "", "dimension": "total", "group": "all", "values": values}]
    rows += [
        {"level": "all", "code": "", "dimension": "imd_quintile", "group": g, "values": v}
        for g, v in (quintiles or {}).items()
    ]
    shown = rows_present(metric=metric, rows=rows, exact=False)
    total = next(r for r in shown if r["dimension"] == "total")
    return total["values"], total["withheld"]


def exact_for(user: Any) -> bool:
    """Only administrators see exact small numbers."""
    return bool(getattr(user, "is_admin", False))

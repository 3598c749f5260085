"""What someone who sees the suppressed rows could work out, written independently of
``socialrx.disclosure`` (exact fractions, its own equations): every count the rows show or
imply, the equations between them (a breakdown's groups add up to the total, practices to
their PCN and to the whole area with an unknown number of people with no practice, a
percentage's counts to the cohort, a count two metrics share), and, by Gaussian elimination,
every withheld count those equations determine. Tests compare what is determined with the
exact rows: nothing from 1 to 7 may be."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from outcomes.metrics.definition import PctOf
from outcomes.metrics.registry import METRICS, SHARED_COUNTS

Var = tuple  # (metric, level, code, dimension, group, count) or an unknown of its own


def counts_of(metric: str, values: Mapping[str, Any]) -> dict[str, int]:
    """The counts a row holds: its count values, and each percentage's count (the share of
    the count it is of)."""
    info = METRICS[metric]
    out: dict[str, int] = {}
    for v in info.stored_values:
        raw = values.get(v.name)
        if raw is None:
            continue
        if v.kind == "count":
            out[v.name] = round(raw)
        for b in v.bases:
            if isinstance(b, PctOf) and values.get(b.of) is not None:
                out["#" + v.name] = round(raw * values[b.of] / 100)
    for v in info.stored_values:
        # A percentage of nobody is null: its count is 0 all the same.
        for b in v.bases:
            if isinstance(b, PctOf) and values.get(b.of) == 0 and values.get(v.name) is None:
                out["#" + v.name] = 0
    return out


def _part_name(metric: str, name: str) -> str:
    v = METRICS[metric].value(name)
    return "#" + name if v is not None and any(isinstance(b, PctOf) for b in v.bases) else name


def equations(rows: Iterable[Mapping[str, Any]]) -> list[tuple[Var, list[Var]]]:
    """(total, parts) for every sum an attacker knows, from the rows' keys alone."""
    rows = list(rows)
    keys = {(r["metric"], r["level"], r["code"] or "", r["dimension"], r["group"]) for r in rows}
    names_by_metric: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        info = METRICS[r["metric"]]
        for v in info.stored_values:
            if v.kind == "count":
                names_by_metric[r["metric"]].add(v.name)
            if any(isinstance(b, PctOf) for b in v.bases):
                names_by_metric[r["metric"]].add("#" + v.name)
    pcn_of = {(r["metric"], r["code"]): r.get("pcn") for r in rows if r["level"] == "practice"}
    eqs: list[tuple[Var, list[Var]]] = []
    for metric, level, code, dim, group in sorted(keys):
        info = METRICS[metric]
        names = names_by_metric[metric]
        # A row's own counts (the cohort split by a percentage), the rest unknown.
        for whole, parts in info.partitions:
            rest = ("rest", metric, level, code, dim, group, whole, *parts)
            eqs.append(
                (
                    (metric, level, code, dim, group, whole),
                    [(metric, level, code, dim, group, _part_name(metric, p)) for p in parts]
                    + ([rest] if len(parts) == 1 else []),
                )
            )
        if dim == "total":
            for other_dim in {k[3] for k in keys if k[:3] == (metric, level, code)} - {"total"}:
                groups = [k for k in keys if k[:4] == (metric, level, code, other_dim)]
                for name in names:
                    eqs.append(
                        ((metric, level, code, dim, group, name), [(*g, name) for g in groups])
                    )
        if level == "all":
            practices = [
                k for k in keys if k[0] == metric and k[1] == "practice" and k[3:] == (dim, group)
            ]
            if practices:
                for name in names:
                    unregistered = ("unregistered", metric, dim, group, name)
                    eqs.append(
                        (
                            (metric, level, code, dim, group, name),
                            [(*p, name) for p in practices] + [unregistered],
                        )
                    )
        if level == "pcn":
            members = [
                k
                for k in keys
                if k[0] == metric
                and k[1] == "practice"
                and k[3:] == (dim, group)
                and pcn_of.get((metric, k[2])) == code
            ]
            if members:
                for name in names:
                    eqs.append(
                        ((metric, level, code, dim, group, name), [(*p, name) for p in members])
                    )
    for (m1, n1), (m2, n2) in SHARED_COUNTS:
        if (m1, "all", "", "total", "all") in keys and (m2, "all", "", "total", "all") in keys:
            eqs.append(((m1, "all", "", "total", "all", n1), [(m2, "all", "", "total", "all", n2)]))
    return eqs


def _cells(rows: Iterable[Mapping[str, Any]]) -> dict[Var, int]:
    out: dict[Var, int] = {}
    for r in rows:
        key = (r["metric"], r["level"], r["code"] or "", r["dimension"], r["group"])
        for name, value in counts_of(r["metric"], r["values"]).items():
            out[(*key, name)] = value
    return out


def recovered(exact_rows: list[Mapping[str, Any]], shown_rows: list[Mapping[str, Any]]) -> list:
    """The counts from 1 to 7 that the shown rows let anyone work out exactly: withheld
    counts determined by the equations, and the withheld parts of a sum with a shown total
    that add up to 1 to 7. Each as (kind, what, exact value)."""
    exact = _cells(exact_rows)
    shown = _cells(shown_rows)
    eqs = []
    for total, parts in equations(exact_rows):
        own = [p for p in parts if p[0] not in ("rest", "unregistered")]
        if total not in exact or not own or any(p not in exact for p in own):
            continue
        # The unknown rest (people with no practice, the cohort not counted by a share):
        # unknown to the reader unless it is 0, which is assumed known (the careful side).
        rest = exact[total] - sum(exact[p] for p in own)
        for p in parts:
            if p not in own and rest:
                exact[p] = rest
        eqs.append((total, [p for p in parts if p in exact]))
    known = lambda v: v in shown  # noqa: E731
    # Rows as {unknown: coefficient}; the constant does not matter for what is determined.
    matrix: list[dict[Var, Fraction]] = []
    for total, parts in eqs:
        row: dict[Var, Fraction] = defaultdict(Fraction)
        if not known(total):
            row[total] += 1
        for p in parts:
            if not known(p):
                row[p] -= 1
        row = {k: v for k, v in row.items() if v}
        if row:
            matrix.append(row)
    pivots: dict[Var, dict[Var, Fraction]] = {}
    for row in matrix:
        row = dict(row)
        for col in [c for c in list(row) if c in pivots]:
            f = row.get(col)
            if f:
                for k, v in pivots[col].items():
                    row[k] = row.get(k, 0) - f * v
                row = {k: v for k, v in row.items() if v}
        if not row:
            continue
        col = min(row, key=repr)
        row = {k: v / row[col] for k, v in row.items()}
        for other, orow in pivots.items():
            f = orow.get(col)
            if f:
                for k, v in row.items():
                    orow[k] = orow.get(k, 0) - f * v
                pivots[other] = {k: v for k, v in orow.items() if v}
        pivots[col] = row
    found = [
        ("cell", col, exact[col])
        for col, row in pivots.items()
        if len(row) == 1 and col in exact and 0 < exact[col] < 8
    ]
    for total, parts in eqs:
        if known(total):
            hidden = [p for p in parts if not known(p)]
            if hidden and 0 < sum(exact[p] for p in hidden) < 8:
                found.append(("sum", tuple(hidden), sum(exact[p] for p in hidden)))
    return found

"""Small-number protection for tables of counts that add up (docs/security.md, "Small numbers").

A count from 1 to 7 is withheld (primary suppression). That alone is not enough when the
counts add up: a breakdown's groups add up to its total, practices add up to their PCN and to
the whole area, the shares of a cohort add up to the cohort. With one cell of such a sum
withheld, the others and the total give it away by subtraction. So further cells are withheld
(complementary suppression) until no count from 1 to 7 can be worked out from what is shown.

The tables are described generically, so that every page that shows counts uses the same
rule: *cells* (any hashable key) with exact whole-number values, and *sums* (a total cell and
the cells it is the sum of). This module knows nothing about metrics or gaps.

The rule, applied until nothing changes:

1. Every count from 1 to 7 is withheld, and so is every cell marked ``hidden`` (a figure that
   is never shown, such as "people with no registered practice", the difference between a
   total and the sum of its parts).
2. ``requires``: a cell is withheld when any cell it requires is (a percentage's numerator
   cannot be seen when its denominator is withheld).
3. For every sum whose total is shown: the withheld parts add up to the total minus the shown
   parts, so that amount is known. It must not be from 1 to 7, and a single withheld part
   (other than a never-shown difference) must not stand alone, or it is known exactly. While
   either holds, the smallest non-zero shown part is withheld too (the total itself when no
   part is left). A zero part is never chosen: withholding a zero adds nothing to the amount.
4. For every sum whose total is withheld (not a never-shown one) but whose parts are all
   shown, the total could be added up: the smallest non-zero part is withheld.
5. Last, the whole system is solved as linear equations: no withheld cell from 1 to 7 may be
   determined by any combination of the sums. If one is, the smallest non-zero shown part of
   the sum holding it with the fewest withheld cells is withheld, and the rule starts again
   from 3.

Every choice is deterministic (smallest value, then the order cells were given in), so the
same figures give the same withheld cells on every page, export and API response.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

SMALLEST_SHOWN = 8  # counts 1..7 are withheld

Key = Hashable


def is_small(count: object) -> bool:
    """A count from 1 to 7. ``None`` is not small (there is nothing to disclose)."""
    if count is None or isinstance(count, bool) or not isinstance(count, int | float):
        return False
    return 0 < count < SMALLEST_SHOWN


@dataclass(frozen=True)
class Sum:
    """``total`` is the sum of ``parts`` (cell keys)."""

    total: Key
    parts: tuple[Key, ...]


@dataclass
class Table:
    """Cells (key → exact whole number), the sums between them, cells never shown, and what
    each cell requires to be shown."""

    values: dict[Key, int]
    sums: list[Sum]
    hidden: set[Key]
    requires: dict[Key, set[Key]]

    @classmethod
    def empty(cls) -> Table:
        return cls(values={}, sums=[], hidden=set(), requires={})

    def add_sum(self, total: Key, parts: Sequence[Key], *, residual: Key) -> None:
        """Add ``total = Σ parts``. When the exact values do not add up (people with no
        registered practice count in the whole area only), the difference becomes a cell
        ``residual`` that is never shown, so the sum still holds. Each sum needs its own
        ``residual`` key: one shared by two sums would make them disagree."""
        parts = tuple(p for p in parts if p in self.values)
        if total not in self.values or not parts:
            return
        difference = self.values[total] - sum(self.values[p] for p in parts)
        if difference:
            if residual in self.values:
                raise ValueError(f"residual {residual!r} is already a cell")
            self.values[residual] = difference
            self.hidden.add(residual)
            parts += (residual,)
        self.sums.append(Sum(total, parts))


# --- the rule ------------------------------------------------------------------------------


def protect(table: Table) -> set[Key]:
    """The cells to withhold: counts 1 to 7, never-shown cells, and enough others that none
    of the first two kinds can be worked out (see the module's docstring)."""
    order = {key: i for i, key in enumerate(table.values)}
    withheld = {k for k, v in table.values.items() if is_small(v)} | set(table.hidden)
    by_cell: dict[Key, list[Sum]] = {}
    for s in table.sums:
        for key in (s.total, *s.parts):
            by_cell.setdefault(key, []).append(s)
    solver = Elimination(table.sums)
    settled = _Settled(table.sums)
    while True:
        _close_requires(table, withheld)
        if _sums_pass(table, withheld, order, settled):
            continue
        solver.withhold_all(withheld, order)
        found = [k for k in solver.determined() if is_small(table.values.get(k))]
        if not found:
            return withheld
        # One partner at a time (the first cell in the given order): one more withheld cell
        # often frees several determined ones, and the cheap sums pass runs again first.
        found.sort(key=lambda k: order.get(k, len(order)))
        if not any(_break(table, withheld, order, k, by_cell) for k in found):
            # Nothing left to withhold around them: cannot happen while a shown non-zero
            # cell determines them, so withhold every cell rather than loop.
            withheld.update(table.values)
            return withheld


def _close_requires(table: Table, withheld: set[Key]) -> None:
    changed = True
    while changed:
        changed = False
        for key, needs in table.requires.items():
            if key not in withheld and needs & withheld:
                withheld.add(key)
                changed = True


def _smallest_shown(
    table: Table, withheld: set[Key], order: Mapping[Key, int], keys: Iterable[Key]
) -> Key | None:
    candidates = [k for k in keys if k not in withheld and table.values.get(k)]
    if not candidates:
        return None
    return min(candidates, key=lambda k: (table.values[k], order.get(k, len(order))))


class _Settled:
    """The sums the last pass found nothing to do in, and that no cell withheld since has
    touched: a pass would find nothing again, so it skips them (the same cells are withheld,
    in the same order, as when every sum is looked at every time)."""

    def __init__(self, sums: Sequence[Sum]) -> None:
        self.sums_of: dict[Key, list[int]] = {}
        for i, s in enumerate(sums):
            for key in (s.total, *s.parts):
                self.sums_of.setdefault(key, []).append(i)
        self.settled: set[int] = set()
        self.seen: set[Key] = set()

    def catch_up(self, withheld: set[Key]) -> None:
        for key in withheld - self.seen:
            self.touched(key)

    def touched(self, key: Key) -> None:
        self.seen.add(key)
        self.settled.difference_update(self.sums_of.get(key, ()))


def _sums_pass(
    table: Table, withheld: set[Key], order: Mapping[Key, int], settled: _Settled
) -> bool:
    """Rules 3 and 4 over every sum once; whether anything more was withheld."""
    settled.catch_up(withheld)
    changed = False
    for i, s in enumerate(table.sums):
        if i in settled.settled:
            continue
        pick = _sum_pick(table, withheld, order, s)
        if pick is not None and pick not in withheld:
            withheld.add(pick)
            settled.touched(pick)
            changed = True
        else:
            settled.settled.add(i)
    return changed


def _sum_pick(table: Table, withheld: set[Key], order: Mapping[Key, int], s: Sum) -> Key | None:
    """The cell rule 3 or 4 withholds for the sum ``s`` as things stand, if any."""
    hidden_parts = [p for p in s.parts if p in withheld]
    if s.total in withheld:
        if hidden_parts or s.total in table.hidden or not table.values[s.total]:
            return None
        return _smallest_shown(table, withheld, order, s.parts)
    if not hidden_parts:
        return None
    amount = sum(table.values[p] for p in hidden_parts)
    alone = (
        len(hidden_parts) == 1
        and hidden_parts[0] not in table.hidden
        and table.values[hidden_parts[0]] != 0
    )
    if not (is_small(amount) or alone):
        return None
    pick = _smallest_shown(table, withheld, order, s.parts)
    return s.total if pick is None else pick


def _break(
    table: Table,
    withheld: set[Key],
    order: Mapping[Key, int],
    cell: Key,
    by_cell: Mapping[Key, list[Sum]],
) -> bool:
    """Withhold one more cell so that ``cell`` (determined, small) may no longer be: the
    smallest non-zero shown part of the sum holding it with the fewest withheld cells; when
    every part of its sums is withheld already (the people with no practice, once all the
    practices are), the nearest sums reached through withheld cells, their shown totals
    first (a PCN rather than the whole area), then their parts. Whether a cell was added."""
    own = by_cell.get(cell, [])
    ranked = sorted(own, key=lambda s: sum(k in withheld for k in (s.total, *s.parts)))
    for s in ranked:
        pick = _smallest_shown(table, withheld, order, s.parts)
        if pick is not None:
            withheld.add(pick)
            return True
    seen_sums = set(own)
    seen_cells = {cell}
    frontier = [k for s in own for k in (s.total, *s.parts) if k in withheld]
    while frontier:
        reached: list[Sum] = []
        for key in frontier:
            if key in seen_cells:
                continue
            seen_cells.add(key)
            reached += [s for s in by_cell.get(key, []) if s not in seen_sums]
        seen_sums.update(reached)
        for keys in ([s.total for s in reached], [p for s in reached for p in s.parts]):
            pick = _smallest_shown(
                table, withheld, order, sorted(set(keys), key=lambda cell: order.get(cell, 0))
            )
            if pick is not None:
                withheld.add(pick)
                return True
        frontier = [k for s in reached for k in (s.total, *s.parts) if k in withheld]
    for s in ranked:
        if s.total not in withheld:
            withheld.add(s.total)
            return True
    return False


# --- what can be worked out ----------------------------------------------------------------

_PRIME = (1 << 61) - 1  # arithmetic modulo a large prime: exact for these small systems


def determined(sums: Sequence[Sum], withheld: set[Key]) -> set[Key]:
    """The withheld cells whose value follows from the shown cells through the sums, by any
    linear combination of them (Gaussian elimination to reduced row echelon form: a cell is
    determined when some reduced row holds it alone)."""
    pivots: dict[Key, dict[Key, int]] = {}  # pivot cell -> its row (pivot coefficient 1)
    holding: dict[Key, set[Key]] = {}  # cell -> pivot cells whose row holds it
    for s in sums:
        row: dict[Key, int] = {}
        if s.total in withheld:
            row[s.total] = 1
        for p in s.parts:
            if p in withheld:
                row[p] = (row.get(p, 0) - 1) % _PRIME
        row = {k: v for k, v in row.items() if v}
        for col in [c for c in row if c in pivots]:
            factor = row.get(col, 0)
            if factor:
                _axpy(row, pivots[col], -factor)
        if not row:
            continue
        col = next(iter(row))
        inverse = pow(row[col], _PRIME - 2, _PRIME)
        row = {k: v * inverse % _PRIME for k, v in row.items()}
        for other in list(holding.get(col, ())):
            other_row = pivots[other]
            factor = other_row.get(col, 0)
            if factor:
                before = set(other_row)
                _axpy(other_row, row, -factor)
                for gone in before - set(other_row):
                    holding.get(gone, set()).discard(other)
                for new in set(other_row) - before:
                    holding.setdefault(new, set()).add(other)
        pivots[col] = row
        for k in row:
            holding.setdefault(k, set()).add(col)
    return {col for col, row in pivots.items() if len(row) == 1}


class Elimination:
    """``determined`` kept up to date while cells are withheld one by one, for ``protect``'s
    loop, which withholds a cell or two between questions: rebuilding the elimination each time
    cost about a second on a quarter's dashboards, twenty times over.

    The rows are the sums over *every* cell, shown or withheld, kept in reduced row echelon
    form with withheld cells only as pivots (Gauss-Jordan). A row without a pivot holds shown
    cells only. Withholding a cell ``y``: if a row without a pivot holds it, ``y`` becomes that
    row's pivot and is eliminated from every other row; otherwise ``y`` joins the rows holding
    it as one more unknown. A withheld cell is determined when its pivot row holds no other
    withheld cell. Withholding never makes a cell determined that was not (an unknown more
    only adds solutions), so the answer equals ``determined`` on the same cells, whatever the
    order they were withheld in (tests check it on random tables)."""

    def __init__(self, sums: Sequence[Sum]) -> None:
        self.rows: dict[int, dict[Key, int]] = {}
        self.unknowns: dict[int, int] = {}  # row -> how many withheld cells it holds
        self.pivots: dict[Key, int] = {}  # withheld cell -> the row it is the pivot of
        self.pivot_rows: set[int] = set()
        self.holding: dict[Key, set[int]] = {}  # cell -> rows holding it
        self.withheld: set[Key] = set()
        for i, s in enumerate(sums):
            row: dict[Key, int] = {s.total: 1}
            for p in s.parts:
                row[p] = (row.get(p, 0) - 1) % _PRIME
            row = {k: v for k, v in row.items() if v}
            if row:
                self.rows[i] = row
                self.unknowns[i] = 0
                for k in row:
                    self.holding.setdefault(k, set()).add(i)

    def withhold_all(self, cells: Iterable[Key], order: Mapping[Key, int]) -> None:
        """Withhold ``cells`` not withheld yet, those in fewest rows first (the order keeps
        the rows short; the answer does not depend on it)."""
        new = [k for k in cells if k not in self.withheld]
        new.sort(key=lambda k: (len(self.holding.get(k, ())), order.get(k, len(order))))
        for key in new:
            self.withhold(key)

    def withhold(self, y: Key) -> None:
        if y in self.withheld:
            return
        self.withheld.add(y)
        holding = self.holding.get(y)
        if not holding:
            return
        for r in holding:
            self.unknowns[r] += 1
        free = [r for r in holding if r not in self.pivot_rows]
        if not free:
            return
        pivot = min(free, key=lambda r: (len(self.rows[r]), r))
        row = self.rows[pivot]
        if row[y] != 1:
            inverse = pow(row[y], _PRIME - 2, _PRIME)
            for k in row:
                row[k] = row[k] * inverse % _PRIME
        for other in [r for r in holding if r != pivot]:
            self._subtract(other, row, self.rows[other][y])
        self.pivots[y] = pivot
        self.pivot_rows.add(pivot)

    def _subtract(self, target: int, row: Mapping[Key, int], factor: int) -> None:
        """Row ``target`` -= ``factor`` × ``row``, keeping the indexes and counts true."""
        entries = self.rows[target]
        for k, v in row.items():
            value = (entries.get(k, 0) - factor * v) % _PRIME
            if value:
                if k not in entries:
                    self.holding.setdefault(k, set()).add(target)
                    self.unknowns[target] += k in self.withheld
                entries[k] = value
            elif k in entries:
                del entries[k]
                self.holding[k].discard(target)
                self.unknowns[target] -= k in self.withheld

    def determined(self) -> set[Key]:
        return {y for y, r in self.pivots.items() if self.unknowns[r] == 1}


def _axpy(target: dict[Key, int], row: Mapping[Key, int], factor: int) -> None:
    """target += factor × row, modulo the prime, dropping zeros."""
    for k, v in row.items():
        value = (target.get(k, 0) + factor * v) % _PRIME
        if value:
            target[k] = value
        else:
            target.pop(k, None)


def recoverable(table: Table, withheld: set[Key]) -> list[tuple[str, Key | tuple[Key, ...]]]:
    """What someone who sees every shown cell could still work out that is from 1 to 7: a
    withheld cell determined by the sums ("cell"), or the withheld parts of one sum whose
    total is shown adding up to 1 to 7 ("sum"). Empty when the protection holds."""
    found: list[tuple[str, Key | tuple[Key, ...]]] = [
        ("cell", k) for k in determined(table.sums, withheld) if is_small(table.values.get(k))
    ]
    for s in table.sums:
        if s.total in withheld:
            continue
        hidden_parts = tuple(p for p in s.parts if p in withheld)
        if hidden_parts and is_small(sum(table.values[p] for p in hidden_parts)):
            found.append(("sum", hidden_parts))
    return found

"""The elimination ``protect`` keeps up to date as it withholds cells answers exactly what a
fresh elimination (``determined``) answers for the same withheld cells, whatever the order
they were withheld in, on random systems of sums like the dashboards' (groups adding up to
totals, practices to PCNs, cells shared between sums)."""

from __future__ import annotations

import random

from socialrx.disclosure import Elimination, Sum, Table, determined, protect, recoverable


def _random_sums(rng: random.Random) -> tuple[list[str], list[Sum]]:
    cells = [f"c{i}" for i in range(rng.randint(4, 40))]
    sums = []
    for i in range(rng.randint(1, 25)):
        parts = tuple(rng.sample(cells, rng.randint(1, min(6, len(cells)))))
        total = rng.choice([*cells, f"t{i}"])
        if total in parts:
            continue
        sums.append(Sum(total, parts))
    return cells + [f"t{i}" for i in range(25)], sums


def test_kept_up_to_date_it_answers_as_a_fresh_elimination():
    rng = random.Random(20261203)
    compared = determined_seen = 0
    for _ in range(300):
        cells, sums = _random_sums(rng)
        rng.shuffle(cells)
        solver = Elimination(sums)
        withheld: set[str] = set()
        for cell in cells[: rng.randint(1, len(cells))]:
            withheld.add(cell)
            if rng.random() < 0.4:  # several at once, as protect's passes do
                continue
            solver.withhold_all(withheld, {})
            expected = determined(sums, withheld)
            assert solver.determined() == expected, (sums, withheld)
            compared += 1
            determined_seen += bool(expected)
    assert compared > 500
    assert determined_seen > 100  # not vacuous: many systems determine some cell


def test_withholding_a_cell_again_changes_nothing():
    sums = [Sum("t", ("a", "b")), Sum("u", ("b", "c"))]
    solver = Elimination(sums)
    solver.withhold_all({"a"}, {})
    assert solver.determined() == {"a"}
    solver.withhold("a")
    assert solver.determined() == {"a"}
    solver.withhold_all({"a", "b"}, {})  # u and c give b, then t gives a
    assert solver.determined() == {"a", "b"}
    solver.withhold_all({"a", "b", "c"}, {})
    assert solver.determined() == set()


def test_protect_leaves_nothing_small_recoverable_on_random_tables():
    rng = random.Random(5)
    for _ in range(150):
        cells, sums = _random_sums(rng)
        values = {c: rng.choice([0, 1, 2, 3, 5, 8, 9, 12, 20, 40]) for c in cells}
        table = Table.empty()
        table.values.update(values)
        for i, s in enumerate(sums):
            table.add_sum(s.total, s.parts, residual=("rest", i))
        withheld = protect(table)
        assert recoverable(table, withheld) == [], (table, withheld)

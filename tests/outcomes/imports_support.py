"""Helpers for the import tests: write a CSV file in tmp_path, snapshot tables."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.db import models

VOLATILE = {"id", "created_at", "updated_at", "imported_at", "last_activity_at", "at"}


def write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = False
) -> Path:
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
    return path


def table(model: type[models.Model], *, keep_ids: bool = False) -> list[dict[str, Any]]:
    """Every row of ``model`` as plain values, in a stable order, without timestamps (and
    without ids unless asked: a replaced extract gets new ids)."""
    names = [
        f.attname for f in model._meta.concrete_fields if keep_ids or f.attname not in VOLATILE
    ]
    rows = list(model.objects.values(*names))
    return sorted(rows, key=lambda r: [str(r[n]) for n in names])


def tables(*models_: type[models.Model]) -> dict[str, list[dict[str, Any]]]:
    return {m._meta.label: table(m) for m in models_}


def messages(result: Any) -> list[str]:
    return [str(p) for p in result.problems]


def nhs_number(n: int) -> str | None:
    """The n-th 9-digit stem with its modulus 11 check digit, or None where none exists."""
    stem = f"{n:09d}"
    total = sum(int(d) * w for d, w in zip(stem, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return None if check == 10 else f"{stem}{check}"


def nhs_numbers(count: int, *, start: int = 400_000_000) -> Iterable[str]:
    n = start
    made = 0
    while made < count:
        number = nhs_number(n)
        n += 1
        if number:
            made += 1
            yield number

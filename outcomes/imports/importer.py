"""The base of every importer: a format's columns, the hooks the engine calls, and what every
importer needs (duplicates within a file, missing references, upserts, the audit log)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from socialrx.models import AuditLog

from .columns import ECHO_LIMIT, Column
from .reading import PathOrFile
from .results import ImportResult, Problem


@dataclass
class Row:
    line: int
    values: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)

    def error(self, column: str, problem: str, expected: str) -> None:
        self.problems.append(Problem(self.line, column, problem, expected))

    @property
    def bad(self) -> bool:
        return bool(self.problems)


class Importer:
    """One format. Subclasses list their columns and write their rows; the engine
    (``import_file``) does the reading, checking and transaction."""

    kind: ClassVar[str]
    columns: ClassVar[tuple[Column, ...]]
    batch_size: ClassVar[int] = 5000
    # Columns the template file leaves out (one of two alternatives, say).
    template_leaves_out: ClassVar[tuple[str, ...]] = ()
    # Writes stream into the database (PostgreSQL COPY) across batches: while a stream is open
    # the connection takes no other statement, so nothing extra may be asked of it.
    writes_stream: ClassVar[bool] = False

    def __init__(self, *, by: Any = None, result: ImportResult) -> None:
        self.by = by if getattr(by, "is_authenticated", False) else None
        self.result = result
        self.present: frozenset[str] = frozenset()
        self._seen: dict[str, dict[Any, int]] = {}

    # Hooks, in the order the engine calls them.

    def header_problems(self, names: list[str]) -> list[Problem]:
        """Unknown, repeated and missing columns (any order; optional columns may be left
        out)."""
        known = {c.name for c in self.columns}
        listing = ", ".join(c.name for c in self.columns)
        problems = []
        seen: set[str] = set()
        for name in names:
            if name in seen:
                problems.append(Problem(1, name, "this column appears twice", "each column once"))
            elif name not in known:
                problems.append(
                    Problem(
                        1,
                        name,
                        f'"{name[:ECHO_LIMIT]}" is not a column of {self.kind}.csv',
                        f"only these columns: {listing}",
                    )
                )
            seen.add(name)
        for column in self.columns:
            if not column.optional and column.name not in seen:
                problems.append(
                    Problem(
                        1,
                        column.name,
                        "this column is missing from the header row",
                        f"these columns: {listing}",
                    )
                )
        return problems

    def fast_import(self, f: Any, header: list[str], progress: Callable[..., None]) -> bool:
        """Import the rest of ``f`` (after the header) by a path of the format's own, inside
        the import's transaction; True when done. False (the default) leaves the file, the
        database and the result as they were, for the general path."""
        return False

    def check_row(self, row: Row) -> None:
        """Checks across cells of one row, and duplicates within the file."""

    def resolve(self, rows: list[Row]) -> None:
        """Checks against the database for a batch: references to rows that must exist."""

    def write(self, rows: list[Row]) -> None:
        """Write a batch of good rows (only called while the file has had no bad row)."""
        raise NotImplementedError

    def close(self) -> None:
        """End any write still streaming (after the last batch, or when reading stopped)."""

    def finish(self) -> None:
        """Work after the last batch, still inside the transaction."""

    def refused(self, error: Exception, path_or_file: PathOrFile) -> list[Problem]:
        """The database refused a write that the checks let through (a race with another
        change, or a duplicate the importer does not track in memory). Say so plainly."""
        return [
            Problem(
                0,
                "",
                "the database refused the file (a row conflicts with another row or record)",
                "rows that are each unique; nothing was imported, so the file can be corrected "
                "and imported again",
            )
        ]

    # Helpers for subclasses.

    def once_in_file(self, row: Row, column: str, key: Any, *, personal: bool = False) -> bool:
        """Refuse a second row with the same key (references only are remembered, not rows).
        An empty key (a bad cell, reported already) is not a key."""
        if key is None:
            return True
        seen = self._seen.setdefault(column, {})
        first = seen.get(key)
        if first is None:
            seen[key] = row.line
            return True
        shown = "the same value" if personal else f'"{str(key)[:ECHO_LIMIT]}"'
        row.error(column, f"{shown} is also on line {first}", f"each {column} once in a file")
        return False

    def missing_ref(self, row: Row, column: str, value: str, what: str, source: str) -> None:
        if value is None:  # a bad cell, reported already
            return
        row.error(
            column,
            f'"{value[:ECHO_LIMIT]}" matches no {what}',
            f"the {column} of {what} already imported ({source})",
        )

    def upsert(
        self, model: Any, key_field: str, items: dict[Any, dict[str, Any]]
    ) -> tuple[list[Any], list[Any]]:
        """Rows matched on one key field: create the new, update the changed (only the changed
        fields), count the rest as unchanged. Returns (created, updated)."""
        existing = model.objects.in_bulk(list(items), field_name=key_field)
        new, changed, fields = [], [], set()
        for key, values in items.items():
            obj = existing.get(key)
            if obj is None:
                new.append(model(**{key_field: key}, **values))
            elif names := changed_fields(obj, values):
                changed.append(obj)
                fields.update(names)
            else:
                self.result.unchanged += 1
        model.objects.bulk_create(new, batch_size=1000)
        if changed:
            model.objects.bulk_update(changed, sorted(fields), batch_size=1000)
        self.result.created += len(new)
        self.result.updated += len(changed)
        return new, changed

    def has(self, column: str) -> bool:
        return column in self.present

    def audit(
        self, objs: Iterable[Any], *, action: str, person_id: Callable[[Any], int | None]
    ) -> None:
        """One audit entry per created or changed record of a person, written in bulk: the same
        entry ``socialrx.audit.audit_record`` writes, for thousands of rows at once."""
        entries = [
            AuditLog(
                user=self.by,
                action=action,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                person_id=person_id(obj),
                detail=f"import {self.kind}",
            )
            for obj in objs
        ]
        AuditLog.objects.bulk_create(entries, batch_size=2000)


def changed_fields(obj: Any, values: dict[str, Any]) -> list[str]:
    """Set ``values`` on ``obj``; return the names of the fields whose value changed."""
    changed = []
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def not_before(row: Row, later: str, earlier: str, *, strictly: bool = False) -> None:
    a, b = row.values.get(later), row.values.get(earlier)
    if a is not None and b is not None and (a <= b if strictly else a < b):
        row.error(
            later,
            f'"{a.isoformat()}" is {"not after" if strictly else "before"} {earlier} '
            f"({b.isoformat()})",
            f"a date {'after' if strictly else 'on or after'} {earlier}",
        )

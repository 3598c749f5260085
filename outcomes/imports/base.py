"""Shared machinery of the CSV imports (DATA_FORMATS.md): reading, header and cell checks, the
error report, batching, the all-or-nothing transaction and progress.

How an import runs: the file is read once, as a stream of rows. Rows are checked cell by cell,
gathered into batches, checked against the database (references) and written batch by batch
inside one transaction. The first bad row stops the writing but not the checking, so the report
lists every bad row (up to 100); at the end a file with any bad row is rolled back whole. Memory
holds one batch plus the references already seen in the file (to refuse duplicates), never the
file's rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, ClassVar

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction

from socialrx.models import AuditLog

try:  # COPY on PostgreSQL raises psycopg's own errors, not Django's wrappers.
    import psycopg

    DATABASE_ERRORS: tuple[type[Exception], ...] = (DatabaseError, psycopg.Error)
except ImportError:  # pragma: no cover - psycopg is a dependency; SQLite-only installs
    DATABASE_ERRORS = (DatabaseError,)

MAX_LISTED_BAD_ROWS = 100
ECHO_LIMIT = 40  # characters of a bad value quoted back in a message

PathOrFile = str | Path | IO[bytes] | Any


class Invalid(ValueError):
    """A cell's value is wrong. The message says how, as a phrase: "is not a date"."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (line, and column when it is about one cell), what is
    wrong and what was expected."""

    line: int
    column: str
    problem: str
    expected: str

    def __str__(self) -> str:
        if not self.line:
            where = "the file"
        elif self.column:
            where = f"line {self.line}, column {self.column}"
        else:
            where = f"line {self.line}"
        return f"{where}: {self.problem}; expected {self.expected}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "problem": self.problem,
            "expected": self.expected,
            "message": str(self),
        }


@dataclass
class ImportResult:
    """What an import did, or why it imported nothing. ``problems`` lists every problem of the
    first 100 bad rows; ``bad_rows`` counts all of them."""

    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    bad_rows: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.bad_rows == 0

    @property
    def unlisted_bad_rows(self) -> int:
        return max(0, self.bad_rows - MAX_LISTED_BAD_ROWS)

    def summary(self) -> str:
        if self.ok:
            return (
                f"Imported {self.rows:,} rows of {self.kind}: {self.created:,} created, "
                f"{self.updated:,} updated, {self.unchanged:,} unchanged"
                + (f", {self.deleted:,} replaced or removed" if self.deleted else "")
                + "."
            )
        if self.bad_rows:
            rows = "1 bad row" if self.bad_rows == 1 else f"{self.bad_rows:,} bad rows"
            return f"Nothing imported: {rows} in the {self.kind} file."
        return f"Nothing imported: the {self.kind} file cannot be read."

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "ok": self.ok,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "bad_rows": self.bad_rows,
            "unlisted_bad_rows": self.unlisted_bad_rows,
            "problems": [p.as_dict() for p in self.problems],
            "summary": self.summary(),
        }


# --- columns and cell parsers ----------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a format. ``required``: the cell may not be empty. ``optional``: the
    column may be left out of the header. ``personal``: the value is never quoted back."""

    name: str
    expected: str
    parse: Callable[[str], Any] = str
    required: bool = False
    optional: bool = False
    personal: bool = False

    def clean(self, text: str) -> Any:
        """The cell's value, or None for an empty cell (not known)."""
        if not text:
            if self.required:
                raise Invalid("is empty")
            return None
        return self.parse(text)

    def describe(self, text: str, problem: str) -> str:
        if not text or self.personal:
            return f"the cell {problem}" if not text else f"the value {problem}"
        shown = text if len(text) <= ECHO_LIMIT else text[: ECHO_LIMIT - 1] + "…"
        return f'"{shown}" {problem}'


def text_parser(max_length: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if len(text) > max_length:
            raise Invalid(f"is {len(text)} characters long")
        return text

    return parse


def text(name: str, *, max_length: int, **kw: Any) -> Column:
    return Column(name, f"text of at most {max_length} characters", text_parser(max_length), **kw)


def free_text(name: str, **kw: Any) -> Column:
    return Column(name, "any text", str, **kw)


def ref(name: str, **kw: Any) -> Column:
    return Column(
        name, "the source system's reference, at most 64 characters", text_parser(64), **kw
    )


def choice(name: str, choices: Iterable[str], **kw: Any) -> Column:
    allowed = tuple(choices)
    allowed_set = frozenset(allowed)

    def parse(text: str) -> str:
        if text not in allowed_set:
            raise Invalid("is not one of the codes")
        return text

    return Column(name, "one of " + ", ".join(allowed), parse, **kw)


def parse_date(text: str) -> dt.date:
    if not _DATE.match(text):
        raise Invalid("is not a date")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Invalid("is not a real date") from None


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def date(name: str, **kw: Any) -> Column:
    return Column(name, "a date as YYYY-MM-DD, for example 2025-04-30", parse_date, **kw)


def parse_month(text: str) -> dt.date:
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise Invalid("is not a month")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def month(name: str, **kw: Any) -> Column:
    return Column(name, "a month as YYYY-MM, for example 2025-04", parse_month, **kw)


def integer_parser(minimum: int, maximum: int | None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not text.isdigit() and not (text.startswith("-") and text[1:].isdigit()):
            raise Invalid("is not a whole number")
        value = int(text)
        if value < minimum or (maximum is not None and value > maximum):
            raise Invalid("is out of range")
        return value

    return parse


def integer(name: str, *, minimum: int = 0, maximum: int | None = None, **kw: Any) -> Column:
    expected = (
        f"a whole number from {minimum} to {maximum}"
        if maximum is not None
        else f"a whole number, {minimum} or more"
    )
    return Column(name, expected, integer_parser(minimum, maximum), **kw)


def decimal(name: str, *, minimum: float, maximum: float, expected: str, **kw: Any) -> Column:
    def parse(text: str) -> float:
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise Invalid("is not a number") from None
        if not value.is_finite() or not minimum <= value <= maximum:
            raise Invalid("is out of range")
        return float(value)

    return Column(name, expected, parse, **kw)


def pattern(name: str, regex: str, expected: str, *, upper: bool = True, **kw: Any) -> Column:
    compiled = re.compile(regex)

    def parse(text: str) -> str:
        value = text.upper() if upper else text
        if not compiled.match(value):
            raise Invalid("is not in the right form")
        return value

    return Column(name, expected, parse, **kw)


# --- rows ------------------------------------------------------------------------------------


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


class FileProblemError(Exception):
    """The file cannot be read further (not UTF-8, broken quoting)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class _RollBack(Exception):
    """Raised inside the import's transaction to undo it when the file had bad rows."""


# --- the importer ----------------------------------------------------------------------------


class Importer:
    """One format. Subclasses list their columns and write their rows; the engine
    (``import_file``) does the reading, checking and transaction."""

    kind: ClassVar[str]
    columns: ClassVar[tuple[Column, ...]]
    batch_size: ClassVar[int] = 5000

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
        """Refuse a second row with the same key (references only are remembered, not rows)."""
        seen = self._seen.setdefault(column, {})
        first = seen.get(key)
        if first is None:
            seen[key] = row.line
            return True
        shown = "the same value" if personal else f'"{str(key)[:ECHO_LIMIT]}"'
        row.error(column, f"{shown} is also on line {first}", f"each {column} once in a file")
        return False

    def missing_ref(self, row: Row, column: str, value: str, what: str, source: str) -> None:
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


# --- reading ---------------------------------------------------------------------------------


@contextmanager
def open_binary(path_or_file: PathOrFile) -> Iterator[IO[bytes]]:
    """A seekable binary file for a path, an open file or an uploaded file. A stream that
    cannot seek is spooled to a temporary file first, because counting lines for the progress
    bar reads the file once before the import does."""
    if isinstance(path_or_file, str | Path):
        with open(path_or_file, "rb") as opened:
            yield opened
        return
    f: Any = path_or_file
    if hasattr(f, "seekable") and f.seekable():
        f.seek(0)
        yield f
        return
    with tempfile.TemporaryFile() as spool:
        shutil.copyfileobj(f, spool, 1024 * 1024)
        spool.seek(0)
        yield spool


def count_lines(f: IO[Any]) -> int:
    """Lines in the file (for "row N of about M"), read in 1 MB chunks, then back to the
    start."""
    lines = 0
    last: bytes | str = b""
    for chunk in iter(lambda: f.read(1024 * 1024), None):
        if not chunk:
            break
        lines += chunk.count(b"\n" if isinstance(chunk, bytes) else "\n")
        last = chunk
    f.seek(0)
    return lines + (1 if last and last[-1:] not in (b"\n", "\n") else 0)


class _Lines:
    """Decodes a file line by line, so that a line that is not UTF-8 is reported by its own
    number, and counts the physical lines read (a quoted cell may span lines). Binary files
    are decoded here; text files (already decoded) pass through."""

    def __init__(self, f: IO[Any]) -> None:
        self.f = f
        self.read = 0

    def __iter__(self) -> Iterator[str]:
        first = self.f.readline()
        if not first:
            return
        ending: bytes | str = b"" if isinstance(first, bytes) else ""
        for n, chunk in enumerate(itertools.chain([first], iter(self.f.readline, ending))):
            self.read += 1
            if isinstance(chunk, bytes):
                try:
                    line = chunk.decode("utf-8")
                except UnicodeDecodeError:
                    raise FileProblemError(
                        Problem(
                            self.read,
                            "",
                            "this line is not UTF-8 text",
                            "a CSV file saved as UTF-8 (in Excel: CSV UTF-8)",
                        )
                    ) from None
            else:
                line = chunk
            yield line.removeprefix("\ufeff") if n == 0 else line


def read_records(f: IO[Any]) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for each non-blank record of a CSV file, streamed."""
    lines = _Lines(f)
    reader = csv.reader(iter(lines), strict=True)
    while True:
        start = lines.read + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileProblemError(
                Problem(
                    start,
                    "",
                    f"the CSV cannot be read here ({exc})",
                    "cells separated by commas, with double quotes around any cell that holds "
                    "a comma, a quote or a line break",
                )
            ) from None
        if any(cell.strip() for cell in cells):
            yield start, cells


# --- progress --------------------------------------------------------------------------------


class Progress:
    """Reports rows done to a callback (the command's output) and to a ``Run`` row (the upload
    page polls it). The import writes inside one long transaction, so on PostgreSQL the Run
    row is updated through a second, autocommit connection: otherwise no one would see the
    progress until the end."""

    def __init__(
        self,
        *,
        run: Any = None,
        callback: Callable[[int, int | None], None] | None = None,
        every_seconds: float = 1.0,
    ) -> None:
        self.run = run
        self.callback = callback
        self.every = every_seconds
        self.total: int | None = None
        self._last = 0.0
        self._side: Any = None
        self._use_side = False

    def start(self, total: int | None) -> None:
        self.total = total
        # Only when our transaction will be the outermost one: a caller's open transaction may
        # hold the Run row, and a second connection would wait for it forever.
        self._use_side = (
            self.run is not None
            and connection.vendor == "postgresql"
            and not connection.in_atomic_block
        )
        self._save(0)

    def __call__(self, rows: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.every:
            return
        self._last = now
        self._save(rows)
        if self.callback is not None:
            self.callback(rows, self.total)

    def _save(self, rows: int) -> None:
        if self.run is None:
            return
        from outcomes.models import Run

        rows = min(rows, self.total) if self.total is not None else rows
        if self._use_side and connection.in_atomic_block:
            if self._side is None:
                self._side = connections.create_connection(DEFAULT_DB_ALIAS)
            with self._side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {Run._meta.db_table} SET progress = %s, total = %s WHERE id = %s",
                    [rows, self.total, self.run.pk],
                )
        else:
            Run.objects.filter(pk=self.run.pk).update(progress=rows, total=self.total)
        self.run.progress, self.run.total = rows, self.total

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


# --- the engine ------------------------------------------------------------------------------


def parse_rows(
    importer: Importer, records: Iterator[tuple[int, list[str]]], header: list[str]
) -> Iterator[Row]:
    """Rows with their cells parsed and checked; a bad row carries its problems."""
    width = len(header)
    by_name = {c.name: c for c in importer.columns}
    indexed = [(i, by_name[name]) for i, name in enumerate(header)]
    for line, cells in records:
        row = Row(line, {})
        if len(cells) != width:
            row.error(
                "",
                f"this row has {len(cells)} cells but the header has {width} columns",
                "one cell for each column of the header row",
            )
            yield row
            continue
        values = row.values
        for i, column in indexed:
            raw = cells[i].strip()
            try:
                values[column.name] = column.clean(raw)
            except Invalid as exc:
                values[column.name] = None
                row.error(column.name, column.describe(raw, str(exc)), column.expected)
        if not row.problems:
            importer.check_row(row)
        yield row


def _batches(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _note_bad_row(result: ImportResult, row: Row) -> None:
    result.bad_rows += 1
    if result.bad_rows <= MAX_LISTED_BAD_ROWS:
        result.problems.extend(row.problems)


def import_file(
    importer_class: type[Importer],
    *,
    path_or_file: PathOrFile,
    by: Any = None,
    run: Any = None,
    on_progress: Callable[[int, int | None], None] | None = None,
) -> ImportResult:
    """Import one CSV file of ``importer_class``'s format, all or nothing."""
    result = ImportResult(kind=importer_class.kind)
    progress = Progress(run=run, callback=on_progress)
    try:
        with open_binary(path_or_file) as f:
            total = count_lines(f) - 1 if (run is not None or on_progress) else None
            progress.start(total if total is None else max(total, 0))
            importer = importer_class(by=by, result=result)
            _import(importer, f, result, progress, path_or_file)
    finally:
        progress.close()
    if result.ok:
        progress(result.rows, force=True)
    return result


def _import(
    importer: Importer,
    f: IO[Any],
    result: ImportResult,
    progress: Progress,
    path_or_file: PathOrFile,
) -> None:
    records = read_records(f)
    try:
        first = next(records, None)
    except FileProblemError as exc:
        result.problems.append(exc.problem)
        return
    if first is None:
        listing = ", ".join(c.name for c in importer.columns)
        result.problems.append(
            Problem(1, "", "the file is empty", f"a header row with these columns: {listing}")
        )
        return
    header = [name.strip() for name in first[1]]
    problems = importer.header_problems(header)
    if problems:
        result.problems.extend(problems)
        return
    importer.present = frozenset(header)
    try:
        with transaction.atomic():
            try:
                for batch in _batches(parse_rows(importer, records, header), importer.batch_size):
                    importer.resolve([row for row in batch if not row.bad])
                    for row in batch:
                        if row.bad:
                            _note_bad_row(result, row)
                    result.rows += len(batch)
                    if result.ok:
                        importer.write(batch)
                    progress(result.rows)
            finally:
                importer.close()
            if not result.ok:
                raise _RollBack
            importer.finish()
    except _RollBack:
        pass
    except FileProblemError as exc:
        result.problems.append(exc.problem)
        result.bad_rows += 1
    except DATABASE_ERRORS as exc:
        result.problems.extend(importer.refused(exc, path_or_file))
    if not result.ok:
        result.created = result.updated = result.unchanged = result.deleted = 0


def in_batches(values: Collection[Any], size: int = 5000) -> Iterator[list[Any]]:
    items = list(values)
    for i in range(0, len(items), size):
        yield items[i : i + size]

"""Running an import, all or nothing.

The file is read once, as a stream of rows. Rows are checked cell by cell, gathered into
batches, checked against the database (references) and written batch by batch inside one
transaction. The first bad row stops the writing but not the checking, so the report lists
every bad row (up to 100); at the end a file with any bad row is rolled back whole. Memory holds
one batch plus the references already seen in the file (to refuse duplicates), never the file's
rows.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import IO, Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from .columns import Invalid
from .importer import Importer, Row
from .progress import Progress
from .reading import FileProblemError, PathOrFile, count_lines, open_binary, read_records
from .results import MAX_LISTED_BAD_ROWS, ImportResult, Problem

try:  # COPY on PostgreSQL raises psycopg's own errors, not Django's wrappers.
    import psycopg

    DATABASE_ERRORS: tuple[type[Exception], ...] = (DatabaseError, psycopg.Error)
except ImportError:  # pragma: no cover - psycopg is a dependency; SQLite-only installs
    DATABASE_ERRORS = (DatabaseError,)


class _RollBack(Exception):
    """Raised inside the import's transaction to undo it when the file had bad rows."""


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
        else:
            # Its other problems too (a duplicate, an unknown practice), so that one report
            # lists everything wrong with the file.
            _probe(row, importer.check_row)
        yield row


# What a check may raise on a row whose bad cells are empty (None): the cell's own problem is
# already reported, so the check's stumble is not.
_PROBE_ERRORS = (KeyError, TypeError, AttributeError, ValueError)


def _probe(row: Row, check: Callable[[Row], None]) -> None:
    """Run ``check`` on a row that already has format problems, keeping only what it finds
    about other columns."""
    before = list(row.problems)
    columns = {problem.column for problem in before}
    with contextlib.suppress(*_PROBE_ERRORS):
        check(row)
    row.problems = before + [
        problem for problem in row.problems[len(before) :] if problem.column not in columns
    ]


def _resolve_bad_rows(importer: Importer, rows: list[Row], budget: int) -> None:
    """References of rows already bad, one row at a time in a savepoint (a check that trips on
    an empty cell must not spoil the transaction), for as many rows as the report can list."""

    def resolve_one(row: Row) -> None:
        with transaction.atomic():
            importer.resolve([row])

    if importer.writes_stream or type(importer).resolve is Importer.resolve:
        # Nothing to look up, or a COPY may be open on the connection: no extra statement.
        return
    for row in rows[:budget]:
        if not row.values:
            continue
        try:
            _probe(row, resolve_one)
        except DATABASE_ERRORS:
            continue


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


# The first key of the import locks (PostgreSQL advisory locks take two int4 keys); the
# second is the kind's hash.
IMPORT_LOCK_CLASS = 7_302


def kind_lock(kind: str) -> bool:
    """Hold, until the import's transaction ends, the lock of its kind: two imports of one kind
    at once would write the same keys, and the second would fail on the first's rows when it
    commits. Waits up to ``IMPORT_WAIT_SECONDS`` for an import of the kind already running;
    False if it is still running then. Only PostgreSQL takes writes in parallel; SQLite runs one
    writing transaction at a time anyway."""
    if connection.vendor != "postgresql":
        return True
    deadline = time.monotonic() + settings.IMPORT_WAIT_SECONDS
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", [IMPORT_LOCK_CLASS, kind]
            )
            if cursor.fetchone()[0]:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.25)


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
            if not kind_lock(importer.kind):
                result.busy = True
                return
            if importer.fast_import(f, header, progress):
                progress(result.rows)
                return
            try:
                for batch in _batches(parse_rows(importer, records, header), importer.batch_size):
                    bad = [row for row in batch if row.bad]
                    importer.resolve([row for row in batch if not row.bad])
                    _resolve_bad_rows(importer, bad, MAX_LISTED_BAD_ROWS - result.bad_rows)
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

"""Reading a CSV file as a stream of records, each with the line it starts on, so that memory
holds one record at a time and every problem can name its line."""

from __future__ import annotations

import csv
import itertools
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from .results import Problem

PathOrFile = str | Path | IO[bytes] | Any


class FileProblemError(Exception):
    """The file cannot be read further (not UTF-8, broken quoting)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


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


NUL = "\x00"


def _refuse_nul(start: int, cells: list[str], header: list[str] | None) -> None:
    """A NUL character (a zero byte) is not text: no database column can hold it, so it is
    refused here, by line and column, before any database refuses the whole file. A file full
    of them was usually saved as UTF-16, or is not a CSV file at all."""
    for i, cell in enumerate(cells):
        at = cell.find(NUL)
        if at < 0:
            continue
        # A quoted cell may span lines: count the line breaks before the NUL.
        line = start + sum(c.count("\n") for c in cells[:i]) + cell[:at].count("\n")
        column = header[i] if header is not None and i < len(header) else ""
        named = bool(column)
        raise FileProblemError(
            Problem(
                line,
                column,
                f"{'this cell' if named else f'cell {i + 1}'} holds a NUL character (a zero "
                "byte), which is not text; nothing after it was read",
                "a CSV file saved as UTF-8 text (in Excel: CSV UTF-8); a file saved as UTF-16 "
                "or in a spreadsheet's own format holds zero bytes",
            )
        )


def read_records(f: IO[Any]) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for each non-blank record of a CSV file, streamed. A cell holding
    a NUL character stops the reading with a problem naming its line and column."""
    lines = _Lines(f)
    reader = csv.reader(iter(lines), strict=True)
    header: list[str] | None = None
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
            _refuse_nul(start, cells, header)
            if header is None:
                header = [cell.strip() for cell in cells]
            yield start, cells

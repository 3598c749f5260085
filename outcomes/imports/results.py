"""What an import reports: each problem with its line and column, and the counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_LISTED_BAD_ROWS = 100


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
    # Another import of the same kind was still running after the wait (engine.kind_lock).
    busy: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems and self.bad_rows == 0 and not self.busy

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
        if self.busy:
            return (
                f"Nothing imported: another import of {self.kind} was running. Import the file "
                "again once it has finished."
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
            "busy": self.busy,
            "unlisted_bad_rows": self.unlisted_bad_rows,
            "problems": [p.as_dict() for p in self.problems],
            "summary": self.summary(),
        }

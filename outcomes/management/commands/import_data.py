"""``python manage.py import_data KIND FILE``: import one CSV file (docs/imports.md), all or
nothing, printing progress for long files and the error report when the file is refused."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from outcomes.imports import KINDS, data_import


class Command(BaseCommand):
    help = "Import a CSV file of one kind (see docs/imports.md). A file with any bad row imports nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KINDS, help="The kind of file: its name without .csv.")
        parser.add_argument("file", type=Path, help="The CSV file (UTF-8).")

    def handle(self, *args: Any, kind: str, file: Path, **options: Any) -> None:
        if not file.is_file():
            raise CommandError(f"{file} is not a file")
        verbose = options["verbosity"] >= 1
        started = time.monotonic()

        def on_progress(rows: int, total: int | None) -> None:
            if verbose:
                of = f" of about {total:,}" if total else ""
                rate = rows / max(time.monotonic() - started, 1e-9)
                self.stderr.write(f"{kind}: {rows:,}{of} rows read ({rate:,.0f} rows/s)")

        result = data_import(kind=kind, path_or_file=file, on_progress=on_progress)
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(str(problem))
            if result.unlisted_bad_rows:
                self.stderr.write(f"… and {result.unlisted_bad_rows:,} more bad rows not listed")
            raise CommandError(result.summary())
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"{result.summary()} ({elapsed:,.1f} s)"))

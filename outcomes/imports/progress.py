"""Progress of a running import, for the command's output and the upload page."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections


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

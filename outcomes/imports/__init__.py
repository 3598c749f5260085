"""CSV imports, all or nothing: ``data_import(kind=..., path_or_file=...)`` imports one file of
any kind (the formats are in docs/imports.md) and returns an ``ImportResult``; a file with any
bad row imports nothing. Pages and tasks go through ``outcomes.imports.runs``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .engine import import_file
from .reading import PathOrFile
from .registry import EXTENSIONS, IMPORTERS, KINDS
from .results import ImportResult, Problem

ProgressCallback = Callable[[int, int | None], None]


def data_import(
    *,
    kind: str,
    path_or_file: PathOrFile,
    by: Any = None,
    run: Any = None,
    on_progress: ProgressCallback | None = None,
) -> ImportResult:
    """Import one file of ``kind``, all or nothing. ``run`` (an ``outcomes.models.Run``) gets
    the progress; ``on_progress(rows, total)`` is called about once a second."""
    if kind not in IMPORTERS:
        raise ValueError(f"Unknown import kind {kind!r}; expected one of {', '.join(KINDS)}")
    return import_file(
        IMPORTERS[kind], path_or_file=path_or_file, by=by, run=run, on_progress=on_progress
    )


__all__ = ["EXTENSIONS", "IMPORTERS", "KINDS", "ImportResult", "Problem", "data_import"]

"""CSV imports (DATA_FORMATS.md): one importer per format, one service function per kind.

``data_import(kind=..., path_or_file=...)`` imports any kind; ``appointments_import(...)`` and
its siblings are the same for one kind. Each returns an ``ImportResult``; a file with any bad
row imports nothing. Pages and tasks go through ``outcomes.imports.runs``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .appointments import AppointmentsImporter
from .base import ImportResult, PathOrFile, Problem, import_file
from .cases import (
    ChampionsImporter,
    ConnectionsImporter,
    ConversationsImporter,
    PeopleImporter,
    ReferralsImporter,
)
from .directory import AssetsImporter
from .reference import (
    LsoaImdImporter,
    PopulationImporter,
    PostcodeLocationsImporter,
    PostcodeLsoaImporter,
    PracticesImporter,
)

# In the order a new deployment imports them: each refers only to kinds above it.
IMPORTERS = {
    cls.kind: cls
    for cls in (
        PracticesImporter,
        PopulationImporter,
        LsoaImdImporter,
        PostcodeLsoaImporter,
        PostcodeLocationsImporter,
        AppointmentsImporter,
        PeopleImporter,
        ReferralsImporter,
        ConversationsImporter,
        AssetsImporter,
        ConnectionsImporter,
        ChampionsImporter,
    )
}
KINDS = tuple(IMPORTERS)
# Formats that DATA_FORMATS.md does not define (documented in docs/imports.md).
EXTENSIONS = frozenset({"postcode_locations"})

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


def _service(kind: str) -> Callable[..., ImportResult]:
    def service(
        *,
        path_or_file: PathOrFile,
        by: Any = None,
        run: Any = None,
        on_progress: ProgressCallback | None = None,
    ) -> ImportResult:
        return data_import(
            kind=kind, path_or_file=path_or_file, by=by, run=run, on_progress=on_progress
        )

    service.__name__ = service.__qualname__ = f"{kind}_import"
    service.__doc__ = f"Import a {kind}.csv file (DATA_FORMATS.md), all or nothing."
    return service


practices_import = _service("practices")
population_import = _service("population")
lsoa_imd_import = _service("lsoa_imd")
postcode_lsoa_import = _service("postcode_lsoa")
postcode_locations_import = _service("postcode_locations")
appointments_import = _service("appointments")
people_import = _service("people")
referrals_import = _service("referrals")
conversations_import = _service("conversations")
assets_import = _service("assets")
connections_import = _service("connections")
champions_import = _service("champions")

__all__ = [
    "EXTENSIONS",
    "IMPORTERS",
    "KINDS",
    "ImportResult",
    "Problem",
    "appointments_import",
    "assets_import",
    "champions_import",
    "connections_import",
    "conversations_import",
    "data_import",
    "lsoa_imd_import",
    "people_import",
    "population_import",
    "postcode_locations_import",
    "postcode_lsoa_import",
    "practices_import",
    "referrals_import",
]

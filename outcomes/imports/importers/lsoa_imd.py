"""The IMD decile of each LSOA (``lsoa_imd.csv``)."""

from __future__ import annotations

from socialrx.models import LsoaImd

from ..columns import integer, lsoa_code
from ..importer import Importer, Row


class LsoaImdImporter(Importer):
    kind = "lsoa_imd"
    columns = (
        lsoa_code(required=True),
        integer("imd_decile", minimum=1, maximum=10, required=True),
    )

    def check_row(self, row: Row) -> None:
        self.once_in_file(row, "lsoa_code", row.values["lsoa_code"])

    def write(self, rows: list[Row]) -> None:
        self.upsert(
            LsoaImd,
            "lsoa_code",
            {r.values["lsoa_code"]: {"imd_decile": r.values["imd_decile"]} for r in rows},
        )

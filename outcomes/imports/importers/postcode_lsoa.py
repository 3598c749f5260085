"""The LSOA of each postcode (``postcode_lsoa.csv``)."""

from __future__ import annotations

from socialrx.models import Postcode

from ..columns import lsoa_code, postcode
from ..importer import Importer, Row


class PostcodeLsoaImporter(Importer):
    kind = "postcode_lsoa"
    columns = (postcode(required=True), lsoa_code())

    def check_row(self, row: Row) -> None:
        self.once_in_file(row, "postcode", row.values["postcode"])

    def write(self, rows: list[Row]) -> None:
        self.upsert(
            Postcode,
            "postcode",
            {r.values["postcode"]: {"lsoa_code": r.values["lsoa_code"] or ""} for r in rows},
        )

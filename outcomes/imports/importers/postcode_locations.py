"""Where each postcode is (``postcode_locations.csv``), this service's own extension to the
formats (docs/imports.md)."""

from __future__ import annotations

from socialrx.models import Postcode

from ..columns import decimal, postcode
from ..importer import Importer, Row


class PostcodeLocationsImporter(Importer):
    """Extension (docs/imports.md): where each postcode is, for the directory's distance
    search. Leaves each postcode's LSOA alone."""

    kind = "postcode_locations"
    columns = (
        postcode(required=True),
        decimal(
            "latitude",
            minimum=49,
            maximum=61,
            expected="a latitude in decimal degrees within the UK, from 49 to 61",
        ),
        decimal(
            "longitude",
            minimum=-9,
            maximum=3,
            expected="a longitude in decimal degrees within the UK, from -9 to 3",
        ),
    )

    def check_row(self, row: Row) -> None:
        v = row.values
        self.once_in_file(row, "postcode", v["postcode"])
        if (v["latitude"] is None) != (v["longitude"] is None):
            column = "latitude" if v["latitude"] is None else "longitude"
            row.error(column, "the cell is empty", "both latitude and longitude, or neither")

    def write(self, rows: list[Row]) -> None:
        self.upsert(
            Postcode,
            "postcode",
            {
                r.values["postcode"]: {
                    "latitude": r.values["latitude"],
                    "longitude": r.values["longitude"],
                }
                for r in rows
            },
        )

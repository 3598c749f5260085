"""Community assets for the directory (``assets.csv``): only the fields the format names;
maintainers, capacity and the rest are kept by people in the app."""

from __future__ import annotations

from assets.models import Asset, Category, LedBy
from socialrx.validators import format_postcode

from ..columns import choice, date, free_text, postcode, ref, text
from ..importer import Importer, Row, not_before


class AssetsImporter(Importer):
    kind = "assets"
    columns = (
        ref("asset_ref", required=True),
        text("name", max_length=200, required=True),
        choice("category", Category.values, required=True),
        choice("led_by", LedBy.values, required=True),
        date("started_on"),
        date("ended_on"),
        postcode(),
        free_text("description"),
    )

    def check_row(self, row: Row) -> None:
        self.once_in_file(row, "asset_ref", row.values["asset_ref"])
        # The directory counts an asset as active on day d when ended_on > d: an asset that
        # ends the day it starts was never active (and the database refuses it).
        not_before(row, "ended_on", "started_on", strictly=True)

    def write(self, rows: list[Row]) -> None:
        self.upsert(
            Asset,
            "asset_ref",
            {
                r.values["asset_ref"]: {
                    "name": r.values["name"],
                    "category": r.values["category"],
                    "led_by": r.values["led_by"],
                    "started_on": r.values["started_on"],
                    "ended_on": r.values["ended_on"],
                    "postcode": format_postcode(r.values["postcode"])
                    if r.values["postcode"]
                    else "",
                    "description": r.values["description"] or "",
                }
                for r in rows
            },
        )

"""Registered population by practice and group (``population.csv``): a practice's rows in
a file replace everything held for it before."""

from __future__ import annotations

from typing import Any

from outcomes.models import PopulationCell

from ..columns import choice, integer, ods_code
from ..importer import Importer, Row
from ..lookups import PracticeCodes

IMD_QUINTILES = ("1", "2", "3", "4", "5", "unknown")
AGE_BANDS = (
    "0-17",
    "18-24",
    "25-34",
    "35-44",
    "45-54",
    "55-64",
    "65-74",
    "75-84",
    "85+",
    "unknown",
)
SEXES = ("female", "male", "other", "unknown")
ETHNICITIES = ("asian", "black", "mixed", "white", "other", "unknown")


class PopulationImporter(Importer):
    kind = "population"
    columns = (
        ods_code(required=True),
        choice("imd_quintile", IMD_QUINTILES, required=True),
        choice("age_band", AGE_BANDS, required=True),
        choice("sex", SEXES, required=True),
        choice("ethnicity", ETHNICITIES, required=True),
        integer("count", minimum=0, required=True),
    )

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.practices = PracticeCodes()
        self.replaced: set[int] = set()

    def check_row(self, row: Row) -> None:
        v = row.values
        v["practice_id"] = self.practices.check(self, row)
        group = (v["ods_code"], v["imd_quintile"], v["age_band"], v["sex"], v["ethnicity"])
        seen = self._seen.setdefault("group", {})
        if group in seen:
            row.error(
                "",
                f"the same practice and group is also on line {seen[group]}",
                "one row for each practice, imd_quintile, age_band, sex and ethnicity",
            )
        else:
            seen[group] = row.line

    def write(self, rows: list[Row]) -> None:
        # A practice's first rows in the file replace everything held for it before.
        new = {r.values["practice_id"] for r in rows} - self.replaced
        if new:
            deleted, _ = PopulationCell.objects.filter(practice_id__in=new).delete()
            self.result.deleted += deleted
            self.replaced |= new
        PopulationCell.objects.bulk_create(
            [
                PopulationCell(
                    practice_id=r.values["practice_id"],
                    imd_quintile=r.values["imd_quintile"],
                    age_band=r.values["age_band"],
                    sex=r.values["sex"],
                    ethnicity=r.values["ethnicity"],
                    count=r.values["count"],
                )
                for r in rows
            ],
            batch_size=1000,
        )
        self.result.created += len(rows)

"""Reference data: practices and PCNs, registered populations, IMD deciles by LSOA, postcode
look-ups, and the postcode coordinates extension (DATA_FORMATS.md "Reference data")."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from outcomes.models import PopulationCell
from socialrx.models import PCN, LsoaImd, Postcode, Practice
from socialrx.validators import normalise_postcode, validate_postcode

from .base import (
    Column,
    Importer,
    Invalid,
    Row,
    choice,
    decimal,
    integer,
    pattern,
    text,
)

ODS_EXPECTED = "an ODS code of letters and digits, like A81001"
ODS_REGEX = r"^[A-Z0-9]{3,10}$"

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


def ods_code(name: str = "ods_code", **kw: Any) -> Column:
    return pattern(name, ODS_REGEX, ODS_EXPECTED, **kw)


def lsoa_code(name: str = "lsoa_code", **kw: Any) -> Column:
    return pattern(name, r"^[A-Z][0-9]{8}$", "an LSOA code like E01000001", **kw)


def parse_postcode(text: str) -> str:
    try:
        validate_postcode(text)
    except ValidationError:
        raise Invalid("is not a full UK postcode") from None
    return normalise_postcode(text)


def postcode(name: str = "postcode", **kw: Any) -> Column:
    return Column(name, "a full UK postcode, like M1 1AE", parse_postcode, **kw)


class PracticesImporter(Importer):
    kind = "practices"
    columns = (
        ods_code(required=True),
        text("name", max_length=200, required=True),
        pattern("pcn_code", r"^[A-Z0-9]{1,20}$", "a PCN code of letters and digits, like U12345"),
        text("pcn_name", max_length=200),
    )

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        # PCN code -> (name, line) as first named in this file: small (one per PCN).
        self.pcn_names: dict[str, tuple[str, int]] = {}

    def check_row(self, row: Row) -> None:
        v = row.values
        self.once_in_file(row, "ods_code", v["ods_code"])
        if v["pcn_name"] and not v["pcn_code"]:
            row.error("pcn_code", "the cell is empty but pcn_name is given", "the PCN's code")
        elif v["pcn_code"] and v["pcn_name"]:
            named = self.pcn_names.setdefault(v["pcn_code"], (v["pcn_name"], row.line))
            if named[0] != v["pcn_name"]:
                row.error(
                    "pcn_name",
                    f"differs from the name on line {named[1]} for the same pcn_code",
                    "one name for each PCN",
                )

    def resolve(self, rows: list[Row]) -> None:
        unnamed = {
            r.values["pcn_code"] for r in rows if r.values["pcn_code"] and not r.values["pcn_name"]
        }
        known = set(PCN.objects.filter(code__in=unnamed).values_list("code", flat=True))
        for row in rows:
            code = row.values["pcn_code"]
            if code in unnamed and code not in known and code not in self.pcn_names:
                row.error(
                    "pcn_name",
                    f'the cell is empty and PCN "{code}" is not known yet',
                    "the PCN's name the first time its code appears",
                )

    def write(self, rows: list[Row]) -> None:
        names: dict[str, str | None] = {}
        for r in rows:
            if code := r.values["pcn_code"]:
                names.setdefault(code, None)
                if r.values["pcn_name"]:
                    names[code] = r.values["pcn_name"]
        pcns = PCN.objects.in_bulk(list(names), field_name="code")
        for code, name in names.items():
            pcn = pcns.get(code)
            if pcn is None:
                pcns[code] = PCN.objects.create(code=code, name=name or code)
            elif name and pcn.name != name:
                pcn.name = name
                pcn.save(update_fields=["name"])
        self.upsert(
            Practice,
            "ods_code",
            {
                r.values["ods_code"]: {
                    "name": r.values["name"],
                    "pcn": pcns[r.values["pcn_code"]] if r.values["pcn_code"] else None,
                }
                for r in rows
            },
        )


class PracticeCodes:
    """ODS code -> practice id for every practice (a deployment has hundreds, not millions)."""

    def __init__(self) -> None:
        self.ids = dict(Practice.objects.values_list("ods_code", "id"))

    def check(self, importer: Importer, row: Row, column: str = "ods_code") -> int | None:
        code = row.values[column]
        practice_id = self.ids.get(code)
        if practice_id is None:
            importer.missing_ref(row, column, code, "practice", "practices.csv")
        return practice_id


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

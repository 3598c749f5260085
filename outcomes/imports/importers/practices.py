"""Practices and their PCNs (``practices.csv``): a PCN is created the first time its code
appears, with the name the file gives it."""

from __future__ import annotations

from typing import Any

from socialrx.models import PCN, Practice

from ..columns import ods_code, pattern, text
from ..importer import Importer, Row


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

"""Champions and volunteers (``champions.csv``), linked to a person who was referred when the
file says so."""

from __future__ import annotations

from champions.models import Champion, ChampionRole
from referrals.models import Person

from ..columns import choice, date, ref, text
from ..importer import Importer, Row, not_before
from ..lookups import person_id_of


class ChampionsImporter(Importer):
    kind = "champions"
    columns = (
        ref("champion_ref", required=True),
        ref("person_ref", optional=True),
        text("given_name", max_length=100, required=True, personal=True),
        text("family_name", max_length=100, personal=True),
        choice("role", ChampionRole.values, required=True),
        date("started_on"),
        date("ended_on"),
    )

    def check_row(self, row: Row) -> None:
        v = row.values
        self.once_in_file(row, "champion_ref", v["champion_ref"])
        if v.get("person_ref"):
            self.once_in_file(row, "person_ref", v["person_ref"])
        not_before(row, "ended_on", "started_on")

    def resolve(self, rows: list[Row]) -> None:
        refs = {r.values["person_ref"] for r in rows if r.values.get("person_ref")}
        people = dict(Person.objects.filter(person_ref__in=refs).values_list("person_ref", "id"))
        linked = dict(
            Champion.objects.filter(person_id__in=people.values()).values_list(
                "person_id", "champion_ref"
            )
        )
        for row in rows:
            v = row.values
            if not v.get("person_ref"):
                v["person_id"] = None
                continue
            v["person_id"] = people.get(v["person_ref"])
            if v["person_id"] is None:
                self.missing_ref(row, "person_ref", v["person_ref"], "person", "people.csv")
            elif linked.get(v["person_id"], v["champion_ref"]) != v["champion_ref"]:
                row.error(
                    "person_ref",
                    f'"{v["person_ref"]}" is already linked to another volunteer record',
                    "each person linked to one champion_ref",
                )

    def write(self, rows: list[Row]) -> None:
        items = {}
        for r in rows:
            v = r.values
            values = {
                "given_name": v["given_name"],
                "family_name": v["family_name"] or "",
                "role": v["role"],
                "started_on": v["started_on"],
                "ended_on": v["ended_on"],
            }
            if self.has("person_ref"):
                values["person_id"] = v["person_id"]
            items[v["champion_ref"]] = values
        new, changed = self.upsert(Champion, "champion_ref", items)
        linked = [c for c in [*new, *changed] if c.person_id]
        self.audit([c for c in linked if c in new], action="create", person_id=person_id_of)
        self.audit([c for c in linked if c not in new], action="update", person_id=person_id_of)

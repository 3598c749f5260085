"""People (``people.csv``): matched on person_ref, or adopted by NHS number when the app already
holds the person without a reference. Team and link worker are assigned as for any other
referral route."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from referrals.models import EthnicCategory, Ethnicity, Person, Sex, ethnicity_group_for
from socialrx.models import Practice
from socialrx.validators import format_postcode, nhs_number_is_valid, normalise_nhs_number
from socialrx.validators import patient_key as make_patient_key

from ..columns import (
    Column,
    Invalid,
    birth_date,
    choice,
    integer,
    lsoa_code,
    ods_code,
    postcode,
    ref,
    text,
)
from ..importer import Importer, Row, changed_fields
from ..lookups import Assignment, people_by_ref


def parse_nhs_digits(text: str) -> str:
    if not nhs_number_is_valid(text):
        raise Invalid("is not a valid NHS number")
    return normalise_nhs_number(text)


class PeopleImporter(Importer):
    kind = "people"
    columns = (
        ref("person_ref", required=True),
        Column(
            "nhs_number",
            "10 digits whose last is the modulus 11 check digit (the value is not shown)",
            parse_nhs_digits,
            optional=True,
            personal=True,
        ),
        text("given_name", max_length=100, required=True, personal=True),
        text("family_name", max_length=100, optional=True, personal=True),
        birth_date("date_of_birth", optional=True, personal=True),
        choice("sex", Sex.values, optional=True),
        # A group, or an NHS ethnic category code (A-Z), which also gives the group.
        choice("ethnicity", [*Ethnicity.values, *EthnicCategory.values], optional=True),
        postcode(optional=True, personal=True),
        lsoa_code(optional=True),
        integer("imd_decile", minimum=1, maximum=10, optional=True),
        ods_code("practice_ods", optional=True),
        text("preferred_language", max_length=60, optional=True),
    )

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.practices = {
            p.ods_code: p for p in Practice.objects.select_related("team", "named_link_worker")
        }
        self.assignment = Assignment()
        self.today = timezone.localdate()

    def check_row(self, row: Row) -> None:
        v = row.values
        self.once_in_file(row, "person_ref", v["person_ref"])
        if v.get("nhs_number"):
            self.once_in_file(row, "nhs_number", v["nhs_number"], personal=True)
        code = v.get("practice_ods")
        if code:
            v["practice"] = self.practices.get(code)
            if v["practice"] is None:
                self.missing_ref(row, "practice_ods", code, "practice", "practices.csv")

    def resolve(self, rows: list[Row]) -> None:
        related = ("link_worker", "practice__team", "practice__named_link_worker")
        existing = people_by_ref({r.values["person_ref"] for r in rows}, related=related)
        numbers = {r.values["nhs_number"] for r in rows if r.values.get("nhs_number")}
        holders = {
            p.nhs_number: p
            for p in Person.objects.filter(nhs_number__in=numbers).select_related(*related)
        }
        for row in rows:
            ref_ = row.values["person_ref"]
            person = existing.get(ref_)
            holder = holders.get(row.values.get("nhs_number") or "")
            if holder is not None and holder.pk != getattr(person, "pk", None):
                if holder.person_ref is None and person is None:
                    # One person, one record: a record made in the app (no reference yet)
                    # with this NHS number is the same person, so the import adopts it.
                    person = holder
                else:
                    row.error(
                        "nhs_number",
                        "the NHS number is already on another person's record",
                        "each person once: the record with this NHS number has another person_ref",
                    )
            row.values["_person"] = person

    def write(self, rows: list[Row]) -> None:
        new, changed, fields = [], [], {"person_ref"}
        for row in rows:
            v = row.values
            person = v["_person"]
            is_new = person is None
            if is_new:
                person = Person()
            values = self._values(v, person)
            names = changed_fields(person, values)
            practice = person.practice if person.practice_id else None
            team = self.assignment.team(practice)
            worker = self.assignment.link_worker(person, team)
            names += changed_fields(
                person,
                {
                    "team_id": team.pk if team else None,
                    "link_worker_id": getattr(worker, "pk", None),
                },
            )
            if is_new:
                new.append(person)
            elif names:
                changed.append(person)
                fields.update(names)
            else:
                self.result.unchanged += 1
        Person.objects.bulk_create(new, batch_size=1000)
        if changed:
            Person.objects.bulk_update(changed, sorted(fields), batch_size=1000)
        self.result.created += len(new)
        self.result.updated += len(changed)
        self.audit(new, action="create", person_id=lambda p: p.pk)
        self.audit(changed, action="update", person_id=lambda p: p.pk)

    def _values(self, v: dict[str, Any], person: Person) -> dict[str, Any]:
        values: dict[str, Any] = {"person_ref": v["person_ref"], "given_name": v["given_name"]}
        optional: dict[str, Callable[[], Any]] = {
            "family_name": lambda: v["family_name"] or "",
            "date_of_birth": lambda: v["date_of_birth"],
            "sex": lambda: v["sex"] or Sex.UNKNOWN,
            "ethnicity": lambda: (
                ethnicity_group_for(v["ethnicity"] or "") or v["ethnicity"] or Ethnicity.UNKNOWN
            ),
            "ethnic_category": lambda: (
                v["ethnicity"] if v["ethnicity"] in EthnicCategory.values else ""
            ),
            "postcode": lambda: format_postcode(v["postcode"]) if v["postcode"] else "",
            "lsoa_code": lambda: v["lsoa_code"] or "",
            "imd_decile": lambda: v["imd_decile"],
            "preferred_language": lambda: v["preferred_language"] or "",
        }
        for name, value in optional.items():
            if self.has("ethnicity" if name == "ethnic_category" else name):
                values[name] = value()
        if self.has("nhs_number"):
            # bulk_create and bulk_update skip Person.save(), which keeps the key in step.
            values["nhs_number"] = v["nhs_number"]
            values["patient_key"] = make_patient_key(v["nhs_number"]) if v["nhs_number"] else ""
        if self.has("practice_ods"):
            values["practice"] = v.get("practice")
        return values

"""Case records migrated from another system (DATA_FORMATS.md "Case records"): people,
referrals, conversations (with their friends and SWEMWBS measures), connections and champions.
Rows are matched on the source system's ``*_ref``; a reference to a person or asset that is
not in the database is a bad row. Every created or changed record of a person is audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from assets.models import Asset
from champions.models import Champion, ChampionRole
from referrals.models import (
    Connection,
    ConnectionKind,
    ConnectionOutcome,
    ConnectionOutcomeChange,
    Conversation,
    Ethnicity,
    FriendsObservation,
    Person,
    Referral,
    ReferralStatusChange,
    Sex,
    Source,
    SwemwbsResponse,
)
from referrals.questionnaires import SwemwbsScore, swemwbs_score
from referrals.services.assignment import link_worker_for, team_for_practice
from socialrx.models import Practice, Team, User
from socialrx.validators import format_postcode, nhs_number_is_valid, normalise_nhs_number
from socialrx.validators import patient_key as make_patient_key

from .base import (
    Column,
    Importer,
    Invalid,
    Row,
    changed_fields,
    choice,
    date,
    free_text,
    integer,
    ref,
    text,
)
from .reference import lsoa_code, ods_code, postcode

# The statuses and outcomes a file may carry: exactly those DATA_FORMATS.md lists.
REFERRAL_STATUSES = ("received", "contacted", "active", "closed", "declined", "withdrawn")
OPEN_STATUSES = frozenset({"received", "contacted", "active"})
REFERRAL_SOURCES = ("gp", "practice_staff", "self", "community", "other")
PRACTICE_SOURCES = frozenset({Source.GP, Source.PRACTICE_STAFF})


def parse_nhs_digits(text: str) -> str:
    if not nhs_number_is_valid(text):
        raise Invalid("is not a valid NHS number")
    return normalise_nhs_number(text)


def parse_swemwbs(text: str) -> SwemwbsScore:
    parts = [p.strip() for p in text.split(";")]
    if len(parts) != 7:
        raise Invalid(f"has {len(parts)} items")
    if not all(p.isdigit() for p in parts):
        raise Invalid("has an item that is not a whole number")
    try:
        return swemwbs_score(items=[int(p) for p in parts])
    except ValueError:
        raise Invalid("has an item outside 1 to 5") from None


def not_before(row: Row, later: str, earlier: str, *, strictly: bool = False) -> None:
    a, b = row.values.get(later), row.values.get(earlier)
    if a is not None and b is not None and (a <= b if strictly else a < b):
        row.error(
            later,
            f'"{a.isoformat()}" is {"not after" if strictly else "before"} {earlier} '
            f"({b.isoformat()})",
            f"a date {'after' if strictly else 'on or after'} {earlier}",
        )


class Assignment:
    """Team and named link worker through ``referrals.services.assignment``, remembered per
    practice and current link worker: the answer depends on nothing else, and asking once per
    person would be a query per row."""

    def __init__(self) -> None:
        self._teams: dict[int | None, Team | None] = {}
        self._workers: dict[tuple[Any, ...], User | None] = {}

    def team(self, practice: Practice | None) -> Team | None:
        key = practice.pk if practice is not None else None
        if key not in self._teams:
            self._teams[key] = team_for_practice(practice=practice)
        return self._teams[key]

    def link_worker(self, person: Person, team: Team | None) -> User | None:
        key = (team.pk if team else None, person.link_worker_id, person.practice_id)
        if key not in self._workers:
            self._workers[key] = link_worker_for(person=person, team=team)
        return self._workers[key]


def _people_by_ref(refs: set[str], *, related: tuple[str, ...] = ()) -> dict[str, Person]:
    qs = Person.objects.filter(person_ref__in=refs)
    if related:
        qs = qs.select_related(*related)
    return {p.person_ref: p for p in qs if p.person_ref}


def _by_person(obj: Any) -> int | None:
    return obj.person_id


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
        date("date_of_birth", optional=True, personal=True),
        choice("sex", Sex.values, optional=True),
        choice("ethnicity", Ethnicity.values, optional=True),
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
        if v.get("date_of_birth") and v["date_of_birth"] > self.today:
            row.error("date_of_birth", "the value is in the future", "a date of birth in the past")
        code = v.get("practice_ods")
        if code:
            v["practice"] = self.practices.get(code)
            if v["practice"] is None:
                self.missing_ref(row, "practice_ods", code, "practice", "practices.csv")

    def resolve(self, rows: list[Row]) -> None:
        related = ("link_worker", "practice__team", "practice__named_link_worker")
        existing = _people_by_ref({r.values["person_ref"] for r in rows}, related=related)
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
            "ethnicity": lambda: v["ethnicity"] or Ethnicity.UNKNOWN,
            "postcode": lambda: format_postcode(v["postcode"]) if v["postcode"] else "",
            "lsoa_code": lambda: v["lsoa_code"] or "",
            "imd_decile": lambda: v["imd_decile"],
            "preferred_language": lambda: v["preferred_language"] or "",
        }
        for name, value in optional.items():
            if self.has(name):
                values[name] = value()
        if self.has("nhs_number"):
            # bulk_create and bulk_update skip Person.save(), which keeps the key in step.
            values["nhs_number"] = v["nhs_number"]
            values["patient_key"] = make_patient_key(v["nhs_number"]) if v["nhs_number"] else ""
        if self.has("practice_ods"):
            values["practice"] = v.get("practice")
        return values


class ReferralsImporter(Importer):
    kind = "referrals"
    columns = (
        ref("referral_ref", required=True),
        ref("person_ref", required=True),
        date("received_on", required=True),
        choice("source", REFERRAL_SOURCES, required=True),
        text("referrer_name", max_length=200),
        text("referrer_organisation", max_length=200),
        free_text("reason"),
        choice("status", REFERRAL_STATUSES, required=True),
        date("closed_on"),
    )

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.assignment = Assignment()

    def check_row(self, row: Row) -> None:
        v = row.values
        self.once_in_file(row, "referral_ref", v["referral_ref"])
        not_before(row, "closed_on", "received_on")
        if v["closed_on"] and v["status"] in OPEN_STATUSES:
            row.error(
                "closed_on",
                f'is given but the status is "{v["status"]}"',
                "an empty closed_on for a referral that is still open",
            )

    def resolve(self, rows: list[Row]) -> None:
        people = _people_by_ref(
            {r.values["person_ref"] for r in rows},
            related=("practice__team", "practice__named_link_worker", "link_worker"),
        )
        for row in rows:
            row.values["_person"] = people.get(row.values["person_ref"])
            if row.values["_person"] is None:
                self.missing_ref(
                    row, "person_ref", row.values["person_ref"], "person", "people.csv"
                )

    def write(self, rows: list[Row]) -> None:
        existing = Referral.objects.in_bulk(
            [r.values["referral_ref"] for r in rows], field_name="referral_ref"
        )
        new, changed, fields, changes = [], [], set(), []
        now = timezone.now()
        for row in rows:
            v = row.values
            person: Person = v["_person"]
            values = {
                "person_id": person.pk,
                "received_on": v["received_on"],
                "source": v["source"],
                "referrer_name": v["referrer_name"] or "",
                "referrer_organisation": v["referrer_organisation"] or "",
                "reason": v["reason"] or "",
                "status": v["status"],
                "closed_on": v["closed_on"],
                # The file names no referring practice; a GP or practice-staff referral is
                # taken to come from the person's registered practice (docs/imports.md).
                "referring_practice_id": (
                    person.practice_id if v["source"] in PRACTICE_SOURCES else None
                ),
            }
            referral = existing.get(v["referral_ref"])
            if referral is None or referral.team_id is None:
                # Assigned once; a re-import does not move a case that is already assigned.
                team = self.assignment.team(person.practice if person.practice_id else None)
                worker = self.assignment.link_worker(person, team)
                values["team_id"] = team.pk if team else None
                values["link_worker_id"] = worker.pk if worker else None
            if referral is None:
                referral = Referral(referral_ref=v["referral_ref"], **values)
                new.append(referral)
                changes.append((referral, "", v["status"]))
                continue
            before = referral.status
            if names := changed_fields(referral, values):
                referral.updated_at = now
                changed.append(referral)
                fields.update([*names, "updated_at"])
                if before != referral.status:
                    changes.append((referral, before, referral.status))
            else:
                self.result.unchanged += 1
        Referral.objects.bulk_create(new, batch_size=1000)
        if changed:
            Referral.objects.bulk_update(changed, sorted(fields), batch_size=1000)
        ReferralStatusChange.objects.bulk_create(
            [
                ReferralStatusChange(
                    referral=referral,
                    from_status=before,
                    to_status=after,
                    by=self.by,
                    note="Imported from referrals.csv",
                )
                for referral, before, after in changes
            ],
            batch_size=1000,
        )
        self.result.created += len(new)
        self.result.updated += len(changed)
        self.audit(new, action="create", person_id=_by_person)
        self.audit(changed, action="update", person_id=_by_person)


class ConversationsImporter(Importer):
    kind = "conversations"
    columns = (
        ref("conversation_ref", required=True),
        ref("person_ref", required=True),
        date("held_on", required=True),
        free_text("what_matters"),
        integer("friends_count", minimum=0, optional=True),
        Column(
            "swemwbs_items",
            "seven whole numbers from 1 to 5 separated by ;, for example 4;3;4;3;5;4;3",
            parse_swemwbs,
            optional=True,
        ),
    )

    def check_row(self, row: Row) -> None:
        self.once_in_file(row, "conversation_ref", row.values["conversation_ref"])

    def resolve(self, rows: list[Row]) -> None:
        ids = dict(
            Person.objects.filter(
                person_ref__in={r.values["person_ref"] for r in rows}
            ).values_list("person_ref", "id")
        )
        for row in rows:
            row.values["person_id"] = ids.get(row.values["person_ref"])
            if row.values["person_id"] is None:
                self.missing_ref(
                    row, "person_ref", row.values["person_ref"], "person", "people.csv"
                )

    def write(self, rows: list[Row]) -> None:
        items = {
            r.values["conversation_ref"]: {
                "person_id": r.values["person_id"],
                "held_on": r.values["held_on"],
                "what_matters": r.values["what_matters"] or "",
            }
            for r in rows
        }
        before = (self.result.created, self.result.updated, self.result.unchanged)
        new, changed = self.upsert(Conversation, "conversation_ref", items)
        touched = {c.conversation_ref for c in new} | {c.conversation_ref for c in changed}
        conversations = Conversation.objects.in_bulk(list(items), field_name="conversation_ref")
        for row in rows:
            row.values["conversation"] = conversations[row.values["conversation_ref"]]
        if self.has("friends_count"):
            touched |= self._friends(rows)
        if self.has("swemwbs_items"):
            touched |= self._swemwbs(rows)
        # A conversation counts as updated when it or one of its measures changed.
        created = before[0] + len(new)
        updated = len(touched) - len(new)
        self.result.created = created
        self.result.updated = before[1] + updated
        self.result.unchanged = before[2] + len(rows) - len(new) - updated
        self.audit(new, action="create", person_id=_by_person)
        self.audit(
            [conversations[ref_] for ref_ in touched - {c.conversation_ref for c in new}],
            action="update",
            person_id=_by_person,
        )

    def _friends(self, rows: list[Row]) -> set[str]:
        existing = {
            o.conversation_id: o
            for o in FriendsObservation.objects.filter(
                conversation__in=[r.values["conversation"] for r in rows]
            )
        }
        new, changed, gone, touched = [], [], [], set()
        for row in rows:
            v = row.values
            conversation = v["conversation"]
            obs = existing.get(conversation.pk)
            if v["friends_count"] is None:
                if obs is not None:
                    gone.append(obs.pk)
                    touched.add(conversation.conversation_ref)
                continue
            values = {
                "person_id": v["person_id"],
                "observed_on": v["held_on"],
                "friends_count": v["friends_count"],
            }
            if obs is None:
                new.append(FriendsObservation(conversation=conversation, **values))
                touched.add(conversation.conversation_ref)
            elif changed_fields(obs, values):
                changed.append(obs)
                touched.add(conversation.conversation_ref)
        FriendsObservation.objects.bulk_create(new, batch_size=1000)
        FriendsObservation.objects.bulk_update(
            changed, ["person_id", "observed_on", "friends_count"], batch_size=1000
        )
        if gone:
            self.result.deleted += FriendsObservation.objects.filter(pk__in=gone).delete()[0]
        return touched

    def _swemwbs(self, rows: list[Row]) -> set[str]:
        existing = {
            s.conversation_id: s
            for s in SwemwbsResponse.objects.filter(
                conversation__in=[r.values["conversation"] for r in rows]
            )
        }
        new, changed, gone, touched = [], [], [], set()
        fields = ["person_id", "completed_on", "items", "raw_score", "metric_score"]
        for row in rows:
            v = row.values
            conversation = v["conversation"]
            response = existing.get(conversation.pk)
            score: SwemwbsScore | None = v["swemwbs_items"]
            if score is None:
                if response is not None:
                    gone.append(response.pk)
                    touched.add(conversation.conversation_ref)
                continue
            values = {
                "person_id": v["person_id"],
                "completed_on": v["held_on"],
                "items": list(score.items),
                "raw_score": score.raw_score,
                "metric_score": score.metric_score,
            }
            if response is None:
                new.append(SwemwbsResponse(conversation=conversation, **values))
                touched.add(conversation.conversation_ref)
            elif changed_fields(response, values):
                changed.append(response)
                touched.add(conversation.conversation_ref)
        SwemwbsResponse.objects.bulk_create(new, batch_size=1000)
        SwemwbsResponse.objects.bulk_update(changed, fields, batch_size=1000)
        if gone:
            self.result.deleted += SwemwbsResponse.objects.filter(pk__in=gone).delete()[0]
        return touched


class ConnectionsImporter(Importer):
    kind = "connections"
    columns = (
        ref("connection_ref", required=True),
        ref("person_ref", required=True),
        ref("asset_ref", required=True),
        date("made_on", required=True),
        choice("kind", ConnectionKind.values, required=True),
        choice("outcome", ConnectionOutcome.values),
    )

    def check_row(self, row: Row) -> None:
        self.once_in_file(row, "connection_ref", row.values["connection_ref"])

    def resolve(self, rows: list[Row]) -> None:
        people = dict(
            Person.objects.filter(
                person_ref__in={r.values["person_ref"] for r in rows}
            ).values_list("person_ref", "id")
        )
        assets = dict(
            Asset.objects.filter(asset_ref__in={r.values["asset_ref"] for r in rows}).values_list(
                "asset_ref", "id"
            )
        )
        for row in rows:
            v = row.values
            v["person_id"] = people.get(v["person_ref"])
            v["asset_id"] = assets.get(v["asset_ref"])
            if v["person_id"] is None:
                self.missing_ref(row, "person_ref", v["person_ref"], "person", "people.csv")
            if v["asset_id"] is None:
                self.missing_ref(row, "asset_ref", v["asset_ref"], "asset", "assets.csv")

    def write(self, rows: list[Row]) -> None:
        refs = [r.values["connection_ref"] for r in rows]
        outcomes_before = dict(
            Connection.objects.filter(connection_ref__in=refs).values_list(
                "connection_ref", "outcome"
            )
        )
        new, changed = self.upsert(
            Connection,
            "connection_ref",
            {
                r.values["connection_ref"]: {
                    "person_id": r.values["person_id"],
                    "asset_id": r.values["asset_id"],
                    "made_on": r.values["made_on"],
                    "kind": r.values["kind"],
                    "outcome": r.values["outcome"] or ConnectionOutcome.PENDING,
                }
                for r in rows
            },
        )
        # The outcome history, as if the outcome had been recorded in the app.
        ConnectionOutcomeChange.objects.bulk_create(
            [
                ConnectionOutcomeChange(connection=c, outcome=c.outcome, by=self.by)
                for c in [*new, *changed]
                if c.outcome != outcomes_before.get(c.connection_ref, ConnectionOutcome.PENDING)
            ],
            batch_size=1000,
        )
        self.audit(new, action="create", person_id=_by_person)
        self.audit(changed, action="update", person_id=_by_person)


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
        self.audit([c for c in linked if c in new], action="create", person_id=_by_person)
        self.audit([c for c in linked if c not in new], action="update", person_id=_by_person)

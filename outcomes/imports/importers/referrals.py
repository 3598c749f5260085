"""Referrals (``referrals.csv``), with their status history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Max
from django.utils import timezone

from referrals.models import Person, Referral, ReferralStatusChange, Source

from ..columns import choice, free_text, past_date, ref, text
from ..importer import Importer, Row, changed_fields, not_before
from ..lookups import Assignment, people_by_ref, person_id_of

# The statuses and sources a file may carry: exactly those the format lists (docs/imports.md).
REFERRAL_STATUSES = ("received", "contacted", "active", "closed", "declined", "withdrawn")
OPEN_STATUSES = frozenset({"received", "contacted", "active"})
REFERRAL_SOURCES = ("gp", "practice_staff", "self", "community", "other")
PRACTICE_SOURCES = frozenset({Source.GP, Source.PRACTICE_STAFF})


class ReferralsImporter(Importer):
    kind = "referrals"
    columns = (
        ref("referral_ref", required=True),
        ref("person_ref", required=True),
        past_date("received_on", required=True),
        choice("source", REFERRAL_SOURCES, required=True),
        text("referrer_name", max_length=200),
        text("referrer_organisation", max_length=200),
        free_text("reason"),
        choice("status", REFERRAL_STATUSES, required=True),
        past_date("closed_on"),
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
        if not v["closed_on"] and v["status"] and v["status"] not in OPEN_STATUSES:
            row.error(
                "closed_on",
                f'is empty but the status is "{v["status"]}"',
                "the date an ended referral ended",
            )

    def resolve(self, rows: list[Row]) -> None:
        people = people_by_ref(
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
        recorded = ReferralStatusChange.objects.bulk_create(
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
        _date_endings(recorded, now)
        self.result.created += len(new)
        self.result.updated += len(changed)
        self.audit(new, action="create", person_id=person_id_of)
        self.audit(changed, action="update", person_id=person_id_of)


def _date_endings(recorded: list[ReferralStatusChange], now: dt.datetime) -> None:
    """Record an ending at the referral's ``closed_on`` rather than at the moment of import,
    so that the history says the case was not open after that day. An ending is left at the
    import when the referral's history already has a later entry: the history stays in order.
    (``at`` is set on creation whatever it is given, so it is set afterwards.)"""
    endings = [c for c in recorded if c.to_status not in OPEN_STATUSES and c.referral.closed_on]
    if not endings:
        return
    latest = dict(
        ReferralStatusChange.objects.filter(referral_id__in={c.referral_id for c in endings})
        .exclude(pk__in=[c.pk for c in endings])
        .values("referral_id")
        .annotate(latest=Max("at"))
        .values_list("referral_id", "latest")
    )
    dated = []
    for change in endings:
        closed_on = change.referral.closed_on
        if closed_on is None:  # an ending without a date keeps the time it was imported
            continue
        at = min(timezone.make_aware(dt.datetime.combine(closed_on, dt.time())), now)
        earlier = latest.get(change.referral_id)
        if earlier is None or earlier <= at:
            change.at = at
            dated.append(change)
    ReferralStatusChange.objects.bulk_update(dated, ["at"], batch_size=1000)

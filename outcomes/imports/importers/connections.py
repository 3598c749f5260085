"""Connections of people to community assets (``connections.csv``), with their outcome
history."""

from __future__ import annotations

from assets.models import Asset
from referrals.models import (
    Connection,
    ConnectionKind,
    ConnectionOutcome,
    ConnectionOutcomeChange,
    Person,
)

from ..columns import choice, past_date, ref
from ..importer import Importer, Row
from ..lookups import person_id_of


class ConnectionsImporter(Importer):
    kind = "connections"
    columns = (
        ref("connection_ref", required=True),
        ref("person_ref", required=True),
        ref("asset_ref", required=True),
        past_date("made_on", required=True),
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
        self.audit(new, action="create", person_id=person_id_of)
        self.audit(changed, action="update", person_id=person_id_of)

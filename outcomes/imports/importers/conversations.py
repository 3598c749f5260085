"""Conversations (``conversations.csv``), with the friends count and SWEMWBS measure taken at
each."""

from __future__ import annotations

from referrals.models import Conversation, FriendsObservation, Person, SwemwbsResponse
from referrals.questionnaires import SwemwbsScore, swemwbs_score

from ..columns import Column, Invalid, free_text, integer, past_date, ref
from ..importer import Importer, Row, changed_fields
from ..lookups import person_id_of


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


class ConversationsImporter(Importer):
    kind = "conversations"
    columns = (
        ref("conversation_ref", required=True),
        ref("person_ref", required=True),
        past_date("held_on", required=True),
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
        self.audit(new, action="create", person_id=person_id_of)
        self.audit(
            [conversations[ref_] for ref_ in touched - {c.conversation_ref for c in new}],
            action="update",
            person_id=person_id_of,
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

"""Demo data, what happens on each referral once it is made: status histories, "what matters to
you" conversations with friends observations and SWEMWBS, goals, connections and their
follow-up, case notes and feedback to referrers.

Everything is gathered in a :class:`Casework` first and written with one ``bulk_create`` per
table at the end, back-dated (``create_dated``) so histories read as if they had happened over
time. The random draws happen in a fixed order, so the same seed gives the same demo.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from demo.core import create_dated, demo_data, weighted, with_when
from referrals.models import (
    CaseNote,
    Connection,
    ConnectionKind,
    ConnectionOutcome,
    ConnectionOutcomeChange,
    Conversation,
    ConversationRevision,
    Feedback,
    FriendsObservation,
    Goal,
    GoalStatus,
    LifeArea,
    Ons4Response,
    Person,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    Source,
    SwemwbsResponse,
)
from referrals.questionnaires import swemwbs_score
from referrals.services.conversations import conversation_snapshot

RS = ReferralStatus
CO = ConnectionOutcome
PRACTICE_ROUTES = (Source.GP, Source.PRACTICE_STAFF)
# How a connection's outcome got where it is: the follow-up steps in order.
OUTCOME_PATHS: dict[str, list[str]] = {
    CO.PENDING: [],
    CO.ATTENDED: [CO.ATTENDED],
    CO.CONTINUING: [CO.ATTENDED, CO.CONTINUING],
    CO.MEMBER: [CO.ATTENDED, CO.CONTINUING, CO.MEMBER],
    CO.DID_NOT_ATTEND: [CO.DID_NOT_ATTEND],
}


class ReferralPlan:
    """One referral and the status history it will have, before the bulk writes."""

    def __init__(self, referral: Referral, person: Person) -> None:
        self.referral = referral
        self.person = person
        self.history: list[tuple[str, dt.date]] = []


@dataclass
class Casework:
    """Rows gathered for every referral, written together by :func:`casework_write`."""

    changes: list[ReferralStatusChange] = field(default_factory=list)
    conversations: list[Conversation] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)
    notes: list[CaseNote] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)
    # Each connection's follow-up steps (outcome, date), keyed by ``id(connection)`` until
    # the connections have database ids.
    follow_ups: dict[int, list[tuple[str, dt.date]]] = field(default_factory=dict)
    # (conversation, friends count, wellbeing level) to add once conversations have ids.
    measures: list[tuple[Conversation, int | None, int | None]] = field(default_factory=list)
    last_activity: dict[int, dt.date] = field(default_factory=dict)

    def touch(self, person: Person, day: dt.date) -> None:
        self.last_activity[person.pk] = max(self.last_activity[person.pk], day)


def casework_plan(ctx: Any, plans: list[ReferralPlan]) -> Casework:
    """Everything that happened on each referral, in the order the random draws are made."""
    work = Casework()
    for plan in plans:
        _casework_for(ctx, plan, work)
    return work


def _casework_for(ctx: Any, plan: ReferralPlan, work: Casework) -> None:
    ref, person = plan.referral, plan.person
    _status_changes(ctx, plan, work)
    last_day = plan.history[-1][1]
    work.last_activity[person.pk] = max(work.last_activity.get(person.pk, last_day), last_day)
    reached = dict(plan.history)
    _contact_note(ctx, plan, reached, work)
    if RS.DECLINED in reached and ref.source in PRACTICE_ROUTES:
        work.feedback.append(_declined_feedback(ctx, ref, reached[RS.DECLINED]))
    if RS.ACTIVE not in reached:
        return
    start = reached[RS.ACTIVE]
    end = plan.history[-1][1] if plan.history[-1][0] != RS.ACTIVE else ctx.today
    days = _conversations(ctx, plan, start, end, work)
    _goals(ctx, plan, start, work)
    _connections(ctx, plan, start, end, work)
    if ref.source in PRACTICE_ROUTES and ctx.rng.random() < 0.75:
        work.feedback.append(_referred_feedback(ctx, ref, start, work))
    work.touch(person, days[-1])


def _status_changes(ctx: Any, plan: ReferralPlan, work: Casework) -> None:
    ref, worker = plan.referral, plan.referral.link_worker
    previous = ""
    for step, (status, day) in enumerate(plan.history):
        work.changes.append(
            with_when(
                ReferralStatusChange(
                    referral=ref,
                    from_status=previous,
                    to_status=status,
                    by=ref.referred_by if status == RS.RECEIVED else worker,
                ),
                # Later steps later in the day, so same-day steps keep their order.
                ctx.at(day, 9 + 2 * step),
            )
        )
        previous = status


def _contact_note(
    ctx: Any, plan: ReferralPlan, reached: dict[str, dt.date], work: Casework
) -> None:
    if RS.CONTACTED in reached and ctx.rng.random() < 0.5:
        ref = plan.referral
        work.notes.append(
            with_when(
                CaseNote(
                    person=plan.person,
                    referral=ref,
                    text=ctx.rng.choice(demo_data("people")["contact_notes"]),
                    by=ref.link_worker,
                ),
                ctx.at(reached[RS.CONTACTED], 11),
            )
        )


def _declined_feedback(ctx: Any, ref: Referral, declined_on: dt.date) -> Feedback:
    return with_when(
        Feedback(
            referral=ref,
            snomed_code=Feedback.Snomed.DECLINED,
            needs_and_concerns=ref.reason,
            support_offered="Offered a conversation and information about local groups.",
            outcomes="Declined social prescribing for now; knows how to come back.",
            sent_by=ref.link_worker,
        ),
        ctx.at(declined_on, 15),
    )


def _conversation_days(ctx: Any, start: dt.date, end: dt.date) -> list[dt.date]:
    """The first conversation, then follow-ups every 4–10 weeks while the case is open."""
    days = [start]
    while len(days) < 4:
        nxt = days[-1] + dt.timedelta(days=ctx.rng.randint(28, 70))
        if nxt > end:
            break
        days.append(nxt)
    return days


def _conversations(
    ctx: Any, plan: ReferralPlan, start: dt.date, end: dt.date, work: Casework
) -> list[dt.date]:
    """The conversations and the measures taken at them; returns their days."""
    rng = ctx.rng
    phrases = demo_data("people")
    days = _conversation_days(ctx, start, end)
    friends = rng.choices([0, 1, 2, 3, 4, 5], weights=[18, 26, 24, 16, 10, 6])[0]
    wellbeing = rng.choice([2, 2, 3])
    asks_wellbeing = rng.random() < 0.6
    for k, day in enumerate(days):
        first = k == 0
        conv = Conversation(
            conversation_ref=f"demo-conv-{len(work.conversations) + 1:05d}",
            person=plan.person,
            referral=plan.referral,
            held_on=day,
            held_by=plan.referral.link_worker,
            what_matters=(
                rng.choice(phrases["what_matters"]) if first else "Going over how things are."
            ),
            good_life=rng.choice(phrases["good_life"]) if first else "",
            love_doing=rng.choice(phrases["love_doing"]) if first else "",
            could_offer=rng.choice(phrases["could_offer"]) if first else "",
            life_areas=rng.sample(list(LifeArea.values), k=rng.randint(1, 3)),
            notes="" if first else rng.choice(phrases["follow_up_notes"]),
        )
        work.conversations.append(with_when(conv, ctx.at(day, 14)))
        if not first:
            # Mostly up, sometimes the same, now and then down: a believable spread.
            friends = max(0, friends + rng.choices([-1, 0, 1, 2], weights=[10, 30, 42, 18])[0])
            wellbeing = min(5, wellbeing + rng.choice([0, 0, 1]))
        work.measures.append(
            (
                conv,
                friends if rng.random() < 0.9 else None,
                wellbeing if asks_wellbeing and k in (0, len(days) - 1) else None,
            )
        )
    return days


def _goal_status(ctx: Any, closed: bool) -> str:
    return weighted(
        ctx.rng,
        [
            (GoalStatus.ACHIEVED, 50),
            (GoalStatus.GETTING_THERE, 30),
            (GoalStatus.CHANGED_MIND, 20),
        ]
        if closed
        else [
            (GoalStatus.NOT_STARTED, 25),
            (GoalStatus.WORKING_ON_IT, 45),
            (GoalStatus.GETTING_THERE, 20),
            (GoalStatus.ACHIEVED, 10),
        ],
    )


def _goals(ctx: Any, plan: ReferralPlan, start: dt.date, work: Casework) -> None:
    rng = ctx.rng
    ref = plan.referral
    closed = ref.status == RS.CLOSED
    for desc in rng.sample(demo_data("people")["goals"], k=rng.randint(1, 3)):
        status = _goal_status(ctx, closed)
        work.goals.append(
            with_when(
                Goal(
                    person=plan.person,
                    referral=ref,
                    description=desc,
                    status=status,
                    created_by=ref.link_worker,
                ),
                ctx.at(start, 15),
            )
        )


def _connection_outcome(ctx: Any, kind: str, made: dt.date) -> str:
    """Where a connection made on ``made`` stands today: too soon to say for two weeks."""
    if (ctx.today - made).days < 14:
        return CO.PENDING
    return weighted(
        ctx.rng,
        [
            (CO.PENDING, 10),
            (CO.ATTENDED, 25),
            (CO.CONTINUING, 25),
            (CO.MEMBER, 15),
            (CO.DID_NOT_ATTEND, 25 if kind == ConnectionKind.SIGNPOST else 12),
        ],
    )


def _connections(
    ctx: Any, plan: ReferralPlan, start: dt.date, end: dt.date, work: Casework
) -> None:
    rng = ctx.rng
    for _ in range(rng.choices([0, 1, 2, 3], weights=[10, 45, 30, 15])[0]):
        made = min(end, start + dt.timedelta(days=rng.randint(0, 30)))
        asset = rng.choice([a for a in ctx.assets if a.is_active_on(made)])
        kind = weighted(
            rng,
            [
                (ConnectionKind.SIGNPOST, 40),
                (ConnectionKind.SUPPORTED, 35),
                (ConnectionKind.ACCOMPANIED, 25),
            ],
        )
        final = _connection_outcome(ctx, kind, made)
        steps: list[tuple[str, dt.date]] = []
        day = made
        for outcome in OUTCOME_PATHS[final]:
            day = min(ctx.today, day + dt.timedelta(days=rng.randint(7, 35)))
            steps.append((outcome, day))
        conn = Connection(
            connection_ref=f"demo-conn-{len(work.connections) + 1:05d}",
            person=plan.person,
            referral=plan.referral,
            asset=asset,
            made_on=made,
            kind=kind,
            outcome=final,
            outcome_updated_on=steps[-1][1] if steps else None,
            made_by=plan.referral.link_worker,
        )
        work.follow_ups[id(conn)] = steps
        work.connections.append(with_when(conn, ctx.at(made, 16)))
        work.touch(plan.person, steps[-1][1] if steps else made)


def _referred_feedback(ctx: Any, ref: Referral, start: dt.date, work: Casework) -> Feedback:
    """What the referring practice hears back: the groups the person was connected to."""
    names = ", ".join(c.asset.name for c in work.connections if c.referral is ref) or "none yet"
    return with_when(
        Feedback(
            referral=ref,
            snomed_code=Feedback.Snomed.REFERRED,
            needs_and_concerns=ref.reason,
            support_offered=f"What matters conversation held. Activities referred to: {names}.",
            outcomes=ref.closure_outcome if ref.status == RS.CLOSED else "",
            sent_by=ref.link_worker,
        ),
        ctx.at(min(ctx.today, start + dt.timedelta(days=ctx.rng.randint(1, 5))), 12),
    )


def _swemwbs(ctx: Any, conv: Conversation, level: int) -> SwemwbsResponse:
    items = [max(1, min(5, level + ctx.rng.choice([-1, 0, 0, 1]))) for _ in range(7)]
    score = swemwbs_score(items=items)
    return SwemwbsResponse(
        person=conv.person,
        conversation=conv,
        completed_on=conv.held_on,
        items=list(score.items),
        raw_score=score.raw_score,
        metric_score=score.metric_score,
    )


def _ons4(rng: random.Random, conv: Conversation, level: int) -> Ons4Response:
    """ONS4 answers that move with the SWEMWBS level (1–5) of the same conversation; anxiety
    falls as wellbeing rises."""

    def answer(centre: int) -> int:
        return max(0, min(10, centre + rng.choice([-2, -1, 0, 0, 1, 2])))

    return Ons4Response(
        person=conv.person,
        conversation=conv,
        completed_on=conv.held_on,
        life_satisfaction=answer(2 * level - 1),
        worthwhile=answer(2 * level),
        happiness=answer(2 * level - 1),
        anxiety=answer(11 - 2 * level),
    )


def casework_write(ctx: Any, work: Casework) -> None:
    """One back-dated bulk write per table, parents before children."""
    create_dated(ReferralStatusChange, work.changes, ["at"])
    create_dated(Conversation, work.conversations, ["created_at"])
    create_dated(
        FriendsObservation,
        [
            FriendsObservation(
                person=c.person, conversation=c, observed_on=c.held_on, friends_count=f
            )
            for c, f, _ in work.measures
            if f is not None
        ],
    )
    create_dated(
        SwemwbsResponse,
        [_swemwbs(ctx, c, w) for c, _, w in work.measures if w is not None],
    )
    # Its own generator, so the rest of the demo data stays as it was.
    ons4_rng = random.Random(4)
    create_dated(
        Ons4Response,
        [_ons4(ons4_rng, c, w) for c, _, w in work.measures if w is not None],
    )
    create_dated(Goal, work.goals, ["created_at", "updated_at"])
    create_dated(Connection, work.connections, ["created_at"])
    create_dated(
        ConnectionOutcomeChange,
        [
            with_when(
                ConnectionOutcomeChange(connection=c, outcome=outcome, by=c.made_by),
                ctx.at(day, 11),
            )
            for c in work.connections
            for outcome, day in work.follow_ups[id(c)]
        ],
        ["at"],
    )
    create_dated(CaseNote, work.notes, ["at"])
    create_dated(Feedback, work.feedback, ["sent_at"])
    _a_correction(ctx, work)


CORRECTED_NOTES = "Prefers to be rung in the morning, not texted."


def _a_correction(ctx: Any, work: Casework) -> None:
    """The first conversation with no notes was corrected the next day, so the demo shows a
    conversation's history of corrections (no random draw: the rest stays the same)."""
    conv = next((c for c in work.conversations if not c.notes), None)
    if conv is None:
        return
    before = conversation_snapshot(conv)
    Conversation.objects.filter(pk=conv.pk).update(notes=CORRECTED_NOTES, version=1)
    revision = ConversationRevision(
        conversation=conv,
        replaced_version=0,
        changed_by=conv.held_by,
        reason="Wrote the note on the wrong person's record first; moved it here.",
        changes={"notes": [before["notes"], CORRECTED_NOTES]},
        previous=before,
    )
    next_morning = dt.datetime.combine(conv.held_on + dt.timedelta(days=1), dt.time(9, 0))
    when = min(timezone.make_aware(next_morning), timezone.now())
    create_dated(ConversationRevision, [with_when(revision, when)], ["changed_at"])

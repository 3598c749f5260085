"""Reads for the link worker's casework pages. Every lookup goes through the access helpers in
``referrals.access``, so a link worker only ever reaches their own team's people."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Lower
from django.utils import timezone

from assets.models import Asset, ListingStatus, Session
from socialrx.http import get_in_scope_or_404
from socialrx.models import Practice, Role, User
from socialrx.validators import normalise_nhs_number

from ..access import people_for, referrals_for
from ..models import (
    OPEN_STATUSES,
    CaseNote,
    Connection,
    ConnectionOutcome,
    ConnectionOutcomeChange,
    ContactAttempt,
    Conversation,
    ConversationRevision,
    Feedback,
    Goal,
    GoalStatus,
    Person,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
)
from .columns import unshown

# A person stays on the caseload this long after their latest referral ended, so a link worker
# can still write back to the referrer or pick up a returning person.
RECENT_DAYS = 90


def _latest_referrals() -> QuerySet[Referral]:
    """The outer person's referrals, latest first (``[:1]`` is the latest)."""
    return Referral.objects.filter(person=OuterRef("pk")).order_by("-received_on", "-id")


def _latest_referral(field: str) -> Subquery:
    return Subquery(_latest_referrals().values(field)[:1])


def _latest_referral_on_caseload(cutoff: dt.date) -> Subquery:
    """True when the person's latest referral is open or ended on or after ``cutoff``: one
    look at the latest referral per person (the caseload's filter, for every person of the
    team), where testing its status and its end date apart would look twice."""
    on_caseload = Case(
        When(Q(status__in=OPEN_STATUSES) | Q(closed_on__gte=cutoff), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return Subquery(
        _latest_referrals().annotate(on_caseload=on_caseload).values("on_caseload")[:1],
        output_field=BooleanField(),
    )


def _is_nhs_number(query: str) -> bool:
    digits = normalise_nhs_number(query)
    return digits.isdigit() and len(digits) == 10


def caseload_search_kind(*, query: str) -> str | None:
    """What kind of caseload search ``query`` makes (for the audit log, which never keeps the
    query itself); ``None`` when it is empty."""
    query = query.strip()
    if not query:
        return None
    return "by NHS number" if _is_nhs_number(query) else "by name"


# Each sort: its columns, and whether a person may have no value in them (those come last
# either way). A column always filled is sorted plainly: the default, newest activity, is then
# the order of the index on (team, last activity, id), and its first page is read from it.
_CASELOAD_ORDER: dict[str, tuple[tuple[Any, ...], bool]] = {
    "name": ((Lower("family_name"), Lower("given_name")), True),
    "date_of_birth": ((F("date_of_birth"),), True),
    "status": ((F("current_status"),), True),
    "practice": ((Lower("practice__name"),), True),
    "last_activity": ((F("last_activity_at"),), False),
    "received": ((F("current_received_on"),), True),
}


def caseload_for(
    *,
    user: Any,
    status: str = "",
    query: str = "",
    mine: bool = False,
    practice_id: int | None = None,
    waiting_days: int | None = None,
    sort: str = "last_activity",
    descending: bool = True,
    today: dt.date | None = None,
) -> QuerySet[Person]:
    """The team's people whose latest referral is open, or ended in the last ``RECENT_DAYS``;
    newest activity first unless ``sort`` names another column. ``status`` filters on the
    latest referral's status; ``query`` is a name or an NHS number; ``mine`` keeps the people
    ``user`` is the named link worker of; ``waiting_days`` keeps those whose latest referral was
    received more than that many days ago and is still waiting for first contact."""
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=RECENT_DAYS)
    people = (
        people_for(user=user)
        .select_related("link_worker", "practice")
        .annotate(
            current_status=_latest_referral("status"),
            current_closed_on=_latest_referral("closed_on"),
            current_received_on=_latest_referral("received_on"),
            has_possible_match=Exists(
                Referral.objects.filter(person=OuterRef("pk"), possible_match__isnull=False)
            ),
        )
        .alias(on_caseload=_latest_referral_on_caseload(cutoff))
        .filter(on_caseload=True)
    )
    if status:
        people = people.filter(current_status=status)
    if mine:
        people = people.filter(link_worker_id=user.pk)
    if practice_id is not None:
        people = people.filter(practice_id=practice_id)
    if waiting_days is not None:
        people = people.filter(
            current_status=ReferralStatus.RECEIVED,
            current_received_on__lt=today - dt.timedelta(days=waiting_days),
        )
    query = query.strip()
    if query:
        if _is_nhs_number(query):
            people = people.filter(nhs_number=normalise_nhs_number(query))
        else:
            for term in re.split(r"\s+", query)[:4]:
                people = people.filter(
                    Q(given_name__icontains=term) | Q(family_name__icontains=term)
                )
    keys, may_be_empty = _CASELOAD_ORDER.get(sort, _CASELOAD_ORDER["last_activity"])
    empties_last = {"nulls_last": True} if may_be_empty else {}
    ordering = [k.desc(**empties_last) if descending else k.asc(**empties_last) for k in keys]
    tiebreak = F("id").desc() if descending else F("id").asc()
    return people.order_by(*ordering, tiebreak)


def caseload_practices(*, user: Any) -> QuerySet[Practice]:
    """The practices the caseload can be filtered by: those the user's team serves
    (administrators: every practice)."""
    if getattr(user, "is_admin", False):
        return Practice.objects.order_by("name")
    team_id = getattr(user, "team_id", None)
    if team_id is None:
        return Practice.objects.none()
    return Practice.objects.filter(team_id=team_id).order_by("name")


def person_for_page(*, user: Any, pk: int) -> Person:
    scope = people_for(user=user).select_related("link_worker", "practice", "team")
    return get_in_scope_or_404(scope, what="person", pk=pk)


def referral_for_case(*, user: Any, pk: int) -> Referral:
    """A referral on a case record the user may change. Practice staff and volunteers can see
    some referrals through ``referrals_for`` but never reach casework (their views 404 first);
    here only the case scope (``people_for``) counts."""
    scope = (
        referrals_for(user=user)
        .filter(person__in=people_for(user=user))
        .select_related("person", "referring_practice")
    )
    return get_in_scope_or_404(scope, what="referral", pk=pk)


def goal_get_for(*, user: Any, pk: int) -> Goal:
    scope = Goal.objects.select_related("person").filter(person__in=people_for(user=user))
    return get_in_scope_or_404(scope, what="goal", pk=pk)


def connection_get_for(*, user: Any, pk: int) -> Connection:
    scope = Connection.objects.select_related("person", "asset").filter(
        person__in=people_for(user=user)
    )
    return get_in_scope_or_404(scope, what="connection", pk=pk)


def conversation_get_for(*, user: Any, pk: int) -> Conversation:
    """A conversation of one of the user's team's people, with its measures and its history
    of corrections (oldest first), in a fixed number of queries."""
    scope = (
        Conversation.objects.select_related(
            "person", "held_by", "friends_observation", "swemwbs", "ons4"
        )
        .prefetch_related(
            Prefetch(
                "revisions",
                queryset=ConversationRevision.objects.select_related("changed_by").order_by(
                    "changed_at", "id"
                ),
            )
        )
        .filter(person__in=people_for(user=user))
    )
    return get_in_scope_or_404(scope, what="conversation", pk=pk)


def feedback_get_for(*, user: Any, pk: int) -> Feedback:
    scope = Feedback.objects.select_related(
        "referral__person__practice", "referral__referring_practice", "sent_by"
    ).filter(referral__person__in=people_for(user=user))
    return get_in_scope_or_404(scope, what="feedback", pk=pk)


def referral_open_for(*, person: Person) -> Referral | None:
    """The person's current open referral (the newest, if more than one is open)."""
    return person.referrals.filter(status__in=OPEN_STATUSES).order_by("-received_on", "-id").first()


def team_link_workers(*, team_id: int | None) -> QuerySet[User]:
    """Active link workers of a team: who a person's case can be handed to."""
    if team_id is None:
        return User.objects.none()
    return User.objects.filter(team_id=team_id, role=Role.LINK_WORKER, is_active=True).order_by(
        "first_name", "last_name", "username"
    )


def asset_search(*, query: str, today: dt.date | None = None, limit: int = 20) -> list[Asset]:
    """Active assets whose name contains ``query`` (active on a day when started on or before
    it and not yet ended, as the metrics count them: docs/metrics.md)."""
    query = query.strip()
    if not query:
        return []
    today = today or timezone.localdate()
    return list(
        Asset.objects.filter(name__icontains=query)
        # A rejected listing is not in the directory; a pending one is offered with a warning.
        .exclude(listing_status=ListingStatus.REJECTED)
        .filter(Q(started_on__isnull=True) | Q(started_on__lte=today))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today))
        .order_by("name")[:limit]
    )


def asset_active_get(*, pk: Any, today: dt.date | None = None) -> Asset | None:
    today = today or timezone.localdate()
    try:
        asset = Asset.objects.get(pk=pk, listing_status=ListingStatus.APPROVED)
    except (Asset.DoesNotExist, ValueError, TypeError):
        return None
    return asset if asset.is_active_on(today) else None


# --- the person page -------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # referral, conversation, goal, connection, note, feedback
    on: dt.date
    at: dt.datetime
    obj: Any


@dataclass(frozen=True)
class PersonRecord:
    referrals: list[Referral]
    conversations: list[Conversation]
    goals: list[Goal]
    connections: list[Connection]
    notes: list[CaseNote]
    timeline: list[TimelineEntry]
    contact_attempts: list[ContactAttempt]

    @property
    def open_referral(self) -> Referral | None:
        return next((r for r in self.referrals if r.is_open), None)


def person_record(*, person: Person) -> PersonRecord:
    """Everything on a person's page in a fixed number of queries, whatever its length."""
    # Joined: what the page shows of each row, no more (every column joined is compiled into
    # the query on each request, and read into a model): of a possible match, their name; of a
    # group, its name. (Leaving out a user's other columns saved nothing: Django spends as long
    # working out which columns to leave out.)
    referrals = list(
        person.referrals.select_related("referring_practice", "possible_match")
        .defer(*unshown("possible_match", Person, ("given_name", "family_name")))
        .prefetch_related(
            Prefetch(
                "status_changes",
                queryset=ReferralStatusChange.objects.select_related("by").order_by("at", "id"),
            ),
            "feedback",
        )
    )
    conversations = list(
        person.conversations.select_related(
            "held_by", "friends_observation", "swemwbs", "ons4"
        ).order_by("-held_on", "-id")
    )
    goals = list(person.goals.order_by("created_at", "id"))
    connections = list(
        person.connections.select_related("asset")
        .defer(*unshown("asset", Asset, ("name",)))
        .prefetch_related(
            Prefetch(
                "outcome_changes",
                queryset=ConnectionOutcomeChange.objects.select_related("by").order_by("at", "id"),
            ),
            "group_answers",
        )
        .order_by("-made_on", "-id")
    )
    notes = list(person.notes.select_related("by").order_by("-at", "-id"))
    contact_attempts = list(
        person.contact_attempts.select_related("by").order_by("-attempted_at", "-id")
    )

    tz = timezone.get_current_timezone()
    entries = [
        *(TimelineEntry("referral", r.received_on, r.created_at, r) for r in referrals),
        *(TimelineEntry("conversation", c.held_on, c.created_at, c) for c in conversations),
        *(
            TimelineEntry("goal", g.created_at.astimezone(tz).date(), g.created_at, g)
            for g in goals
        ),
        *(TimelineEntry("connection", c.made_on, c.created_at, c) for c in connections),
        *(TimelineEntry("note", n.at.astimezone(tz).date(), n.at, n) for n in notes),
        *(
            TimelineEntry("feedback", f.sent_at.astimezone(tz).date(), f.sent_at, f)
            for r in referrals
            for f in r.feedback.all()
        ),
    ]
    # Newest first by the day it happened, then by when it was written down.
    entries.sort(key=lambda e: (e.on, e.at), reverse=True)
    return PersonRecord(
        referrals=referrals,
        conversations=conversations,
        goals=goals,
        connections=connections,
        notes=notes,
        timeline=entries,
        contact_attempts=contact_attempts,
    )


@dataclass(frozen=True)
class PersonPlan:
    """What goes on the printed plan for the person."""

    latest_conversation: Conversation | None
    goals: list[Goal]
    connections: list[Connection]


def person_plan(*, person: Person) -> PersonPlan:
    """The person's plan: the goals still in it (not the ones they changed their mind
    about), the groups agreed (not the ones they did not go to), with each group's sessions,
    and their latest "what matters to you" conversation. A fixed number of queries."""
    goals = list(person.goals.exclude(status=GoalStatus.CHANGED_MIND).order_by("created_at", "id"))
    connections = list(
        person.connections.exclude(outcome=ConnectionOutcome.DID_NOT_ATTEND)
        .select_related("asset")
        .prefetch_related(
            Prefetch("asset__sessions", queryset=Session.objects.order_by("weekday", "starts_at"))
        )
        .order_by("-made_on", "-id")
    )
    # One row per group (a person connected twice to the same group sees it once).
    unique: dict[int, Connection] = {}
    for c in connections:
        unique.setdefault(c.asset_id, c)
    latest = person.conversations.order_by("-held_on", "-id").first()
    return PersonPlan(latest_conversation=latest, goals=goals, connections=list(unique.values()))


def referral_possible_match_for(*, user: Any, pk: int) -> Referral:
    """A referral with a possible match still to settle, on a case record the user may change
    (the link workers of the referral's team, administrators)."""
    scope = Referral.objects.filter(
        person__in=people_for(user=user), possible_match__isnull=False
    ).select_related("person", "possible_match", "possible_match__practice")
    return get_in_scope_or_404(scope, what="referral", pk=pk)


def person_in_case_scope(*, user: Any, person_id: int) -> bool:
    return people_for(user=user).filter(pk=person_id).exists()

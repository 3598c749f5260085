"""Demo data, second half of the champions step: what the 20 demo volunteers do. Home bases,
contact details, training, hours, events (a celebration among them), the groups the volunteers
with logins keep, and the recorded consent of the volunteers who were once referred.
``demo.volunteers.seed`` calls :func:`seed_activity` once the champions exist."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from assets.models import Asset, LedBy
from champions.models import (
    Champion,
    Event,
    EventKind,
    HoursLog,
    InvitationState,
    TrainingRecord,
    VolunteerInvitation,
)
from champions.services import consent_wording_for
from demo.core import keep_timestamps

ORGANISATIONS = [
    "Hillside Community Association",
    "Riverside Voluntary Action",
    "St Mark's Church",
    "Vale Road Allotment Society",
]
COURSES = [
    ("Volunteer induction", Decimal("3"), ""),
    ("Safeguarding adults", Decimal("2.5"), "Level 1 certificate"),
    ("Mental health first aid", Decimal("12"), "MHFA England"),
    ("Health champion: understanding health improvement", Decimal("8"), "RSPH Level 2 Award"),
    ("Making every contact count", Decimal("3"), ""),
    ("Food hygiene", Decimal("3"), "Level 2 Food Hygiene"),
]
ACTIVITIES = [
    "Led the walk",
    "Set up the room and made the tea",
    "Welcomed new members",
    "Phoned members who missed a week",
    "Helped at the drop-in",
    "Updated the group's noticeboard",
    "Talked to people in the surgery waiting room",
]
EVENTS = [
    (EventKind.GROUP_SESSION, "Taster session"),
    (EventKind.COMMUNITY_EVENT, "Summer fair stall"),
    (EventKind.OUTREACH, "Stand at the library health day"),
    (EventKind.MEETING, "Volunteers' network meeting"),
]
CELEBRATIONS = [
    "Group's first birthday party",
    "Volunteers' thank-you tea",
    "End of season celebration",
]
HOURS = [Decimal("1"), Decimal("1.5"), Decimal("2"), Decimal("2"), Decimal("2.5"), Decimal("3")]


def _day_between(ctx: Any, start: dt.date, end: dt.date) -> dt.date:
    span = max(0, (end - start).days)
    return start + dt.timedelta(days=ctx.rng.randint(0, span))


def seed_activity(ctx: Any) -> None:
    champions: list[Champion] = list(ctx.champions)
    _profiles(ctx, champions)
    groups = _maintained_groups(ctx)
    training: list[TrainingRecord] = []
    hours: list[HoursLog] = []
    events: list[Event] = []
    for i, champion in enumerate(champions):
        start = champion.started_on or ctx.days_ago(365)
        end = min(champion.ended_on or ctx.today, ctx.today)
        training += _training(ctx, champion, start, end)
        kept = groups.get(champion.user_id, []) if champion.user_id else []
        hours += _hours(ctx, champion, start, end, kept)
        events += _events(ctx, i, champion, start, end, kept)
    TrainingRecord.objects.bulk_create(training)
    HoursLog.objects.bulk_create(hours)
    Event.objects.bulk_create(events)
    _invitations(ctx, champions)


def _training(ctx: Any, champion: Champion, start: dt.date, end: dt.date) -> list[TrainingRecord]:
    """One to three courses, in their first four months."""
    rng = ctx.rng
    return [
        TrainingRecord(
            champion=champion,
            course=course,
            completed_on=_day_between(ctx, start, min(end, start + dt.timedelta(days=120))),
            hours=course_hours,
            qualification=qualification,
        )
        for course, course_hours, qualification in rng.sample(COURSES, k=rng.randint(1, 3))
    ]


def _hours(
    ctx: Any, champion: Champion, start: dt.date, end: dt.date, kept: list[Asset]
) -> list[HoursLog]:
    """Hours given, mostly at the groups they keep."""
    rng = ctx.rng
    weeks = max(1, (end - start).days // 7)
    return [
        HoursLog(
            champion=champion,
            on=_day_between(ctx, start, end),
            hours=rng.choice(HOURS),
            activity=rng.choice(ACTIVITIES),
            asset=rng.choice(kept) if kept and rng.random() < 0.8 else None,
        )
        for _ in range(min(weeks, rng.randint(6, 24)))
    ]


def _events(
    ctx: Any, i: int, champion: Champion, start: dt.date, end: dt.date, kept: list[Asset]
) -> list[Event]:
    rng = ctx.rng
    events = [
        Event(
            champion=champion,
            kind=kind,
            on=_day_between(ctx, start, end),
            title=title,
            hours=rng.choice(HOURS),
            asset=rng.choice(kept) if kept else None,
        )
        for kind, title in rng.sample(EVENTS, k=rng.randint(1, 3))
    ]
    # Every third volunteer went to (or threw) a celebration; the first one always did.
    if i % 3 == 0:
        events.append(
            Event(
                champion=champion,
                kind=EventKind.CELEBRATION,
                on=_day_between(ctx, start, end),
                title=rng.choice(CELEBRATIONS),
                hours=Decimal("0") if i % 2 else Decimal("2"),
                asset=kept[0] if kept else None,
            )
        )
    return events


def _profiles(ctx: Any, champions: list[Champion]) -> None:
    rng = ctx.rng
    for i, champion in enumerate(champions):
        person, user = champion.person, champion.user
        if person is not None and person.practice_id:
            champion.home_practice_id = person.practice_id
        elif i % 2 and ctx.practices:
            champion.home_practice = rng.choice(ctx.practices)
        else:
            champion.home_organisation = rng.choice(ORGANISATIONS)
        champion.active = champion.ended_on is None
        # Ofcom's drama range: numbers that can never ring anyone.
        champion.phone = f"07700 900{100 + i:03d}"
        champion.email = (
            user.email if user is not None else f"champion{i + 1}@demo.socialrx.invalid"
        )
        champion.publish_name = champion.user_id is not None or i % 4 == 0
        champion.publish_email = champion.user_id is not None and i % 2 == 0
    Champion.objects.bulk_update(
        champions,
        [
            "home_practice",
            "home_organisation",
            "active",
            "phone",
            "email",
            "publish_name",
            "publish_email",
        ],
    )


def _maintained_groups(ctx: Any) -> dict[int, list[Asset]]:
    """The groups each volunteer login keeps; every login keeps at least one."""
    users = list(ctx.volunteer_users)
    if not users:
        return {}
    through = Asset.maintainers.through
    kept: dict[int, list[Asset]] = {u.pk: [] for u in users}
    by_id = {a.pk: a for a in ctx.assets}
    for user_id, asset_id in through.objects.filter(user_id__in=kept).values_list(
        "user_id", "asset_id"
    ):
        if asset_id in by_id:
            kept[user_id].append(by_id[asset_id])
    citizen = [
        a
        for a in ctx.assets
        if a.led_by == LedBy.CITIZEN and (a.started_on is None or a.started_on <= ctx.today)
    ]
    spare = [a for a in citizen if not any(a in v for v in kept.values())]
    links = []
    for user in users:
        if not kept[user.pk] and (spare or citizen):
            asset = spare.pop(0) if spare else citizen[0]
            kept[user.pk].append(asset)
            links.append(through(asset_id=asset.pk, user_id=user.pk))
    through.objects.bulk_create(links, ignore_conflicts=True)
    return kept


def _invitations(ctx: Any, champions: list[Champion]) -> None:
    """The volunteers who were once referred agreed when their link worker asked them: keep
    the consent as the invitation page records it."""
    invitations = []
    for champion in champions:
        person = champion.person
        if person is None:
            continue
        worker = person.link_worker
        day = champion.started_on or ctx.today
        invitations.append(
            VolunteerInvitation(
                person=person,
                invited_by=worker,
                role=champion.role,
                state=InvitationState.ACCEPTED,
                consent_wording=consent_wording_for(role=champion.role),
                consent_recorded_by=worker,
                consent_recorded_at=ctx.at(day, hour=11),
                champion=champion,
                created_at=ctx.at(day, hour=11),
            )
        )
    with keep_timestamps(VolunteerInvitation):
        VolunteerInvitation.objects.bulk_create(invitations)

"""Demo data: 60 community assets, four in each of the 15 categories, citizen-led groups beside
sector-led ones, with the details a directory listing shows. Called by ``manage.py seed_demo``
after the core step. The catalogue (groups, venues, organisations, gaps) is
``demo/data/directory.json``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from assets.models import (
    Asset,
    AssetChange,
    AssetKind,
    Capacity,
    Category,
    Eligibility,
    Gap,
    GapStatus,
    LedBy,
    ListingStatus,
    MemberCount,
    Organisation,
    OrganisationKind,
    Session,
    StartedBy,
)
from demo.core import demo_data
from socialrx.models import Postcode

# Mostly open, some limited, a couple full, one paused: assigned in turn.
CAPACITIES = [Capacity.OPEN] * 13 + [Capacity.LIMITED] * 3 + [Capacity.FULL] * 2 + [Capacity.PAUSED]
# The directory fields the details step fills in on the assets already made.
DETAIL_FIELDS = [
    "venue_name",
    "address",
    "postcode",
    "kind",
    "organisation",
    "started_by",
    "started_by_user",
    "schedule_text",
    "is_free",
    "cost",
    "step_free",
    "hearing_loop",
    "accessible_toilet",
    "first_visit",
    "ask_for",
    "getting_there",
    "little_talking",
    "slowest_pace",
    "languages",
    "capacity",
    "contact_name",
    "contact_phone",
    "contact_email",
    "member_count",
    "last_confirmed_at",
    "last_confirmed_by",
    "listing_status",
    "fills_gap",
    "eligibility",
    "eligible_practice",
]


def seed(ctx: Any) -> None:
    ctx.assets = Asset.objects.bulk_create(_assets(ctx))
    _citizen_keepers(ctx)
    _directory_details(ctx)


def _assets(ctx: Any) -> list[Asset]:
    rng = ctx.rng
    assets: list[Asset] = []
    for code, rows in demo_data("directory")["assets_by_category"].items():
        category = Category(code)
        for i, row in enumerate(rows):
            postcode = rng.choice(ctx.postcodes)[0] if ctx.postcodes else ""
            started = ctx.days_ago(rng.randint(700, 4000))
            ended: dt.date | None = None
            # A few groups have stopped (connections to them before they ended still count).
            if i == 3 and category in (Category.READING, Category.DIGITAL_SKILLS):
                ended = ctx.days_ago(rng.randint(30, 120))
            assets.append(
                Asset(
                    asset_ref=f"demo-asset-{len(assets) + 1:03d}",
                    name=row["name"],
                    category=category,
                    led_by=LedBy(row["led_by"]),
                    started_on=started,
                    ended_on=ended,
                    postcode=postcode,
                    description=row["description"],
                )
            )
    # One new group, started to fill a gap, opens soon.
    assets[-1].started_on = ctx.today + dt.timedelta(days=14)
    return assets


def _citizen_keepers(ctx: Any) -> None:
    """Volunteers keep the citizen-led groups' listings."""
    through = Asset.maintainers.through
    links = []
    citizen = [a for a in ctx.assets if a.led_by == LedBy.CITIZEN]
    for i, asset in enumerate(citizen):
        if ctx.volunteer_users and i % 2 == 0:
            user = ctx.volunteer_users[(i // 2) % len(ctx.volunteer_users)]
            links.append(through(asset_id=asset.pk, user_id=user.pk))
    through.objects.bulk_create(links)


@dataclass
class _Details:
    """What the details step shares between its parts and writes at the end."""

    now: dt.datetime
    orgs: list[Organisation]
    keepers: dict[int, int]
    sessions: list[Session] = field(default_factory=list)
    counts: list[MemberCount] = field(default_factory=list)
    changes: list[AssetChange] = field(default_factory=list)

    def orgs_of(self, kind: str) -> list[Organisation]:
        return [o for o in self.orgs if o.kind == kind]


def _directory_details(ctx: Any) -> None:
    """Realistic directory fields for every demo asset: venues, weekly sessions, cost,
    accessibility, languages, capacity (mostly open, some full or paused), contacts, member
    counts over time, keepers' confirmations (some stale: reminders and "not confirmed
    recently" show), organisations, who started each group, a few gaps and pending
    suggestions."""
    now = timezone.now()
    _locate_postcodes(ctx)
    orgs = _organisations()
    gaps = _gaps(ctx)
    details = _Details(now=now, orgs=orgs, keepers=_keepers(ctx))
    ctx.venue_postcodes = venue_postcodes(ctx)
    for i, asset in enumerate(ctx.assets):
        _describe(ctx, i, asset, details)
    # The group opening soon (the last one) was started to fill the carers' gap, and its
    # listing was confirmed when it was approved last week.
    ctx.assets[-1].fills_gap = gaps[0]
    ctx.assets[-1].last_confirmed_at = now - dt.timedelta(days=6)
    ctx.assets[-1].started_by = StartedBy.VOLUNTEER
    # One practice's patients only (a surgery's own walking group).
    walkers = next((a for a in ctx.assets if a.name.startswith("Healthy walks")), None)
    if walkers and ctx.practices:
        walkers.eligibility = Eligibility.PRACTICE_PATIENTS
        walkers.eligible_practice = ctx.practices[2]
    Asset.objects.bulk_update(ctx.assets, DETAIL_FIELDS)
    Session.objects.bulk_create(details.sessions)
    MemberCount.objects.bulk_create(details.counts)
    AssetChange.objects.bulk_create(details.changes)
    _edits_to_review(ctx, details)


def _locate_postcodes(ctx: Any) -> None:
    """Place the demo's postcodes near their district's centre, so distance search works when
    no postcode_locations file has been imported (only empty coordinates are filled)."""
    rng = ctx.rng
    centres = demo_data("directory")["district_centres"]
    for postcode in Postcode.objects.filter(latitude__isnull=True):
        centre = centres.get(postcode.postcode[:-3])  # the outward code
        if centre:
            postcode.latitude = centre[0] + rng.uniform(-0.006, 0.006)
            postcode.longitude = centre[1] + rng.uniform(-0.01, 0.01)
            postcode.save(update_fields=["latitude", "longitude"])


def _organisations() -> list[Organisation]:
    """Statutory and larger VCSE listings are shared out among these."""
    return Organisation.objects.bulk_create(
        [
            Organisation(
                name=o["name"], kind=OrganisationKind(o["kind"]), description=o["description"]
            )
            for o in demo_data("directory")["organisations"]
        ]
    )


def _gaps(ctx: Any) -> list[Gap]:
    return Gap.objects.bulk_create(
        [
            Gap(
                what=g["what"],
                category=Category(g["category"]),
                area=g["area"],
                people_count=g["people_count"],
                status=GapStatus(g["status"]),
                logged_by=ctx.rng.choice(ctx.link_workers) if ctx.link_workers else None,
            )
            for g in demo_data("directory")["gaps"]
        ]
    )


def _keepers(ctx: Any) -> dict[int, int]:
    """Each kept asset's keeper (asset id → user id). Every citizen-led group, and one in
    three VCSE ones, has a volunteer keeping its listing."""
    keepers = {
        row["asset_id"]: row["user_id"]
        for row in Asset.maintainers.through.objects.values("asset_id", "user_id")
    }
    if ctx.volunteer_users:
        extra = []
        for i, asset in enumerate(ctx.assets):
            wanted = asset.led_by == LedBy.CITIZEN or (asset.led_by == LedBy.VCSE and i % 3 == 0)
            if wanted and asset.pk not in keepers:
                user = ctx.volunteer_users[(i * 3) % len(ctx.volunteer_users)]
                keepers[asset.pk] = user.pk
                extra.append(Asset.maintainers.through(asset_id=asset.pk, user_id=user.pk))
        Asset.maintainers.through.objects.bulk_create(extra)
    return keepers


def _describe(ctx: Any, i: int, asset: Asset, details: _Details) -> None:
    """Fill in the ``i``-th asset's listing, in a fixed order of random draws."""
    _venue(ctx, i, asset)
    asset.kind = _kind(i, asset)
    _organisation(ctx, asset, details)
    asset.started_by = _started_by(i, asset)
    if asset.started_by == StartedBy.VOLUNTEER and asset.pk in details.keepers:
        asset.started_by_user_id = details.keepers[asset.pk]
    _sessions(ctx, asset, details)
    _cost_and_access(ctx, i, asset)
    asset.capacity = CAPACITIES[i % len(CAPACITIES)]
    _contact(ctx, asset)
    _member_counts(ctx, asset, details)
    _confirmation(ctx, i, asset, details)


def venue_postcodes(ctx: Any) -> dict[str, str]:
    """Each demo venue's one postcode: a venue is in one place, whatever meets there."""
    venues = demo_data("directory")["venues"]
    if not ctx.postcodes:
        return {v["name"]: "" for v in venues}
    step = max(1, len(ctx.postcodes) // len(venues))
    return {
        v["name"]: ctx.postcodes[(j * step) % len(ctx.postcodes)][0] for j, v in enumerate(venues)
    }


def _venue(ctx: Any, i: int, asset: Asset) -> None:
    """Where the group meets (the catalogue names a venue that suits it: an allotment is not in
    a church hall), its postcode, how to get there and the building's access. A group that
    meets nowhere (telephone befriending) keeps its office postcode and no venue."""
    catalogue = demo_data("directory")
    row = _catalogue_row(asset)
    first_visit = catalogue["first_visit_by_category"][asset.category]
    asset.first_visit = first_visit
    venue = next((v for v in catalogue["venues"] if v["name"] == row["venue"]), None)
    if venue is None:
        asset.venue_name = asset.address = asset.getting_there = ""
        asset.step_free = asset.hearing_loop = asset.accessible_toilet = None
        return
    asset.venue_name, asset.address = venue["name"], venue["address"]
    asset.postcode = ctx.venue_postcodes[venue["name"]]
    asset.getting_there = venue["getting_there"]
    asset.step_free = venue["step_free"]
    asset.hearing_loop = venue["hearing_loop"]
    asset.accessible_toilet = venue["accessible_toilet"]


def _catalogue_row(asset: Asset) -> dict[str, Any]:
    rows = demo_data("directory")["assets_by_category"][asset.category]
    return next(r for r in rows if r["name"] == asset.name)


def _kind(i: int, asset: Asset) -> str:
    if asset.led_by == LedBy.STATUTORY or asset.category == Category.ADVICE_MONEY:
        return AssetKind.SERVICE
    if "befriending" in asset.name.lower() or "buddies" in asset.name.lower():
        return AssetKind.CONNECTOR
    if asset.category == Category.HERITAGE_MUSEUMS and i % 2:
        return AssetKind.PLACE
    if asset.led_by == LedBy.VCSE and i % 3 == 0:
        return AssetKind.ACTIVITY
    return AssetKind.GROUP


def _organisation(ctx: Any, asset: Asset, details: _Details) -> None:
    if asset.led_by == LedBy.STATUTORY:
        asset.organisation = ctx.rng.choice(details.orgs_of(OrganisationKind.STATUTORY))
    elif asset.led_by == LedBy.COMMERCIAL:
        asset.organisation = details.orgs_of(OrganisationKind.BUSINESS)[0]
    elif asset.led_by == LedBy.VCSE:
        asset.organisation = ctx.rng.choice(details.orgs[:4])


def _started_by(i: int, asset: Asset) -> str:
    if asset.organisation:
        return StartedBy.ORGANISATION
    if i % 5 == 0:
        return StartedBy.REFERRED_PERSON
    if i % 7 == 0:
        return StartedBy.LINK_WORKER
    return StartedBy.VOLUNTEER


def _sessions(ctx: Any, asset: Asset, details: _Details) -> None:
    """A weekly session, sometimes a second one later in the week."""
    rng = ctx.rng
    weekday = rng.randint(0, 6)
    hour = rng.choice([10, 10, 11, 13, 14, 18, 19])
    details.sessions.append(
        Session(
            asset=asset,
            weekday=weekday,
            starts_at=dt.time(hour, 0),
            ends_at=dt.time(hour + rng.choice([1, 2]), rng.choice([0, 30])),
        )
    )
    if rng.random() < 0.3:
        details.sessions.append(
            Session(asset=asset, weekday=(weekday + 3) % 7, starts_at=dt.time(hour, 0))
        )
    asset.schedule_text = rng.choice(
        ["", "", "Not on bank holidays.", "Term time only.", "Ring first on your first visit."]
    )
    # A group whose description names its day or time ("Tuesdays", "supper every Friday")
    # meets then, once a week (the catalogue's "when"); the draws above are still made so that
    # the rest of the demo stays as it was.
    when = _catalogue_row(asset).get("when")
    if when:
        session = next(s for s in details.sessions if s.asset is asset)
        details.sessions = [s for s in details.sessions if s.asset is not asset or s is session]
        session.weekday = when["weekday"]
        session.starts_at = dt.time.fromisoformat(when["starts"])
        session.ends_at = dt.time.fromisoformat(when["ends"])
        asset.schedule_text = when.get("schedule_text", asset.schedule_text)


def _cost_and_access(ctx: Any, i: int, asset: Asset) -> None:
    rng = ctx.rng
    paid = asset.led_by == LedBy.COMMERCIAL or (asset.led_by == LedBy.VCSE and i % 4 == 0)
    asset.is_free = not paid
    asset.cost = (
        rng.choice(["£2 a session, tea included", "£3; free to carers", "£5 a month"])
        if paid
        else ""
    )
    # Draws kept so the rest of the demo stays as it was; the venue says the access.
    rng.random()
    rng.random()
    asset.little_talking = (
        asset.category in (Category.GREEN_NATURE, Category.ARTS_CREATIVITY) or rng.random() < 0.15
    )
    asset.slowest_pace = (
        asset.category == Category.PHYSICAL_ACTIVITY and asset.led_by == LedBy.CITIZEN
    ) or rng.random() < 0.1
    asset.languages = demo_data("directory")["languages"].get(asset.name, "English")
    # What the catalogue says it costs wins ("Free advice...", "a small membership fee").
    cost = _catalogue_row(asset).get("cost")
    if cost is not None:
        asset.is_free, asset.cost = cost == "", cost


def _contact(ctx: Any, asset: Asset) -> None:
    rng = ctx.rng
    asset.contact_name = rng.choice(["Jean", "Mo", "Sandra", "Dev", "Kath", "the organiser"])
    asset.contact_phone = f"0113 496 0{rng.randint(0, 999):03d}"
    slug = "".join(ch for ch in asset.name.lower() if ch.isalnum())[:20]
    asset.contact_email = f"hello@{slug}.example.org"
    if asset.led_by == LedBy.STATUTORY:
        asset.ask_for = "the person at the front desk"
    elif asset.contact_name == "the organiser":
        asset.ask_for = "the organiser"
    else:
        asset.ask_for = f"{asset.contact_name}, who runs it"


def _member_counts(ctx: Any, asset: Asset, details: _Details) -> None:
    """Members now, and fewer six and three months ago: most groups grow."""
    rng = ctx.rng
    asset.member_count = rng.randint(6, 40)
    for months_ago in (6, 3):
        details.counts.append(
            MemberCount(
                asset=asset,
                counted_on=ctx.days_ago(30 * months_ago),
                count=max(3, asset.member_count - rng.randint(0, 8) * months_ago // 3),
            )
        )
    details.counts.append(
        MemberCount(
            asset=asset, counted_on=ctx.days_ago(rng.randint(1, 20)), count=asset.member_count
        )
    )


def _confirmation(ctx: Any, i: int, asset: Asset, details: _Details) -> None:
    """Most listings were confirmed lately; every eighth is stale, a few are due a reminder."""
    rng = ctx.rng
    if i % 8 == 3:
        days = rng.randint(95, 220)
    elif i % 8 == 5:
        days = rng.randint(62, 85)
    else:
        days = rng.randint(0, 50)
    asset.last_confirmed_at = details.now - dt.timedelta(days=days, hours=rng.randint(0, 8))
    keeper = details.keepers.get(asset.pk)
    asset.last_confirmed_by_id = keeper or (ctx.administrator.pk if ctx.administrator else None)
    asset.listing_status = ListingStatus.APPROVED
    details.changes.append(
        AssetChange(
            asset=asset,
            action=AssetChange.Action.CONFIRMED,
            by_id=asset.last_confirmed_by_id,
            at=asset.last_confirmed_at,
        )
    )


def _edits_to_review(ctx: Any, details: _Details) -> None:
    """Two keepers' recent edits went live and wait for an administrator to look them over
    (the demo keeps its 60 listings, so there are no pending suggestions to approve)."""
    kept = [a for a in ctx.assets if a.pk in details.keepers][:2]
    edited_at = details.now - dt.timedelta(days=2)
    for asset, field_name, before in zip(
        kept, ["venue_name", "contact_name"], ["The Old Mill", "Pat"], strict=False
    ):
        AssetChange.objects.create(
            asset=asset,
            action=AssetChange.Action.EDITED,
            by_id=details.keepers[asset.pk],
            at=edited_at,
            changes={field_name: [before, getattr(asset, field_name)]},
            needs_review=True,
        )
        # Saving a listing confirms it (assets.services.asset_edit), so it was last confirmed
        # then, by whoever edited it.
        if asset.last_confirmed_at is None or asset.last_confirmed_at < edited_at:
            asset.last_confirmed_at = edited_at
            asset.last_confirmed_by_id = details.keepers[asset.pk]
            asset.save(update_fields=["last_confirmed_at", "last_confirmed_by"])

"""Demo data: 60 community assets, four in each of the 15 categories, citizen-led groups beside
sector-led ones. Called by ``manage.py seed_demo`` after the core step."""

from __future__ import annotations

import datetime as dt
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
from socialrx.models import Postcode

C, V, S, M = LedBy.CITIZEN, LedBy.VCSE, LedBy.STATUTORY, LedBy.COMMERCIAL

# (name, led by, what happens there). Four per category.
ASSETS: dict[str, list[tuple[str, str, str]]] = {
    Category.ADVICE_MONEY: [
        ("Citizens Advice drop-in", V, "Free advice on benefits, debt and housing, Tuesdays."),
        ("Money Matters cafe", C, "Neighbours help each other with bills over a cuppa."),
        ("Council welfare rights team", S, "Benefit checks and help with appeals."),
        ("Credit union savers' club", V, "Save small amounts and borrow fairly."),
    ],
    Category.READING: [
        ("Library reading circle", S, "A book a month, read aloud together if you like."),
        ("Shared Reading group", V, "Short stories and poems read aloud, no preparation."),
        ("Crime fiction book club", C, "Whodunnits and biscuits, first Thursday."),
        ("Talking books for the housebound", V, "Volunteers bring audiobooks to your door."),
    ],
    Category.GREEN_NATURE: [
        ("Canal Street allotment", C, "Grow vegetables together; tools and seeds provided."),
        ("Park conservation volunteers", V, "Tree planting and path clearing, Saturdays."),
        ("Healthy walks in Moorfield Park", S, "Gentle 45-minute walks led by volunteers."),
        ("Community orchard", C, "Prune, pick and press apples in season."),
    ],
    Category.ARTS_CREATIVITY: [
        ("Knit and natter", C, "Bring any project or learn from scratch."),
        ("Arts on prescription", V, "Eight-week painting and printmaking course."),
        ("Men's pottery workshop", V, "Wheel and hand-building at the arts centre."),
        ("Photography walks", C, "Bring a phone or camera; we walk and take pictures."),
    ],
    Category.MUSIC_SINGING: [
        ("Singing for the brain", V, "Singing sessions for people living with dementia."),
        ("Riverside community choir", C, "No auditions and no need to read music."),
        ("Ukulele for beginners", C, "Ukuleles lent; three chords in the first week."),
        ("Drumming circle", V, "Hand drums, rhythm and a lot of laughter."),
    ],
    Category.PHYSICAL_ACTIVITY: [
        ("Walking football", C, "Slower football for over-50s, no running."),
        ("Chair-based exercise", V, "Seated exercise to music, all abilities."),
        ("Leisure centre exercise referral", S, "12 weeks of supported gym sessions."),
        ("parkrun Hillside", C, "Free timed 5k on Saturday mornings; walkers welcome."),
    ],
    Category.VOLUNTEERING_COMMUNITY: [
        ("Volunteer centre", V, "Find a volunteering role that suits you."),
        ("Friends of Vale Road Park", C, "Litter picks, events and bulb planting."),
        ("Community centre coffee morning", C, "Drop in, meet neighbours, help run it."),
        ("Repair cafe", C, "Fix toasters, bikes and clothes together."),
    ],
    Category.LEARNING: [
        ("Adult learning: English and maths", S, "Free courses at the community college."),
        ("ESOL conversation club", V, "Practise English in a friendly group."),
        ("Cooking on a budget course", V, "Six weeks of simple, cheap, healthy meals."),
        ("University of the Third Age", C, "Retired people teach and learn from each other."),
    ],
    Category.HERITAGE_MUSEUMS: [
        ("Museum memories group", S, "Handle objects from the collection and share stories."),
        ("Local history society", C, "Talks, walks and old photographs."),
        ("Mill heritage volunteers", V, "Guide visitors around the old textile mill."),
        ("Family history help desk", C, "Trace your family tree at the library."),
    ],
    Category.PEER_SUPPORT: [
        ("Men's Shed", C, "Make, mend and talk shoulder to shoulder."),
        ("Mental health peer support", V, "A safe space run by people with lived experience."),
        ("Chronic pain support group", C, "Share what helps living with pain."),
        ("New parents meet-up", C, "For anyone finding early parenthood hard."),
    ],
    Category.BEFRIENDING: [
        ("Telephone befriending", V, "A weekly call from the same friendly volunteer."),
        ("Good Neighbours scheme", C, "Neighbours pop in, shop and chat."),
        ("Lunch club for older people", V, "A hot two-course lunch and company."),
        ("Tea and talk at St Mark's", C, "Tea, cake and conversation after the service."),
    ],
    Category.FOOD: [
        ("Community pantry", V, "Weekly shop for a small membership fee."),
        ("Food bank", V, "Emergency food parcels with a voucher."),
        ("Grow and cook club", C, "Cook what we grow at the allotment."),
        ("Community supper", C, "Pay-as-you-feel supper every Friday."),
    ],
    Category.FAITH_CULTURE: [
        ("South Asian women's group", C, "Crafts, walks and chat in Urdu, Punjabi and English."),
        ("African and Caribbean elders' club", C, "Dominoes, music and lunch."),
        ("Mosque community kitchen", V, "Open kitchen and lunch for everyone."),
        ("Polish community centre", V, "Advice, language and social evenings."),
    ],
    Category.DIGITAL_SKILLS: [
        ("Digital drop-in at the library", S, "Help with phones, tablets and online forms."),
        ("Tech buddies", V, "One-to-one help from a patient volunteer."),
        ("Online safety workshop", S, "Spot scams and keep your accounts safe."),
        ("Device lending scheme", M, "Borrow a tablet with data for three months."),
    ],
    Category.CARERS_SUPPORT: [
        ("Carers' centre", V, "Advice, breaks and a carer's assessment."),
        ("Young carers' club", V, "Fun and a break for carers aged 8 to 18."),
        ("Dementia carers' cafe", C, "Carers and the people they care for, together."),
        ("Carers' walking group", C, "Fresh air and a chat with other carers."),
    ],
}


def seed(ctx: Any) -> None:
    rng = ctx.rng
    assets: list[Asset] = []
    for category, rows in ASSETS.items():
        for i, (name, led_by, description) in enumerate(rows):
            postcode = rng.choice(ctx.postcodes)[0] if ctx.postcodes else ""
            started = ctx.days_ago(rng.randint(700, 4000))
            ended: dt.date | None = None
            # A few groups have stopped (connections to them before they ended still count).
            if i == 3 and category in (Category.READING, Category.DIGITAL_SKILLS):
                ended = ctx.days_ago(rng.randint(30, 120))
            assets.append(
                Asset(
                    asset_ref=f"demo-asset-{len(assets) + 1:03d}",
                    name=name,
                    category=category,
                    led_by=led_by,
                    started_on=started,
                    ended_on=ended,
                    postcode=postcode,
                    description=description,
                )
            )
    # One new group, started to fill a gap, opens soon.
    assets[-1].started_on = ctx.today + dt.timedelta(days=14)
    ctx.assets = Asset.objects.bulk_create(assets)
    # Volunteers keep the citizen-led groups' listings.
    through = Asset.maintainers.through
    links = []
    citizen = [a for a in ctx.assets if a.led_by == LedBy.CITIZEN]
    for i, asset in enumerate(citizen):
        if ctx.volunteer_users and i % 2 == 0:
            user = ctx.volunteer_users[(i // 2) % len(ctx.volunteer_users)]
            links.append(through(asset_id=asset.pk, user_id=user.pk))
    through.objects.bulk_create(links)
    _directory_details(ctx)


# --- directory details (the directory issue) -------------------------------------------------

# Rough centres of the demo's Leeds postcode districts, so distance search works in the demo
# when no postcode_locations file has been imported (only empty coordinates are filled).
DISTRICT_CENTRES = {
    "LS11": (53.777, -1.556),
    "LS12": (53.790, -1.590),
    "LS9": (53.797, -1.515),
    "LS6": (53.822, -1.575),
    "LS7": (53.825, -1.535),
    "LS8": (53.823, -1.505),
}
VENUES = [
    ("St Mark's church hall", "12 Church Lane"),
    ("Vale Road community centre", "40 Vale Road"),
    ("Central library", "Market Street"),
    ("Moorfield Park pavilion", "Moorfield Park, Park Road"),
    ("The Old Mill", "Mill Street"),
    ("Hillside mosque", "3 Hillside Terrace"),
    ("Riverside leisure centre", "Riverside Way"),
    ("The Bridge café", "88 Canal Street"),
]
# (name, kind, description); statutory and larger VCSE listings are shared out among these.
ORGANISATIONS = [
    ("Leeds Volunteer Centre", OrganisationKind.VCSE, "Matches people with volunteering."),
    ("Riverside Community Trust", OrganisationKind.CHARITY, "Runs the community centre."),
    ("Hillside Mosque", OrganisationKind.FAITH_GROUP, "Mosque and community kitchen."),
    ("St Mark's Church", OrganisationKind.FAITH_GROUP, "Parish church and hall."),
    ("City Council Libraries", OrganisationKind.STATUTORY, "Public libraries and museums."),
    ("City Council Public Health", OrganisationKind.STATUTORY, "Healthy walks, exercise."),
    ("Vale Road Friends", OrganisationKind.COMMUNITY_GROUP, "Residents' association."),
    ("TechLend Ltd", OrganisationKind.BUSINESS, "Lends tablets and data."),
]
LANGUAGES = {
    "South Asian women's group": "Urdu, Punjabi, English",
    "Polish community centre": "Polish, English",
    "ESOL conversation club": "English, Arabic, Farsi",
    "Mosque community kitchen": "English, Urdu, Arabic",
    "African and Caribbean elders' club": "English",
}
GAPS = [
    ("Evening activities for working carers", Category.CARERS_SUPPORT, "LS11", 6, GapStatus.FILLED),
    (
        "A walking group that goes slowly, for people with long COVID",
        Category.PHYSICAL_ACTIVITY,
        "LS12",
        4,
        GapStatus.BEING_WORKED_ON,
    ),
    ("Somewhere to talk in Tigrinya", Category.FAITH_CULTURE, "LS9", 3, GapStatus.OPEN),
    ("Men's group for young dads", Category.PEER_SUPPORT, "LS7", 5, GapStatus.OPEN),
    ("Weekend lunch club", Category.FOOD, "LS8", 7, GapStatus.OPEN),
    (
        "Gardening with wheelchair-height beds",
        Category.GREEN_NATURE,
        "LS6",
        2,
        GapStatus.BEING_WORKED_ON,
    ),
]


def _directory_details(ctx: Any) -> None:
    """Realistic directory fields for every demo asset: venues, weekly sessions, cost,
    accessibility, languages, capacity (mostly open, some full or paused), contacts, member
    counts over time, keepers' confirmations (some stale: reminders and "not confirmed
    recently" show), organisations, who started each group, a few gaps and pending
    suggestions."""
    rng = ctx.rng
    now = timezone.now()
    for postcode in Postcode.objects.filter(latitude__isnull=True):
        centre = DISTRICT_CENTRES.get(postcode.postcode[:-3])  # the outward code
        if centre:
            postcode.latitude = centre[0] + rng.uniform(-0.006, 0.006)
            postcode.longitude = centre[1] + rng.uniform(-0.01, 0.01)
            postcode.save(update_fields=["latitude", "longitude"])
    orgs = Organisation.objects.bulk_create(
        [Organisation(name=n, kind=k, description=d) for n, k, d in ORGANISATIONS]
    )
    by_kind: dict[str, list[Organisation]] = {}
    for org in orgs:
        by_kind.setdefault(org.kind, []).append(org)
    gaps = Gap.objects.bulk_create(
        [
            Gap(
                what=w,
                category=c,
                area=a,
                people_count=n,
                status=s,
                logged_by=rng.choice(ctx.link_workers) if ctx.link_workers else None,
            )
            for w, c, a, n, s in GAPS
        ]
    )
    keepers = {
        row["asset_id"]: row["user_id"]
        for row in Asset.maintainers.through.objects.values("asset_id", "user_id")
    }
    # Every citizen-led group, and one in three VCSE ones, has a volunteer keeping its listing.
    if ctx.volunteer_users:
        extra = []
        for i, asset in enumerate(ctx.assets):
            wanted = asset.led_by == LedBy.CITIZEN or (asset.led_by == LedBy.VCSE and i % 3 == 0)
            if wanted and asset.pk not in keepers:
                user = ctx.volunteer_users[(i * 3) % len(ctx.volunteer_users)]
                keepers[asset.pk] = user.pk
                extra.append(Asset.maintainers.through(asset_id=asset.pk, user_id=user.pk))
        Asset.maintainers.through.objects.bulk_create(extra)
    capacities = (
        [Capacity.OPEN] * 13 + [Capacity.LIMITED] * 3 + [Capacity.FULL] * 2 + [Capacity.PAUSED]
    )
    sessions: list[Session] = []
    counts: list[MemberCount] = []
    changes: list[AssetChange] = []
    for i, asset in enumerate(ctx.assets):
        venue, address = VENUES[i % len(VENUES)]
        asset.venue_name, asset.address = venue, address
        asset.kind = (
            AssetKind.SERVICE
            if asset.led_by == LedBy.STATUTORY or asset.category == Category.ADVICE_MONEY
            else AssetKind.CONNECTOR
            if "befriending" in asset.name.lower() or "buddies" in asset.name.lower()
            else AssetKind.PLACE
            if asset.category == Category.HERITAGE_MUSEUMS and i % 2
            else AssetKind.ACTIVITY
            if asset.led_by == LedBy.VCSE and i % 3 == 0
            else AssetKind.GROUP
        )
        if asset.led_by == LedBy.STATUTORY:
            asset.organisation = rng.choice(by_kind[OrganisationKind.STATUTORY])
        elif asset.led_by == LedBy.COMMERCIAL:
            asset.organisation = by_kind[OrganisationKind.BUSINESS][0]
        elif asset.led_by == LedBy.VCSE:
            asset.organisation = rng.choice(orgs[:4])
        asset.started_by = (
            StartedBy.ORGANISATION
            if asset.organisation
            else StartedBy.REFERRED_PERSON
            if i % 5 == 0
            else StartedBy.LINK_WORKER
            if i % 7 == 0
            else StartedBy.VOLUNTEER
        )
        if asset.started_by == StartedBy.VOLUNTEER and asset.pk in keepers:
            asset.started_by_user_id = keepers[asset.pk]
        weekday = rng.randint(0, 6)
        hour = rng.choice([10, 10, 11, 13, 14, 18, 19])
        sessions.append(
            Session(
                asset=asset,
                weekday=weekday,
                starts_at=dt.time(hour, 0),
                ends_at=dt.time(hour + rng.choice([1, 2]), rng.choice([0, 30])),
            )
        )
        if rng.random() < 0.3:
            sessions.append(
                Session(asset=asset, weekday=(weekday + 3) % 7, starts_at=dt.time(hour, 0))
            )
        asset.schedule_text = rng.choice(
            ["", "", "Not on bank holidays.", "Term time only.", "Ring first on your first visit."]
        )
        paid = asset.led_by == LedBy.COMMERCIAL or (asset.led_by == LedBy.VCSE and i % 4 == 0)
        asset.is_free = not paid
        asset.cost = (
            rng.choice(["£2 a session, tea included", "£3; free to carers", "£5 a month"])
            if paid
            else ""
        )
        asset.step_free = rng.random() < 0.6
        asset.hearing_loop = rng.random() < 0.25
        asset.little_talking = (
            asset.category in (Category.GREEN_NATURE, Category.ARTS_CREATIVITY)
            or rng.random() < 0.15
        )
        asset.slowest_pace = (
            asset.category == Category.PHYSICAL_ACTIVITY and asset.led_by == LedBy.CITIZEN
        ) or rng.random() < 0.1
        asset.languages = LANGUAGES.get(asset.name, "English")
        asset.capacity = capacities[i % len(capacities)]
        asset.contact_name = rng.choice(["Jean", "Mo", "Sandra", "Dev", "Kath", "the organiser"])
        asset.contact_phone = f"0113 496 0{rng.randint(0, 999):03d}"
        slug = "".join(ch for ch in asset.name.lower() if ch.isalnum())[:20]
        asset.contact_email = f"hello@{slug}.example.org"
        asset.member_count = rng.randint(6, 40)
        for months_ago in (6, 3):
            counts.append(
                MemberCount(
                    asset=asset,
                    counted_on=ctx.days_ago(30 * months_ago),
                    count=max(3, asset.member_count - rng.randint(0, 8) * months_ago // 3),
                )
            )
        counts.append(
            MemberCount(
                asset=asset, counted_on=ctx.days_ago(rng.randint(1, 20)), count=asset.member_count
            )
        )
        # Most listings were confirmed lately; every eighth is stale, a few are due a reminder.
        days = (
            rng.randint(95, 220)
            if i % 8 == 3
            else rng.randint(62, 85)
            if i % 8 == 5
            else rng.randint(0, 50)
        )
        asset.last_confirmed_at = now - dt.timedelta(days=days, hours=rng.randint(0, 8))
        keeper = keepers.get(asset.pk)
        asset.last_confirmed_by_id = keeper or (ctx.administrator.pk if ctx.administrator else None)
        asset.listing_status = ListingStatus.APPROVED
        changes.append(
            AssetChange(
                asset=asset,
                action=AssetChange.Action.CONFIRMED,
                by_id=asset.last_confirmed_by_id,
                at=asset.last_confirmed_at,
            )
        )
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
    Asset.objects.bulk_update(
        ctx.assets,
        [
            "venue_name",
            "address",
            "kind",
            "organisation",
            "started_by",
            "started_by_user",
            "schedule_text",
            "is_free",
            "cost",
            "step_free",
            "hearing_loop",
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
        ],
    )
    Session.objects.bulk_create(sessions)
    MemberCount.objects.bulk_create(counts)
    AssetChange.objects.bulk_create(changes)
    # Two keepers' recent edits went live and wait for an administrator to look them over
    # (the demo keeps its 60 listings, so there are no pending suggestions to approve).
    kept = [a for a in ctx.assets if a.pk in keepers][:2]
    for asset, field, before in zip(
        kept, ["venue_name", "contact_name"], ["The Old Mill", "Pat"], strict=False
    ):
        AssetChange.objects.create(
            asset=asset,
            action=AssetChange.Action.EDITED,
            by_id=keepers[asset.pk],
            at=now - dt.timedelta(days=2),
            changes={field: [before, getattr(asset, field)]},
            needs_review=True,
        )

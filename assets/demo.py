"""Demo data: 60 community assets, four in each of the 15 categories, citizen-led groups beside
sector-led ones. Called by ``manage.py seed_demo`` after the core step."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .models import Asset, Category, LedBy

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

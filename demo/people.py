"""Demo data: 300 fictional people referred through every route over the last 18 months, with
status histories, "what matters to you" conversations, friends observations, SWEMWBS, goals,
connections and their follow-up, case notes and feedback to referrers.

Rows are written with ``bulk_create`` (seconds, not minutes), with their ``auto_now_add``
timestamps back-dated (``keep_timestamps``) so histories read as if they had happened over time.
Nothing here writes the audit log: the demo is not anyone's real record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import models

from demo.core import keep_timestamps
from referrals.models import (
    CaseNote,
    ClosedRouteEnquiry,
    Connection,
    ConnectionKind,
    ConnectionOutcome,
    ConnectionOutcomeChange,
    Conversation,
    Ethnicity,
    Feedback,
    FriendsObservation,
    Goal,
    GoalStatus,
    LifeArea,
    Person,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    Sex,
    Source,
    SwemwbsResponse,
)
from referrals.questionnaires import swemwbs_score
from socialrx.models import Practice
from socialrx.validators import patient_key

PEOPLE = 300
DAYS = 540  # 18 months
RS = ReferralStatus
CO = ConnectionOutcome

NAMES: dict[str, tuple[list[str], list[str], list[str]]] = {
    # ethnicity: (female given names, male given names, family names)
    Ethnicity.WHITE: (
        ["Margaret", "Susan", "Joan", "Karen", "Emma", "Lisa", "Patricia", "Agnieszka", "Dorothy"],
        ["David", "John", "Peter", "Gary", "Michael", "Stephen", "Keith", "Piotr", "Ian"],
        ["Smith", "Taylor", "Brown", "Wilson", "Walker", "Wood", "Nowak", "Hughes", "Clarke"],
    ),
    Ethnicity.ASIAN: (
        ["Fatima", "Aisha", "Shazia", "Priya", "Nasreen", "Mei", "Sunita"],
        ["Mohammed", "Imran", "Tariq", "Rajesh", "Arif", "Wei", "Sanjay"],
        ["Khan", "Hussain", "Ahmed", "Patel", "Akhtar", "Begum", "Li", "Sharma"],
    ),
    Ethnicity.BLACK: (
        ["Grace", "Blessing", "Marcia", "Hodan", "Abena"],
        ["Samuel", "Winston", "Kwame", "Abdi", "Desmond"],
        ["Campbell", "Mensah", "Okoro", "Farah", "Francis", "Adebayo"],
    ),
    Ethnicity.MIXED: (
        ["Jade", "Leah", "Tanya"],
        ["Jordan", "Tyler", "Reece"],
        ["Robinson", "Edwards", "Bennett"],
    ),
    Ethnicity.OTHER: (
        ["Leila", "Maryam", "Elena"],
        ["Omar", "Reza", "Ahmad"],
        ["Hosseini", "Ali", "Karimi"],
    ),
}
ETHNICITY_WEIGHTS = [
    (Ethnicity.WHITE, 62),
    (Ethnicity.ASIAN, 16),
    (Ethnicity.BLACK, 8),
    (Ethnicity.MIXED, 4),
    (Ethnicity.OTHER, 3),
    (Ethnicity.UNKNOWN, 7),
]
# Whole years of age; social prescribing reaches older adults most.
AGE_BANDS = [
    ((18, 24), 6),
    ((25, 34), 9),
    ((35, 44), 11),
    ((45, 54), 15),
    ((55, 64), 17),
    ((65, 74), 20),
    ((75, 84), 16),
    ((85, 95), 6),
]
SOURCES = [
    (Source.GP, 38),
    (Source.PRACTICE_STAFF, 20),
    (Source.SELF, 16),
    (Source.COMMUNITY, 16),
    (Source.OTHER, 10),
]
OTHER_SERVICES = [
    "Community mental health team",
    "Housing options service",
    "Adult social care",
    "Jobcentre Plus",
    "Hospital discharge team",
    "Age UK",
]
GP_NAMES = ["Dr Sarah Hall", "Dr Amir Rahman", "Dr Joanna Price", "Dr Tom Leung"]
STAFF_NAMES = ["Nurse Kelly Shaw (practice nurse)", "Jo Barker (care navigator)"]

REASONS = {
    Source.GP: [
        "Lonely since his wife died; frequent attender with low mood.",
        "Anxiety and isolation after retirement. Would benefit from activities and company.",
        "Debt worries affecting sleep and mental health.",
        "Type 2 diabetes; wants to be more active but lacks confidence.",
        "Chronic pain, low mood, rarely leaves the house.",
    ],
    Source.PRACTICE_STAFF: [
        "Carer for her husband with dementia, exhausted and isolated.",
        "Asked at reception about help with benefits forms.",
        "New to the area, knows nobody, struggling with English.",
        "Recently bereaved, calls the surgery often for reassurance.",
    ],
    Source.SELF: [
        "I'd like to meet people and get out more.",
        "I saw the poster in the library and would like a chat about what's on.",
        "Since my divorce I don't really see anyone. I'd like to do something.",
    ],
    Source.COMMUNITY: [
        "Comes to our coffee morning and mentioned money worries.",
        "Member of our walking group, needs help with housing.",
        "Neighbour we support; very isolated since her fall.",
    ],
    Source.OTHER: [
        "Discharged from our service; needs ongoing community support.",
        "Housing resolved, now wants help to rebuild social contacts.",
        "Referred after a social care assessment for low-level support.",
    ],
}
WHAT_MATTERS = [
    "Getting out of the house and seeing people again.",
    "My grandchildren, and being well enough to look after them.",
    "Sorting out my money so I can sleep at night.",
    "Feeling useful. I worked all my life and now I just sit.",
    "My garden, and my cat, and having someone to talk to.",
    "Getting my confidence back after the stroke.",
    "Having a bit of time for me, away from caring.",
    "Speaking better English so I can make friends here.",
]
GOOD_LIFE = [
    "Somewhere to go most days, people who know my name.",
    "Not worrying about the bills, and being a bit fitter.",
    "Being able to walk to the shops and stop for a chat.",
    "Having friends round for tea like we used to.",
    "A job, or at least something to get up for.",
]
LOVE_DOING = [
    "Gardening, cooking for people, old films.",
    "I used to sing in a choir. I love music.",
    "Fishing and doing up old bikes.",
    "Knitting, crosswords, walking by the canal.",
    "Football, I coached the kids' team for years.",
    "Painting, though I haven't for years.",
]
COULD_OFFER = [
    "I'm good with my hands, I could fix things.",
    "I could help other carers, I know the system now.",
    "I speak Urdu and Punjabi, I could translate.",
    "I'm a good listener.",
    "I could teach people to cook on a budget.",
    "Not sure yet.",
]
GOALS = [
    "Go to the walking group once a week",
    "Get a benefits check done",
    "Meet up with someone outside the house every week",
    "Join the choir",
    "Sort out the gas debt with the advice service",
    "Try the Men's Shed",
    "Take a break from caring once a fortnight",
    "Start volunteering",
    "Learn to video-call my grandchildren",
    "Walk to the park and back without stopping",
    "Go to the ESOL conversation club",
]
NOTES = [
    "Phoned to arrange first conversation; prefers mornings.",
    "Left a voicemail, will try again on Thursday.",
    "Met at the library; went well, keen to try a group.",
    "Checked in after the first session: enjoyed it, going again.",
    "Daughter called to say thanks; mum much brighter.",
]


def _weighted(rng: Any, pairs: list[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def _nhs_number(rng: Any, used: set[str]) -> str:
    """A valid NHS number in the 999 range the NHS sets aside for test data."""
    while True:
        digits = [9, 9, 9, *(rng.randint(0, 9) for _ in range(6))]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        number = "".join(map(str, digits)) + str(check)
        if check != 10 and number not in used:
            used.add(number)
            return number


def _create(model: type[models.Model], objs: list[Any], stamp_fields: Iterable[str] = ()) -> list:
    """bulk_create with each object's ``stamp_fields`` (its ``auto_now``/``auto_now_add``
    fields) set to the object's ``_when``."""
    stamp_fields = list(stamp_fields)
    for obj in objs:
        for name in stamp_fields:
            setattr(obj, name, obj._when)
    if not stamp_fields:
        return model.objects.bulk_create(objs, batch_size=500)  # type: ignore[attr-defined]
    with keep_timestamps(model):
        return model.objects.bulk_create(objs, batch_size=500)  # type: ignore[attr-defined]


def _with_when(obj: Any, when: dt.datetime) -> Any:
    obj._when = when
    return obj


class _Plan:
    """Everything made for one referral, gathered before the bulk writes."""

    def __init__(self, referral: Referral, person: Person) -> None:
        self.referral = referral
        self.person = person
        self.history: list[tuple[str, dt.date]] = []


def _people(ctx: Any) -> list[Person]:
    rng = ctx.rng
    used: set[str] = set()
    areas: dict[int, list[tuple[str, str, int]]] = {team.pk: [] for team in ctx.teams}
    per_team = len(ctx.postcodes) // max(1, len(ctx.teams))
    for i, row in enumerate(ctx.postcodes):
        areas[ctx.teams[min(i // per_team, len(ctx.teams) - 1)].pk].append(row)
    people = []
    for n in range(PEOPLE):
        ethnicity = _weighted(rng, ETHNICITY_WEIGHTS)
        sex = _weighted(rng, [(Sex.FEMALE, 56), (Sex.MALE, 42), (Sex.OTHER, 1), (Sex.UNKNOWN, 1)])
        female, male, family = NAMES.get(ethnicity, NAMES[Ethnicity.WHITE])
        given = rng.choice(female if sex == Sex.FEMALE else male)
        low, high = _weighted(rng, AGE_BANDS)
        born = ctx.today - dt.timedelta(days=rng.randint(low * 365 + 1, high * 365 + 300))
        # A few people have no registered practice (new arrivals, people without a home).
        practice: Practice | None = None if rng.random() < 0.04 else rng.choice(ctx.practices)
        team = practice.team if practice and practice.team else ctx.teams[0]
        postcode, lsoa, decile = rng.choice(areas[team.pk])
        workers = [u for u in ctx.link_workers if u.team_id == team.pk]
        # The practice's named link worker, for continuity; sometimes a colleague.
        worker = (
            practice.named_link_worker
            if practice and practice.named_link_worker and rng.random() < 0.8
            else rng.choice(workers)
        )
        nhs = _nhs_number(rng, used) if practice and rng.random() < 0.95 else None
        people.append(
            Person(
                person_ref=f"demo-person-{n + 1:04d}",
                nhs_number=nhs,
                patient_key=patient_key(nhs) if nhs else "",
                given_name=given,
                family_name=rng.choice(family),
                date_of_birth=born if rng.random() < 0.97 else None,
                sex=sex,
                ethnicity=ethnicity,
                postcode=postcode if rng.random() < 0.95 else "",
                lsoa_code=lsoa,
                imd_decile=decile,
                practice=practice,
                preferred_language=rng.choice(["", "", "", "", "Urdu", "Polish", "Punjabi"]),
                communication_needs=rng.choice(["", "", "", "", "", "Large print", "Interpreter"]),
                phone=f"07700 9{rng.randint(0, 99999):05d}",
                email="" if rng.random() < 0.5 else f"person{n + 1}@example.invalid",
                team=team,
                link_worker=worker,
            )
        )
    return people


def _history(ctx: Any, received: dt.date, status: str) -> list[tuple[str, dt.date]]:
    """The status changes that lead to ``status``, each dated on or before today."""
    rng = ctx.rng
    steps: list[tuple[str, dt.date]] = [(RS.RECEIVED, received)]
    day = received
    if status == RS.RECEIVED:
        return steps
    if status == RS.UNABLE_TO_CONTACT:
        return [
            *steps,
            (RS.UNABLE_TO_CONTACT, min(ctx.today, day + dt.timedelta(rng.randint(14, 28)))),
        ]
    day = min(ctx.today, day + dt.timedelta(days=rng.randint(1, 7)))
    steps.append((RS.CONTACTED, day))
    if status == RS.CONTACTED:
        return steps
    if status == RS.DECLINED:
        return [*steps, (RS.DECLINED, min(ctx.today, day + dt.timedelta(rng.randint(0, 10))))]
    day = min(ctx.today, day + dt.timedelta(days=rng.randint(3, 14)))
    steps.append((RS.ACTIVE, day))
    if status == RS.ACTIVE:
        return steps
    end = day + dt.timedelta(
        days=rng.randint(40, 220) if status == RS.CLOSED else rng.randint(10, 60)
    )
    if end > ctx.today:
        return steps  # not ended yet after all: still active
    return [*steps, (status, end)]


def _status_for(ctx: Any, age: int) -> str:
    rng = ctx.rng
    if age < 7:
        return _weighted(rng, [(RS.RECEIVED, 60), (RS.CONTACTED, 40)])
    if age < 30:
        return _weighted(
            rng,
            [
                (RS.RECEIVED, 8),
                (RS.CONTACTED, 30),
                (RS.ACTIVE, 52),
                (RS.DECLINED, 5),
                (RS.UNABLE_TO_CONTACT, 5),
            ],
        )
    return _weighted(
        rng,
        [
            (RS.CONTACTED, 3),
            (RS.ACTIVE, 24),
            (RS.CLOSED, 48),
            (RS.DECLINED, 9),
            (RS.WITHDRAWN, 6),
            (RS.UNABLE_TO_CONTACT, 10),
        ],
    )


def _referral(ctx: Any, person: Person, received: dt.date, n: int) -> Referral:
    rng = ctx.rng
    # Practice routes need a registered practice.
    allowed = [
        s for s in SOURCES if person.practice_id or s[0] not in (Source.GP, Source.PRACTICE_STAFF)
    ]
    source = _weighted(rng, allowed)
    referral = Referral(
        referral_ref=f"demo-referral-{n:04d}",
        person=person,
        received_on=received,
        source=source,
        reason=rng.choice(REASONS[source]),
        consent_confirmed=True,
        team=person.team,
        link_worker=person.link_worker,
    )
    staff = {u.practice_id: u for u in ctx.practice_staff}
    if source in (Source.GP, Source.PRACTICE_STAFF):
        referral.referring_practice = person.practice
        user = staff.get(person.practice_id)
        # The demo's practice staff logins made many of their practice's referrals.
        if user is not None and rng.random() < 0.7:
            referral.referred_by = user
            referral.referrer_name = user.get_full_name()
        else:
            referral.referrer_name = rng.choice(GP_NAMES if source == Source.GP else STAFF_NAMES)
        referral.referrer_organisation = person.practice.name if person.practice else ""
    elif source == Source.COMMUNITY:
        asset = rng.choice(ctx.assets)
        referral.referring_asset = asset
        referral.referrer_organisation = asset.name
        if ctx.volunteer_users and rng.random() < 0.5:
            referral.referred_by = rng.choice(ctx.volunteer_users)
            referral.referrer_name = referral.referred_by.get_full_name()
    elif source == Source.OTHER:
        referral.referrer_organisation = rng.choice(OTHER_SERVICES)
        referral.referrer_name = "Duty worker"
    return referral


def _swemwbs(ctx: Any, person: Person, conv: Conversation, level: int) -> SwemwbsResponse:
    items = [max(1, min(5, level + ctx.rng.choice([-1, 0, 0, 1]))) for _ in range(7)]
    score = swemwbs_score(items=items)
    return SwemwbsResponse(
        person=person,
        conversation=conv,
        completed_on=conv.held_on,
        items=list(score.items),
        raw_score=score.raw_score,
        metric_score=score.metric_score,
    )


def seed(ctx: Any) -> None:
    rng = ctx.rng
    people = _create(Person, _people(ctx))
    plans: list[_Plan] = []
    n = 0
    for person in people:
        # Referrals arrive more often lately: the service has grown.
        first = ctx.days_ago(int(DAYS * rng.random() ** 1.3))
        dates = [first]
        # Some people come back: a second referral after the first ended.
        if (ctx.today - first).days > 240 and rng.random() < 0.15:
            dates.append(first + dt.timedelta(days=rng.randint(200, (ctx.today - first).days)))
        for i, received in enumerate(dates):
            n += 1
            plan = _Plan(_referral(ctx, person, received, n), person)
            returning = i < len(dates) - 1
            status = RS.CLOSED if returning else _status_for(ctx, (ctx.today - received).days)
            plan.history = _history(ctx, received, status)
            if returning and plan.history[-1][0] != RS.CLOSED:
                plan.history.append((RS.CLOSED, dates[i + 1] - dt.timedelta(days=1)))
            last_status, last_day = plan.history[-1]
            plan.referral.status = last_status
            if last_status in (RS.CLOSED, RS.DECLINED, RS.WITHDRAWN, RS.UNABLE_TO_CONTACT):
                plan.referral.closed_on = last_day
                if last_status == RS.CLOSED:
                    plan.referral.closure_outcome = rng.choice(
                        [
                            "Settled into two groups; no longer needs support.",
                            "Goals met; knows how to get back in touch.",
                            "Moved on to volunteering.",
                        ]
                    )
            _with_when(plan.referral, ctx.at(received, 9))
            plans.append(plan)
    referrals = _create(Referral, [p.referral for p in plans], ["created_at", "updated_at"])
    ctx.people = people
    ctx.referrals = referrals

    changes: list[ReferralStatusChange] = []
    conversations: list[Conversation] = []
    goals: list[Goal] = []
    connections: list[Connection] = []
    notes: list[CaseNote] = []
    feedback: list[Feedback] = []
    # Each connection's follow-up steps (outcome, date), keyed by ``id(connection)`` until
    # the connections have database ids.
    follow_ups: dict[int, list[tuple[str, dt.date]]] = {}
    # (conversation, friends count, wellbeing level) to add once conversations have ids.
    measures: list[tuple[Conversation, int | None, int | None]] = []
    last_activity: dict[int, dt.date] = {}
    active_assets = ctx.assets

    for plan in plans:
        ref, person, worker = plan.referral, plan.person, plan.referral.link_worker
        previous = ""
        for step, (status, day) in enumerate(plan.history):
            changes.append(
                _with_when(
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
        last_activity[person.pk] = max(
            last_activity.get(person.pk, plan.history[-1][1]), plan.history[-1][1]
        )
        reached = dict(plan.history)
        if RS.CONTACTED in reached and rng.random() < 0.5:
            notes.append(
                _with_when(
                    CaseNote(person=person, referral=ref, text=rng.choice(NOTES[:2]), by=worker),
                    ctx.at(reached[RS.CONTACTED], 11),
                )
            )
        is_practice_route = ref.source in (Source.GP, Source.PRACTICE_STAFF)
        if RS.DECLINED in reached and is_practice_route:
            feedback.append(
                _with_when(
                    Feedback(
                        referral=ref,
                        snomed_code=Feedback.Snomed.DECLINED,
                        needs_and_concerns=ref.reason,
                        support_offered="Offered a conversation and information about local groups.",
                        outcomes="Declined social prescribing for now; knows how to come back.",
                        sent_by=worker,
                    ),
                    ctx.at(reached[RS.DECLINED], 15),
                )
            )
        if RS.ACTIVE not in reached:
            continue
        start = reached[RS.ACTIVE]
        end = plan.history[-1][1] if plan.history[-1][0] != RS.ACTIVE else ctx.today
        # The first conversation, then follow-ups every 4–10 weeks while the case is open.
        days = [start]
        while len(days) < 4:
            nxt = days[-1] + dt.timedelta(days=rng.randint(28, 70))
            if nxt > end:
                break
            days.append(nxt)
        friends = rng.choices([0, 1, 2, 3, 4, 5], weights=[18, 26, 24, 16, 10, 6])[0]
        wellbeing = rng.choice([2, 2, 3])
        asks_wellbeing = rng.random() < 0.6
        for k, day in enumerate(days):
            conv = Conversation(
                conversation_ref=f"demo-conv-{len(conversations) + 1:05d}",
                person=person,
                referral=ref,
                held_on=day,
                held_by=worker,
                what_matters=rng.choice(WHAT_MATTERS) if k == 0 else "Going over how things are.",
                good_life=rng.choice(GOOD_LIFE) if k == 0 else "",
                love_doing=rng.choice(LOVE_DOING) if k == 0 else "",
                could_offer=rng.choice(COULD_OFFER) if k == 0 else "",
                life_areas=rng.sample(list(LifeArea.values), k=rng.randint(1, 3)),
                notes="" if k == 0 else rng.choice(NOTES[2:]),
            )
            conversations.append(_with_when(conv, ctx.at(day, 14)))
            if k > 0:
                # Mostly up, sometimes the same, now and then down: a believable spread.
                friends = max(0, friends + rng.choices([-1, 0, 1, 2], weights=[10, 30, 42, 18])[0])
                wellbeing = min(5, wellbeing + rng.choice([0, 0, 1]))
            measures.append(
                (
                    conv,
                    friends if rng.random() < 0.9 else None,
                    wellbeing if asks_wellbeing and k in (0, len(days) - 1) else None,
                )
            )
        closed = ref.status == RS.CLOSED
        for desc in rng.sample(GOALS, k=rng.randint(1, 3)):
            status = _weighted(
                rng,
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
            goals.append(
                _with_when(
                    Goal(
                        person=person,
                        referral=ref,
                        description=desc,
                        status=status,
                        created_by=worker,
                    ),
                    ctx.at(start, 15),
                )
            )
        for _ in range(rng.choices([0, 1, 2, 3], weights=[10, 45, 30, 15])[0]):
            made = min(end, start + dt.timedelta(days=rng.randint(0, 30)))
            choices = [a for a in active_assets if a.is_active_on(made)]
            asset = rng.choice(choices)
            kind = _weighted(
                rng,
                [
                    (ConnectionKind.SIGNPOST, 40),
                    (ConnectionKind.SUPPORTED, 35),
                    (ConnectionKind.ACCOMPANIED, 25),
                ],
            )
            age = (ctx.today - made).days
            final = (
                CO.PENDING
                if age < 14
                else _weighted(
                    rng,
                    [
                        (CO.PENDING, 10),
                        (CO.ATTENDED, 25),
                        (CO.CONTINUING, 25),
                        (CO.MEMBER, 15),
                        (CO.DID_NOT_ATTEND, 25 if kind == ConnectionKind.SIGNPOST else 12),
                    ],
                )
            )
            path = {
                CO.PENDING: [],
                CO.ATTENDED: [CO.ATTENDED],
                CO.CONTINUING: [CO.ATTENDED, CO.CONTINUING],
                CO.MEMBER: [CO.ATTENDED, CO.CONTINUING, CO.MEMBER],
                CO.DID_NOT_ATTEND: [CO.DID_NOT_ATTEND],
            }[final]
            steps: list[tuple[str, dt.date]] = []
            day = made
            for outcome in path:
                day = min(ctx.today, day + dt.timedelta(days=rng.randint(7, 35)))
                steps.append((outcome, day))
            conn = Connection(
                connection_ref=f"demo-conn-{len(connections) + 1:05d}",
                person=person,
                referral=ref,
                asset=asset,
                made_on=made,
                kind=kind,
                outcome=final,
                outcome_updated_on=steps[-1][1] if steps else None,
                made_by=worker,
            )
            follow_ups[id(conn)] = steps
            connections.append(_with_when(conn, ctx.at(made, 16)))
            last_activity[person.pk] = max(
                last_activity[person.pk], steps[-1][1] if steps else made
            )
        if is_practice_route and rng.random() < 0.75:
            names = ", ".join(c.asset.name for c in connections if c.referral is ref) or "none yet"
            feedback.append(
                _with_when(
                    Feedback(
                        referral=ref,
                        snomed_code=Feedback.Snomed.REFERRED,
                        needs_and_concerns=ref.reason,
                        support_offered=f"What matters conversation held. Activities referred to: {names}.",
                        outcomes=ref.closure_outcome if closed else "",
                        sent_by=worker,
                    ),
                    ctx.at(min(ctx.today, start + dt.timedelta(days=rng.randint(1, 5))), 12),
                )
            )
        last_activity[person.pk] = max(last_activity[person.pk], days[-1])

    _create(ReferralStatusChange, changes, ["at"])
    _create(Conversation, conversations, ["created_at"])
    _create(
        FriendsObservation,
        [
            FriendsObservation(
                person=c.person, conversation=c, observed_on=c.held_on, friends_count=f
            )
            for c, f, _ in measures
            if f is not None
        ],
    )
    _create(
        SwemwbsResponse,
        [_swemwbs(ctx, c.person, c, w) for c, _, w in measures if w is not None],
    )
    _create(Goal, goals, ["created_at", "updated_at"])
    _create(Connection, connections, ["created_at"])
    _create(
        ConnectionOutcomeChange,
        [
            _with_when(
                ConnectionOutcomeChange(connection=c, outcome=outcome, by=c.made_by),
                ctx.at(day, 11),
            )
            for c in connections
            for outcome, day in follow_ups[id(c)]
        ],
        ["at"],
    )
    _create(CaseNote, notes, ["at"])
    _create(Feedback, feedback, ["sent_at"])
    first_seen: dict[int, dt.date] = {}
    for ref in referrals:
        first_seen[ref.person_id] = min(
            first_seen.get(ref.person_id, ref.received_on), ref.received_on
        )
    for person in people:
        person.last_activity_at = ctx.at(last_activity.get(person.pk, ctx.today), 17)
        person.created_at = ctx.at(first_seen[person.pk], 9)
    Person.objects.bulk_update(people, ["last_activity_at", "created_at"], batch_size=500)

    # Two enquiries through a route an administrator has to look at, kept rather than lost.
    ClosedRouteEnquiry.objects.bulk_create(
        [
            ClosedRouteEnquiry(
                route=Source.OTHER,
                data={
                    "organisation": "Probation service",
                    "reason": "Leaving custody next month, wants help to find local groups.",
                },
            ),
            ClosedRouteEnquiry(
                route=Source.COMMUNITY,
                data={
                    "organisation": "Residents' association",
                    "reason": "Neighbour asked us to refer him; isolated since moving in.",
                },
            ),
        ]
    )

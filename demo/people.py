"""Demo data: 300 fictional people referred through every route over the last 18 months, and
everything done on their referrals (``demo.casework``).

Rows are written with ``bulk_create`` (seconds, not minutes), with their ``auto_now_add``
timestamps back-dated so histories read as if they had happened over time. Nothing here writes
the audit log: the demo is not anyone's real record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from demo.casework import Casework, ReferralPlan, casework_plan, casework_write
from demo.consent import seed_consents
from demo.core import create_dated, demo_data, weighted, with_when
from referrals.models import (
    ClosedRouteEnquiry,
    CloseReason,
    Ethnicity,
    Person,
    Referral,
    ReferralStatus,
    Sex,
    Source,
)
from socialrx.models import Practice
from socialrx.validators import patient_key

PEOPLE = 300
DAYS = 540  # 18 months
RS = ReferralStatus
ENDED = (RS.CLOSED, RS.DECLINED, RS.WITHDRAWN, RS.UNABLE_TO_CONTACT, RS.JOINED_CASE)
# Coded outcomes matching the demo's closing words, in the same order.
_CLOSE_REASONS = (CloseReason.CONNECTED, CloseReason.GOALS_MET, CloseReason.OTHER_SERVICE)
OPEN = (RS.RECEIVED, RS.CONTACTED, RS.ACTIVE)
# Every so many people with an open case were referred again while supported: the second
# referral joined their open case (one open case per person, as intake does).
JOINED_EVERY = 12

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

# Made-up streets for the demo people's postal addresses (letters go there).
STREETS = ["Canal Street", "Mill Lane", "Moorfield Road", "Riverside Walk", "Vale Terrace"]


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


def _people(ctx: Any) -> list[Person]:
    rng = ctx.rng
    used: set[str] = set()
    areas: dict[int, list[tuple[str, str, int]]] = {team.pk: [] for team in ctx.teams}
    per_team = len(ctx.postcodes) // max(1, len(ctx.teams))
    for i, row in enumerate(ctx.postcodes):
        areas[ctx.teams[min(i // per_team, len(ctx.teams) - 1)].pk].append(row)
    people = []
    for n in range(PEOPLE):
        ethnicity = weighted(rng, ETHNICITY_WEIGHTS)
        sex = weighted(rng, [(Sex.FEMALE, 56), (Sex.MALE, 42), (Sex.OTHER, 1), (Sex.UNKNOWN, 1)])
        names = demo_data("people")["names_by_ethnicity"]
        group = names.get(ethnicity, names[Ethnicity.WHITE])
        female, male, family = group["female"], group["male"], group["family"]
        given = rng.choice(female if sex == Sex.FEMALE else male)
        low, high = weighted(rng, AGE_BANDS)
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
                # Not drawn from the generator, so every other value stays as it was.
                address=f"{n % 97 + 1} {STREETS[n % len(STREETS)]}\nManchester",
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
        return weighted(rng, [(RS.RECEIVED, 60), (RS.CONTACTED, 40)])
    if age < 30:
        return weighted(
            rng,
            [
                (RS.RECEIVED, 8),
                (RS.CONTACTED, 30),
                (RS.ACTIVE, 52),
                (RS.DECLINED, 5),
                (RS.UNABLE_TO_CONTACT, 5),
            ],
        )
    return weighted(
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
    phrases = demo_data("people")
    # Practice routes need a registered practice.
    allowed = [
        s for s in SOURCES if person.practice_id or s[0] not in (Source.GP, Source.PRACTICE_STAFF)
    ]
    source = weighted(rng, allowed)
    referral = Referral(
        referral_ref=f"demo-referral-{n:04d}",
        person=person,
        received_on=received,
        source=source,
        reason=rng.choice(phrases["reasons_by_source"][source]),
        consent_confirmed=True,
        team=person.team,
        link_worker=person.link_worker,
        # As the referrer typed them: the demo's referrers typed the record's details.
        entered_given_name=person.given_name,
        entered_family_name=person.family_name,
        entered_date_of_birth=person.date_of_birth,
        entered_nhs_number=person.nhs_number or "",
        entered_postcode=person.postcode,
        entered_phone=person.phone,
        entered_email=person.email,
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
            referral.referrer_name = rng.choice(
                phrases["gp_names"] if source == Source.GP else phrases["staff_names"]
            )
        referral.referrer_organisation = person.practice.name if person.practice else ""
    elif source == Source.COMMUNITY:
        asset = rng.choice(ctx.assets)
        referral.referring_asset = asset
        referral.referrer_organisation = asset.name
        if ctx.volunteer_users and rng.random() < 0.5:
            referral.referred_by = rng.choice(ctx.volunteer_users)
            referral.referrer_name = referral.referred_by.get_full_name()
    elif source == Source.OTHER:
        referral.referrer_organisation = rng.choice(phrases["other_services"])
        referral.referrer_name = "Duty worker"
    return referral


def _plans(ctx: Any, people: list[Person]) -> list[ReferralPlan]:
    """Each person's referrals (a few people come back after their first ended) and the
    status history each will have."""
    rng = ctx.rng
    plans: list[ReferralPlan] = []
    for person in people:
        # Referrals arrive more often lately: the service has grown.
        first = ctx.days_ago(int(DAYS * rng.random() ** 1.3))
        dates = [first]
        # Some people come back: a second referral after the first ended.
        if (ctx.today - first).days > 240 and rng.random() < 0.15:
            dates.append(first + dt.timedelta(days=rng.randint(200, (ctx.today - first).days)))
        for i, received in enumerate(dates):
            following = dates[i + 1] if i < len(dates) - 1 else None
            plans.append(_plan(ctx, person, received, len(plans) + 1, following))
    return plans


def _plan(
    ctx: Any, person: Person, received: dt.date, n: int, following: dt.date | None
) -> ReferralPlan:
    """Referral number ``n`` and its history. When the person was referred again on
    ``following``, this referral had closed by the day before."""
    rng = ctx.rng
    plan = ReferralPlan(_referral(ctx, person, received, n), person)
    status = RS.CLOSED if following else _status_for(ctx, (ctx.today - received).days)
    plan.history = _history(ctx, received, status)
    if following is not None and plan.history[-1][0] != RS.CLOSED:
        plan.history.append((RS.CLOSED, following - dt.timedelta(days=1)))
    last_status, last_day = plan.history[-1]
    plan.referral.status = last_status
    if last_status in ENDED:
        plan.referral.closed_on = last_day
        if last_status == RS.CLOSED:
            outcomes = demo_data("people")["closure_outcomes"]
            plan.referral.closure_outcome = rng.choice(outcomes)
            # The coded outcome that goes with the words (no draw: the rest stays the same).
            plan.referral.close_reason = _CLOSE_REASONS[
                outcomes.index(plan.referral.closure_outcome) % len(_CLOSE_REASONS)
            ]
    with_when(plan.referral, ctx.at(received, 9))
    return plan


def _people_dates(
    ctx: Any, people: list[Person], referrals: list[Referral], work: Casework
) -> None:
    """Each person was created with their first referral and last active with their latest
    step."""
    first_seen: dict[int, dt.date] = {}
    for ref in referrals:
        first_seen[ref.person_id] = min(
            first_seen.get(ref.person_id, ref.received_on), ref.received_on
        )
    for person in people:
        person.last_activity_at = ctx.at(work.last_activity.get(person.pk, ctx.today), 17)
        person.created_at = ctx.at(first_seen[person.pk], 9)
    Person.objects.bulk_update(people, ["last_activity_at", "created_at"], batch_size=500)


def _closed_route_enquiries() -> None:
    """Two enquiries through a route an administrator has to look at, kept rather than lost."""
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


def _joined_plans(ctx: Any, plans: list[ReferralPlan]) -> list[tuple[ReferralPlan, ReferralPlan]]:
    """A referral of someone whose case is open, added to that case. Made without random
    draws, so the rest of the demo stays as it was."""
    latest: dict[int, ReferralPlan] = {}
    for plan in plans:
        latest[plan.person.pk] = plan
    joined: list[tuple[ReferralPlan, ReferralPlan]] = []
    candidates = [p for p in latest.values() if p.referral.status in OPEN]
    for i, open_plan in enumerate(candidates):
        ref = open_plan.referral
        if i % JOINED_EVERY or (ctx.today - ref.received_on).days < 10:
            continue
        day = ref.received_on + dt.timedelta(days=7)
        again = Referral(
            referral_ref=f"demo-referral-{len(plans) + len(joined) + 1:04d}",
            person=ref.person,
            received_on=day,
            source=Source.OTHER,
            referrer_organisation="Adult social care",
            referrer_name="Duty worker",
            reason="Referred again by another service while already being supported.",
            consent_confirmed=True,
            team=ref.team,
            link_worker=ref.link_worker,
            status=RS.JOINED_CASE,
            closed_on=day,
            entered_given_name=ref.entered_given_name,
            entered_family_name=ref.entered_family_name,
            entered_date_of_birth=ref.entered_date_of_birth,
            entered_postcode=ref.entered_postcode,
        )
        with_when(again, ctx.at(day, 10))
        plan = ReferralPlan(again, open_plan.person)
        plan.history = [(RS.RECEIVED, day), (RS.JOINED_CASE, day)]
        joined.append((plan, open_plan))
    return joined


def seed(ctx: Any) -> None:
    people = create_dated(Person, _people(ctx))
    plans = _plans(ctx, people)
    joined = _joined_plans(ctx, plans)
    plans = [*plans, *(plan for plan, _ in joined)]
    referrals = create_dated(Referral, [p.referral for p in plans], ["created_at", "updated_at"])
    for plan, open_plan in joined:
        plan.referral.joined_case = open_plan.referral
    Referral.objects.bulk_update([plan.referral for plan, _ in joined], ["joined_case"])
    ctx.people = people
    ctx.referrals = referrals
    shared = seed_consents(ctx, people, referrals)
    work = casework_plan(ctx, plans)
    for connection in work.connections:
        connection.details_shared = shared.get(connection.person_id, False)
    casework_write(ctx, work)
    _people_dates(ctx, people, referrals, work)
    _closed_route_enquiries()

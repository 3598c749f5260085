"""Demo data: 20 volunteers (health champions, community connectors, group leaders). The
volunteer logins made by the core step get profiles; a few volunteers were once referred
themselves, as people who were helped often go on to help others."""

from __future__ import annotations

import datetime as dt
from typing import Any

from champions.models import Champion, ChampionRole
from demo.volunteer_activity import seed_activity
from referrals.models import ReferralStatus

VOLUNTEERS = 20
FROM_REFERRED = 4

GIVEN = ["Pat", "Viv", "Rashid", "Maureen", "Kofi", "Jan", "Bernadette", "Hamza", "Eileen"]
GIVEN += ["Stuart", "Nadia", "Colin", "Yvonne", "Marek", "Shirley"]
FAMILY = ["Roberts", "Iqbal", "Doyle", "Asante", "Kaur", "Fletcher", "Lewandowski", "Greene"]


def seed(ctx: Any) -> None:
    champions: list[Champion] = []
    _with_logins(ctx, champions)
    _once_referred(ctx, champions)
    _others(ctx, champions)
    ctx.champions = Champion.objects.bulk_create(champions)
    # What they do: home bases, training, hours, events, kept groups, recorded consent.
    seed_activity(ctx)


def _ref(champions: list[Champion]) -> str:
    return f"demo-champion-{len(champions) + 1:03d}"


def _with_logins(ctx: Any, champions: list[Champion]) -> None:
    """The volunteer logins' own records."""
    for i, user in enumerate(ctx.volunteer_users):
        champions.append(
            Champion(
                champion_ref=_ref(champions),
                user=user,
                given_name=user.first_name,
                family_name=user.last_name,
                # Logins keep groups' listings, so most lead a group.
                role=ChampionRole.GROUP_LEADER if i % 3 else ChampionRole.HEALTH_CHAMPION,
                started_on=ctx.days_ago(ctx.rng.randint(200, 900)),
            )
        )


def _once_referred(ctx: Any, champions: list[Champion]) -> None:
    """People whose case closed well and who went on to volunteer, starting after their
    referral."""
    rng = ctx.rng
    closed = [
        r for r in ctx.referrals if r.status == ReferralStatus.CLOSED and r.closed_on is not None
    ]
    seen: set[int] = set()
    for referral in rng.sample(closed, k=min(len(closed), FROM_REFERRED * 3)):
        if len(seen) >= FROM_REFERRED or referral.person_id in seen:
            continue
        seen.add(referral.person_id)
        person = referral.person
        champions.append(
            Champion(
                champion_ref=_ref(champions),
                person=person,
                given_name=person.given_name,
                family_name=person.family_name,
                role=rng.choice([ChampionRole.HEALTH_CHAMPION, ChampionRole.COMMUNITY_CONNECTOR]),
                started_on=min(
                    ctx.today, referral.closed_on + dt.timedelta(days=rng.randint(7, 60))
                ),
            )
        )


def _others(ctx: Any, champions: list[Champion]) -> None:
    """Volunteers without a login, up to the demo's number; a couple have stopped."""
    rng = ctx.rng
    roles = list(ChampionRole.values)
    while len(champions) < VOLUNTEERS:
        started = ctx.days_ago(rng.randint(30, 1500))
        # Their history stays after they stop.
        ended = (
            min(ctx.today, started + dt.timedelta(days=rng.randint(60, 400)))
            if len(champions) % 7 == 0
            else None
        )
        champions.append(
            Champion(
                champion_ref=_ref(champions),
                given_name=rng.choice(GIVEN),
                family_name=rng.choice(FAMILY),
                role=rng.choice(roles),
                started_on=started,
                ended_on=ended if ended and ended > started else None,
            )
        )

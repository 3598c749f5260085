"""Demo funding: awards on every route, link-worker posts, the places groups offer, and a few
unfunded groups carrying heavy referral loads, so that the funding pages show something real
(docs/funding.md). Deterministic: every choice comes from ``ctx.rng`` or from ids in order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count

from assets.models import Asset, LedBy, Organisation, OrganisationKind, StartedBy
from champions.models import GroupStartedByPerson
from funding.models import Award, CommissionerFunder, FunderType, LinkWorkerPost, Route
from funding.periods import add_months, month_start
from funding.services import capacity_snapshot, connections_funded_fill, places_set
from referrals.models import Connection, ConnectionOutcome, GroupAnswer, GroupAnswerChoice, Referral

# Groups that take many referrals with no award: the load the research warns about.
HEAVY_UNFUNDED = 3


def seed(ctx: Any) -> None:
    icb = Organisation.objects.create(
        name="West Yorkshire ICB (demo)", kind=OrganisationKind.STATUTORY
    )
    foundation = Organisation.objects.create(
        name="Community Foundation (demo)", kind=OrganisationKind.CHARITY
    )
    council = (
        Organisation.objects.filter(kind=OrganisationKind.STATUTORY)
        .exclude(pk=icb.pk)
        .order_by("pk")
        .first()
        or icb
    )
    umbrella = (
        Organisation.objects.filter(kind=OrganisationKind.VCSE).order_by("pk").first() or foundation
    )
    if ctx.commissioner is not None:
        CommissionerFunder.objects.create(user=ctx.commissioner, organisation=icb)
    assets = list(Asset.objects.filter(listing_status="approved").order_by("pk"))
    heavy = _heavy_loads(ctx, assets)
    _own_organisations(assets, heavy)
    _awards(
        ctx,
        assets=assets,
        heavy=heavy,
        icb=icb,
        foundation=foundation,
        council=council,
        umbrella=umbrella,
    )
    _started_by_referred(ctx, assets, icb)
    _posts(ctx, icb=icb, umbrella=umbrella)
    _places(ctx, assets)
    _declines(ctx, heavy)
    connections_funded_fill(start=dt.date(1900, 1, 1), end=ctx.today)
    this = month_start(ctx.today)
    for back in range(12, -1, -1):
        capacity_snapshot(month=add_months(this, -back))


def _heavy_loads(ctx: Any, assets: list[Asset]) -> list[Asset]:
    """Move about three in ten connections to three citizen-led groups."""
    citizen = [a for a in assets if a.led_by == LedBy.CITIZEN and not a.ended_on]
    heavy = citizen[:HEAVY_UNFUNDED]
    if not heavy:
        return []
    ids = list(Connection.objects.order_by("pk").values_list("pk", "made_on"))
    moved: dict[int, list[int]] = {a.pk: [] for a in heavy}
    for pk, made_on in ids:
        if ctx.rng.random() < 0.3:
            target = ctx.rng.choice(heavy)
            if target.is_active_on(made_on):
                moved[target.pk].append(pk)
    for asset_id, pks in moved.items():
        Connection.objects.filter(pk__in=pks).update(asset_id=asset_id)
    return heavy


def _own_organisations(assets: list[Asset], heavy: list[Asset]) -> None:
    """Citizen-led groups that will hold awards are their own small organisations."""
    for asset in assets:
        if asset.organisation_id is None and asset.led_by == LedBy.CITIZEN:
            asset.organisation = Organisation.objects.create(
                name=f"{asset.name} group", kind=OrganisationKind.COMMUNITY_GROUP
            )
            asset.save(update_fields=["organisation"])


def _award(**fields: Any) -> Award:
    listings = fields.pop("listings", [])
    award = Award.objects.create(**fields)
    if listings:
        award.listings.set(listings)
    return award


def _awards(
    ctx: Any,
    *,
    assets: list[Asset],
    heavy: list[Asset],
    icb: Organisation,
    foundation: Organisation,
    council: Organisation,
    umbrella: Organisation,
) -> None:
    year_ago = ctx.days_ago(365)
    busiest = list(
        Organisation.objects.filter(kind__in=[OrganisationKind.VCSE, OrganisationKind.CHARITY])
        .exclude(pk__in=[icb.pk, foundation.pk])
        .annotate(n=Count("assets__connections"))
        .order_by("-n", "pk")[:2]
    )
    for i, org in enumerate(busiest):
        _award(
            award_ref=f"demo-award-sp-{i + 1}",
            funder=icb,
            funder_type=FunderType.ICB,
            recipient=org,
            amount=Decimal(18000 + 6000 * i),
            starts_on=year_ago + dt.timedelta(days=30 * i),
            ends_on=year_ago + dt.timedelta(days=30 * i + 729),
            route=Route.SP_CONTRACT,
            competitive=True,
            purpose="Places for people referred by link workers",
        )
    small = [
        a
        for a in assets
        if a.led_by == LedBy.CITIZEN and a not in heavy and a.organisation_id is not None
    ]
    for i, asset in enumerate(small[:8]):
        start = ctx.days_ago(ctx.rng.randint(30, 330))
        _award(
            award_ref=f"demo-award-micro-{i + 1}",
            funder=foundation if i % 2 else icb,
            funder_type=FunderType.CHARITY if i % 2 else FunderType.ICB,
            recipient=asset.organisation,
            amount=Decimal(ctx.rng.choice([250, 500, 750, 1000, 1500])),
            starts_on=start,
            ends_on=start + dt.timedelta(days=364),
            route=Route.MICRO_GRANT,
            competitive=bool(i % 3 == 0),
            purpose="Room hire, materials and refreshments",
            listings=[asset],
        )
    _award(
        award_ref="demo-award-capacity-1",
        funder=council,
        funder_type=FunderType.COUNCIL,
        recipient=umbrella,
        amount=Decimal(12000),
        starts_on=ctx.days_ago(200),
        ends_on=ctx.days_ago(200) + dt.timedelta(days=364),
        route=Route.CAPACITY_BUILDING,
        competitive=True,
        purpose="Helping small groups with safeguarding, insurance and volunteers",
    )


def _started_by_referred(ctx: Any, assets: list[Asset], icb: Organisation) -> None:
    """Two groups started by people who were referred; the first later gets start-up money."""
    people = list(
        Referral.objects.order_by("received_on", "pk").values_list("person_id", flat=True)[:40]
    )
    started = [a for a in assets if a.started_by == StartedBy.REFERRED_PERSON][:2]
    for i, asset in enumerate(started):
        if i >= len(people):
            break
        if asset.started_on is None:
            asset.started_on = ctx.days_ago(300 - 60 * i)
            asset.save(update_fields=["started_on"])
        GroupStartedByPerson.objects.create(asset=asset, person_id=people[i * 7])
        if i == 0 and asset.organisation_id:
            start = max(asset.started_on + dt.timedelta(days=60), ctx.days_ago(240))
            _award(
                award_ref="demo-award-startup-1",
                funder=icb,
                funder_type=FunderType.ICB,
                recipient=asset.organisation,
                amount=Decimal(2000),
                starts_on=start,
                ends_on=start + dt.timedelta(days=364),
                route=Route.START_UP,
                competitive=False,
                purpose="Start-up for a group its members run themselves",
                listings=[asset],
            )


def _posts(ctx: Any, *, icb: Organisation, umbrella: Organisation) -> None:
    LinkWorkerPost.objects.bulk_create(
        [
            LinkWorkerPost(
                title=f"Link worker, {pcn.name}",
                host=umbrella,
                funder=icb,
                fte=Decimal("1.0") if i % 2 == 0 else Decimal("0.8"),
                population_covered=11000 + 2500 * i,
                starts_on=ctx.days_ago(800),
            )
            for i, pcn in enumerate(ctx.pcns)
        ]
        + [
            LinkWorkerPost(
                title="Community connector (part time)",
                host=umbrella,
                funder=umbrella,
                fte=Decimal("0.5"),
                population_covered=6000,
                starts_on=ctx.days_ago(400),
            )
        ]
    )


def _places(ctx: Any, assets: list[Asset]) -> None:
    start = add_months(month_start(ctx.today), -12)
    for asset in assets[::3]:
        places_set(asset=asset, from_month=start, places=ctx.rng.choice([2, 4, 6, 10]), by=None)


def _declines(ctx: Any, heavy: list[Asset]) -> None:
    """The heavily loaded groups turn some people away: full, not suitable, too complex."""
    reasons = [
        GroupAnswerChoice.FULL,
        GroupAnswerChoice.NOT_SUITABLE,
        GroupAnswerChoice.TOO_COMPLEX,
    ]
    pending = Connection.objects.filter(
        asset__in=heavy, outcome=ConnectionOutcome.PENDING
    ).order_by("pk")
    GroupAnswer.objects.bulk_create(
        [
            GroupAnswer(connection=c, answer=reasons[i % 3])
            for i, c in enumerate(pending)
            if ctx.rng.random() < 0.6
        ]
    )

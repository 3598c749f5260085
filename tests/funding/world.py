"""A small funding world whose figures are counted by hand in the tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from champions.models import GroupStartedByPerson
from funding.models import CapacitySnapshot, CommissionerFunder, Route
from tests.assets.factories import AssetFactory, OrganisationFactory
from tests.funding.factories import AwardFactory, PostFactory
from tests.referrals.factories import PersonFactory, ReferralFactory


def snap(asset, month, *, received, funded, unfunded, **more):
    return CapacitySnapshot.objects.create(
        asset=asset,
        month=month,
        received=received,
        funded=funded,
        unfunded=unfunded,
        computed_at=timezone.now(),
        **more,
    )


def funding_world(*, commissioner=None, volunteer=None):
    """January to June 2026.

    - Big charity: listing "Allotment", 20 connections all funded; an award of £12,000 for
      2026 (181 of its 365 days fall in the period: £5,950.68, £297.53 a connection).
    - "Lunch club", no organisation: 10 connections, all while unfunded.
    - Small group (a community group): "Craft circle", started 1 June 2025 by a person who
      was referred; 3 connections while unfunded; a £500 micro-grant from 1 May 2026.
    - Posts: 1.0 FTE covering 10,000 patients and 0.5 FTE covering 5,000 (1 per 10,000).
    - 9 referrals received in the period.
    """
    icb = OrganisationFactory(name="North ICB", kind="statutory")
    council = OrganisationFactory(name="Town council", kind="statutory")
    big = OrganisationFactory(name="Big charity")
    small = OrganisationFactory(name="Small group", kind="community_group")
    allotment = AssetFactory(name="Allotment", organisation=big, led_by="vcse")
    lunch = AssetFactory(name="Lunch club", led_by="vcse")
    craft = AssetFactory(name="Craft circle", organisation=small, started_on=dt.date(2025, 6, 1))
    GroupStartedByPerson.objects.create(asset=craft, person=PersonFactory())
    big_award = AwardFactory(
        funder=icb,
        recipient=big,
        amount=Decimal("12000"),
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
        route=Route.SP_CONTRACT,
    )
    small_award = AwardFactory(
        funder=council,
        funder_type="council",
        recipient=small,
        amount=Decimal("500"),
        starts_on=dt.date(2026, 5, 1),
        ends_on=dt.date(2026, 10, 31),
        route=Route.MICRO_GRANT,
        competitive=False,
    )
    snap(allotment, dt.date(2026, 1, 1), received=12, funded=12, unfunded=0)
    snap(allotment, dt.date(2026, 2, 1), received=8, funded=8, unfunded=0)
    snap(lunch, dt.date(2026, 3, 1), received=10, funded=0, unfunded=10)
    snap(craft, dt.date(2026, 4, 1), received=3, funded=0, unfunded=3)
    # Outside the period: not counted.
    snap(lunch, dt.date(2026, 7, 1), received=50, funded=0, unfunded=50)
    PostFactory(host=big, funder=icb, fte=Decimal("1.0"), population_covered=10000)
    PostFactory(host=big, funder=icb, fte=Decimal("0.5"), population_covered=5000)
    for i in range(9):
        ReferralFactory(received_on=dt.date(2026, 1, 10 + i))
    if commissioner is not None:
        CommissionerFunder.objects.create(user=commissioner, organisation=icb)
    if volunteer is not None:
        craft.maintainers.add(volunteer)
    return {
        "icb": icb,
        "council": council,
        "big": big,
        "small": small,
        "allotment": allotment,
        "lunch": lunch,
        "craft": craft,
        "big_award": big_award,
        "small_award": small_award,
    }

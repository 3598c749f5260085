from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from funding.models import Award, FunderType, LinkWorkerPost, Route
from tests.assets.factories import OrganisationFactory


class AwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Award
        skip_postgeneration_save = True

    funder = factory.SubFactory(
        OrganisationFactory, kind="statutory", name=factory.Sequence(lambda n: f"ICB {n}")
    )
    funder_type = FunderType.ICB
    recipient = factory.SubFactory(OrganisationFactory)
    amount = Decimal("1200.00")
    starts_on = dt.date(2026, 1, 1)
    ends_on = dt.date(2026, 12, 31)
    route = Route.SP_CONTRACT
    competitive = True

    @factory.post_generation
    def funds(self, create, extracted, **kwargs):
        if create and extracted:
            self.listings.set(extracted)


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LinkWorkerPost

    title = factory.Sequence(lambda n: f"Link worker post {n}")
    host = factory.SubFactory(OrganisationFactory)
    funder = factory.SubFactory(OrganisationFactory)
    fte = Decimal("1.00")
    population_covered = 10000
    starts_on = dt.date(2025, 1, 1)

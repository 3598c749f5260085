from __future__ import annotations

import datetime as dt

import factory

from assets.models import Asset, Category, LedBy


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    name = factory.Sequence(lambda n: f"Community group {n}")
    category = Category.GREEN_NATURE
    led_by = LedBy.CITIZEN
    postcode = "M1 1AE"
    description = "A friendly group that meets every week."


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "assets.Organisation"

    name = factory.Sequence(lambda n: f"Community trust {n}")
    kind = "charity"


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "assets.Session"

    asset = factory.SubFactory(AssetFactory)
    weekday = 1
    starts_at = dt.time(10, 0)


class GapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "assets.Gap"

    what = factory.Sequence(lambda n: f"A walking group for beginners {n}")
    area = "M14"
    people_count = 3

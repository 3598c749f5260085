from __future__ import annotations

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

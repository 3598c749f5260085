from __future__ import annotations

import factory

from champions.models import Champion, ChampionRole


class ChampionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Champion

    given_name = factory.Faker("first_name", locale="en_GB")
    family_name = factory.Faker("last_name", locale="en_GB")
    role = ChampionRole.HEALTH_CHAMPION

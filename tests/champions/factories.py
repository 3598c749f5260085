from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from champions.models import Champion, ChampionRole, Event, EventKind, HoursLog, TrainingRecord
from tests.names import PlainName


class ChampionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Champion

    given_name = PlainName("first_name", locale="en_GB")
    family_name = PlainName("last_name", locale="en_GB")
    role = ChampionRole.HEALTH_CHAMPION


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    champion = factory.SubFactory(ChampionFactory)
    course = "Health champion induction"
    completed_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    hours = Decimal("6")
    qualification = "RSPH Level 2 Award"


class HoursLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HoursLog

    champion = factory.SubFactory(ChampionFactory)
    on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=3))
    hours = Decimal("2")
    activity = "Ran the walking group"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    champion = factory.SubFactory(ChampionFactory)
    kind = EventKind.COMMUNITY_EVENT
    on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=7))
    title = "Summer fair stall"
    hours = Decimal("3")

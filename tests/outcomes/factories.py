from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from outcomes.models import AppointmentCount, AppointmentExtract, PatientKey, PopulationCell, Run
from referrals.models import SwemwbsResponse
from tests.referrals.factories import PersonFactory as BasePersonFactory
from tests.socialrx.factories import PracticeFactory


class PersonFactory(BasePersonFactory):
    """A person with no registered practice unless one is given."""

    practice = None


class PopulationCellFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PopulationCell

    practice = factory.SubFactory(PracticeFactory)
    imd_quintile = "3"
    age_band = "45-54"
    sex = "female"
    ethnicity = "white"
    count = 100


class AppointmentExtractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppointmentExtract
        django_get_or_create = ("practice", "month")

    practice = factory.SubFactory(PracticeFactory)
    month = dt.date(2026, 1, 1)


def patient_for(key: str) -> PatientKey:
    """The patient id of a patient key, made when new (as an import does)."""
    return PatientKey.objects.get_or_create(key=key)[0]


class AppointmentCountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppointmentCount

    class Params:
        patient_key = factory.Sequence(lambda n: f"{n:064x}")

    practice = factory.SubFactory(PracticeFactory)
    month = dt.date(2026, 1, 1)
    patient = factory.LazyAttribute(lambda o: patient_for(o.patient_key))
    appointments = 1


class SwemwbsResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SwemwbsResponse

    person = factory.SubFactory(PersonFactory)
    completed_on = factory.LazyFunction(timezone.localdate)
    items = [3, 3, 3, 3, 3, 3, 3]
    raw_score = 21
    metric_score = Decimal("20.73")


class RunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Run

    kind = "metric:friends"


def snapshot_rows(
    metric: str, start: dt.date, end: dt.date, *, window: int = 6
) -> dict[tuple[str, str, str, str], dict]:
    """Compute ``metric`` and read back its stored rows keyed (level, code, dimension, group)."""
    from outcomes.metrics.registry import window_for
    from outcomes.models import MetricSnapshot
    from outcomes.services.metrics import metric_compute

    metric_compute(metric=metric, start=start, end=end, window=window)
    return {
        (s.level, s.code, s.dimension, s.group): s.values
        for s in MetricSnapshot.objects.filter(
            metric=metric,
            start=start,
            end=end,
            window=window_for(metric=metric, window=window),
        )
    }


ALL = ("all", "", "total", "all")


def nhs_number(seed: int) -> str:
    """A valid (modulus 11) NHS number made from ``seed``."""
    while True:
        first9 = f"{(943476591 + seed * 7919) % 1_000_000_000:09d}"
        total = sum(int(d) * w for d, w in zip(first9, range(10, 1, -1), strict=True))
        check = (11 - total % 11) % 11
        if check != 10:
            return f"{first9}{check}"
        seed += 1_000_003

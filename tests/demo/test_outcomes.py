"""The outcomes demo step: populations, 24 monthly extracts, and every metric computed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum

from demo import outcomes as demo_outcomes
from demo.core import demo_context
from outcomes.metrics.registry import METRIC_NAMES
from outcomes.models import AppointmentCount, AppointmentExtract, MetricSnapshot, PopulationCell
from tests.outcomes.factories import PersonFactory, nhs_number
from tests.referrals.factories import ReferralFactory
from tests.socialrx.factories import PracticeFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)


def test_population_cells_add_up_exactly_to_the_list_size():
    practice = PracticeFactory()
    cells = demo_outcomes.population_cells(practice.pk, 2345, 0.7)

    assert sum(c.count for c in cells) == 2345
    deprived = sum(c.count for c in cells if c.imd_quintile == "1")
    affluent = sum(c.count for c in cells if c.imd_quintile == "5")
    assert deprived > affluent


def test_seed_makes_extracts_skewed_attendance_and_full_dashboards():
    practice = PracticeFactory(ods_code="G00001")
    person = PersonFactory(practice=practice, nhs_number=nhs_number(9))
    ReferralFactory(person=person, received_on=dt.date(2025, 9, 10))
    ctx = demo_context(today=TODAY)
    ctx.practices = [practice]

    demo_outcomes.seed(ctx)

    assert AppointmentExtract.objects.filter(practice=practice).count() == 24
    assert AppointmentExtract.objects.latest("month").month == dt.date(2026, 11, 1)
    list_size = PopulationCell.objects.aggregate(n=Sum("count"))["n"]
    assert 2000 <= list_size <= 3200
    # Only patient-months with an appointment have a row; the referred person's key is there.
    rows = AppointmentCount.objects.filter(practice=practice)
    assert 0 < rows.count() < list_size * 24
    assert not rows.filter(appointments=0).exists()
    assert rows.filter(patient__key=person.patient_key).exists()
    assert set(MetricSnapshot.objects.values_list("metric", flat=True)) == set(METRIC_NAMES)
    # The current quarter, the seven before it (the trend pages' two years) and 12 months.
    assert MetricSnapshot.objects.values("start", "end").distinct().count() == 9
    skew = MetricSnapshot.objects.get(
        metric="demand",
        start=dt.date(2025, 11, 24),
        end=TODAY,
        level="practice",
        code="G00001",
        dimension="total",
    ).values
    assert skew["list_size"] == list_size
    # A few frequent attenders take a large share of appointments.
    assert skew["frequent_attender_share"] > 10

"""M4 demand: the before/after window, its cohort, and each practice's attendance skew."""

from __future__ import annotations

import datetime as dt

import pytest

from outcomes.metrics.periods import month_of, month_start
from outcomes.models import AppointmentExtract
from tests.outcomes.factories import (
    ALL,
    AppointmentCountFactory,
    AppointmentExtractFactory,
    PersonFactory,
    PopulationCellFactory,
    nhs_number,
    snapshot_rows,
)
from tests.referrals.factories import ReferralFactory
from tests.socialrx.factories import PracticeFactory

pytestmark = pytest.mark.django_db

Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def months(first: dt.date, last: dt.date) -> list[dt.date]:
    return [month_start(m) for m in range(month_of(first), month_of(last) + 1)]


def extracts(practice, first: dt.date, last: dt.date) -> None:
    for month in months(first, last):
        AppointmentExtractFactory(practice=practice, month=month)


def appointments(practice, key: str, by_month: dict[tuple[int, int], int]) -> None:
    for (year, month), count in by_month.items():
        AppointmentCountFactory(
            practice=practice, patient_key=key, month=dt.date(year, month, 1), appointments=count
        )


@pytest.fixture
def practice():
    practice = PracticeFactory(ods_code="D00001")
    extracts(practice, dt.date(2024, 1, 1), dt.date(2026, 3, 1))
    return practice


def referred(practice, received_on: dt.date, seed: int = 1, **extra):
    person = PersonFactory(practice=practice, nhs_number=nhs_number(seed), **extra)
    ReferralFactory(person=person, received_on=received_on)
    return person


def test_pre_and_post_windows_leave_out_the_referral_month(practice):
    person = referred(practice, dt.date(2025, 7, 15))  # m0 = July 2025; m0+6 = January 2026
    appointments(
        practice,
        person.patient_key,
        {
            (2024, 12): 4,  # m0 − 7: outside
            (2025, 1): 2,  # m0 − 6: pre
            (2025, 6): 1,  # m0 − 1: pre
            (2025, 7): 5,  # m0: left out
            (2025, 8): 1,  # m0 + 1: post
            (2026, 1): 1,  # m0 + 6: post
            (2026, 2): 9,  # m0 + 7: outside
        },
    )

    values = snapshot_rows("demand", *Q1)[ALL]

    assert values["n"] == 1
    assert values["mean_pre"] == 3.0
    assert values["mean_post"] == 2.0
    assert values["mean_change"] == -1.0
    assert values["pct_reduced"] == 100.0


def test_window_parameter_changes_the_months_and_the_snapshot_key(practice):
    person = referred(practice, dt.date(2025, 10, 2))  # m0 = October; m0+3 = January 2026
    appointments(practice, person.patient_key, {(2025, 7): 2, (2025, 6): 8, (2026, 1): 1})

    three = snapshot_rows("demand", *Q1, window=3)[ALL]
    six = snapshot_rows("demand", *Q1, window=6)[ALL]

    assert (three["n"], three["mean_pre"], three["mean_post"]) == (1, 2.0, 1.0)
    assert six["n"] == 0  # m0+6 = April 2026, after the period


def test_missing_extract_month_excludes_the_person(practice):
    referred(practice, dt.date(2025, 7, 15))
    AppointmentExtract.objects.filter(practice=practice, month=dt.date(2025, 1, 1)).delete()

    assert snapshot_rows("demand", *Q1)[ALL]["n"] == 0


def test_final_window_month_must_end_inside_the_period(practice):
    referred(practice, dt.date(2025, 9, 30))  # m0+6 = March 2026, which ends on 31 March

    assert snapshot_rows("demand", dt.date(2026, 1, 1), dt.date(2026, 3, 31))[ALL]["n"] == 1
    assert snapshot_rows("demand", dt.date(2026, 1, 1), dt.date(2026, 3, 30))[ALL]["n"] == 0
    # A period that starts inside the month but includes its last day counts it.
    assert snapshot_rows("demand", dt.date(2026, 3, 31), dt.date(2026, 3, 31))[ALL]["n"] == 1


def test_index_month_is_the_first_referral_and_no_nhs_number_is_left_out(practice):
    person = referred(practice, dt.date(2025, 7, 1))
    ReferralFactory(person=person, received_on=dt.date(2025, 12, 1))
    no_number = PersonFactory(practice=practice)
    ReferralFactory(person=no_number, received_on=dt.date(2025, 7, 1))
    no_practice = PersonFactory(practice=None, nhs_number=nhs_number(2))
    ReferralFactory(person=no_practice, received_on=dt.date(2025, 7, 1))

    values = snapshot_rows("demand", *Q1)[ALL]

    # Counted once, from July; patients without rows had 0 appointments.
    assert values["n"] == 1
    assert (values["mean_pre"], values["mean_post"], values["pct_reduced"]) == (0.0, 0.0, 0.0)


def test_levels_and_groups(practice):
    referred(practice, dt.date(2025, 7, 1), seed=3, sex="male", imd_decile=2)

    rows = snapshot_rows("demand", *Q1)

    assert rows[("practice", "D00001", "sex", "male")]["n"] == 1
    assert rows[("practice", "D00001", "imd_quintile", "1")]["n"] == 1
    assert rows[("practice", "D00001", "sex", "female")]["mean_pre"] is None


# --- attendance skew ------------------------------------------------------------------------


@pytest.fixture
def skew_practice():
    practice = PracticeFactory(ods_code="D00002")
    extracts(practice, dt.date(2025, 4, 1), dt.date(2026, 3, 1))
    PopulationCellFactory(practice=practice, count=60)
    PopulationCellFactory(practice=practice, sex="male", count=40)  # list size 100: k = 3
    return practice


def test_skew_top_three_percent_with_ties_by_patient_key(skew_practice):
    person = PersonFactory(practice=skew_practice, nhs_number=nhs_number(5))
    ReferralFactory(person=person, received_on=dt.date(2026, 3, 31))
    appointments(skew_practice, person.patient_key, {(2025, 4): 6, (2026, 3): 4})  # 10
    appointments(skew_practice, "d" * 64, {(2025, 5): 5})  # tie at 5: loses on key
    appointments(skew_practice, "c" * 64, {(2025, 6): 5})
    appointments(skew_practice, "b" * 64, {(2025, 7): 3, (2025, 8): 2})
    appointments(skew_practice, "e" * 64, {(2025, 9): 1, (2025, 3): 7})  # March 2025: outside
    appointments(skew_practice, "f" * 64, {(2025, 9): 0})  # a row of 0 is not attending

    values = snapshot_rows("demand", *Q1)[("practice", "D00002", "total", "all")]

    assert values["list_size"] == 100
    assert values["appointments"] == 26
    assert values["frequent_attenders"] == 3
    assert values["frequent_attender_share"] == pytest.approx(20 / 26 * 100)
    # The referred person is one of the three (referred on the period's last day).
    assert values["frequent_attenders_referred_pct"] == pytest.approx(100 / 3)
    assert values["zero_attender_pct"] == pytest.approx(95.0)


def test_skew_k_is_the_ceiling_of_three_percent(skew_practice):
    PopulationCellFactory(practice=skew_practice, sex="other", count=1)  # 101: k = 4

    values = snapshot_rows("demand", *Q1)[("practice", "D00002", "total", "all")]

    assert values["frequent_attenders"] == 4
    assert values["appointments"] == 0
    assert values["frequent_attender_share"] is None


def test_skew_needs_all_twelve_months(skew_practice):
    AppointmentExtract.objects.filter(practice=skew_practice, month=dt.date(2025, 4, 1)).delete()

    rows = snapshot_rows("demand", *Q1)

    values = rows[("practice", "D00002", "total", "all")]
    assert values["list_size"] is None
    assert values["frequent_attenders"] is None
    assert rows[ALL]["list_size"] is None  # skew is a practice figure only


def test_skew_when_fewer_patients_have_rows_than_k(skew_practice):
    person = PersonFactory(practice=skew_practice, nhs_number=nhs_number(6))
    ReferralFactory(person=person, received_on=dt.date(2025, 1, 1))
    appointments(skew_practice, person.patient_key, {(2025, 6): 2})
    appointments(skew_practice, "a" * 64, {(2025, 6): 4})

    values = snapshot_rows("demand", *Q1)[("practice", "D00002", "total", "all")]

    # k = 3 but only two patients have a row: both are in, the third had 0 appointments.
    assert values["frequent_attender_share"] == 100.0
    assert values["frequent_attenders_referred_pct"] == pytest.approx(100 / 3)


def test_skew_tie_at_the_threshold_is_cut_by_patient_key(skew_practice):
    person = PersonFactory(practice=skew_practice, nhs_number=nhs_number(7))
    ReferralFactory(person=person, received_on=dt.date(2025, 1, 1))
    appointments(skew_practice, "0" * 64, {(2025, 6): 9})
    # Four patients tie at 2 for the last two places; the referred person's key decides.
    for key in ("1" * 64, "2" * 64, "f" * 64):
        appointments(skew_practice, key, {(2025, 7): 2})
    appointments(skew_practice, person.patient_key, {(2025, 7): 2})
    in_top = sorted(["1" * 64, "2" * 64, "f" * 64, person.patient_key])[:2]

    values = snapshot_rows("demand", *Q1)[("practice", "D00002", "total", "all")]

    assert values["frequent_attender_share"] == pytest.approx(13 / 17 * 100)
    expected = 100 / 3 if person.patient_key in in_top else 0.0
    assert values["frequent_attenders_referred_pct"] == pytest.approx(expected)

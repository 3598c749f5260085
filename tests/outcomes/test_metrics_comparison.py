"""The demand comparison group: matching, the difference in differences and its interval,
on a world small enough to work out by hand and on generated worlds whose true effect is
known. Runs on SQLite and, with DATABASE_URL, on PostgreSQL (the same assertions)."""

from __future__ import annotations

import datetime as dt
import math
import random
import re

import pytest

from outcomes.metrics.comparison import CONTROLS_PER_PERSON
from outcomes.metrics.intervals import t_critical
from outcomes.metrics.periods import month_of, month_start
from outcomes.models import AppointmentCount
from tests.outcomes.factories import (
    ALL,
    AppointmentCountFactory,
    AppointmentExtractFactory,
    PersonFactory,
    nhs_number,
    patient_for,
    snapshot_rows,
)
from tests.referrals.factories import ReferralFactory
from tests.socialrx.factories import PracticeFactory

pytestmark = pytest.mark.django_db

Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
DEC, JAN, FEB = dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1)


@pytest.fixture
def practice():
    practice = PracticeFactory(ods_code="D00001")
    for m in range(month_of(dt.date(2024, 1, 1)), month_of(dt.date(2026, 3, 1)) + 1):
        AppointmentExtractFactory(practice=practice, month=month_start(m))
    return practice


def rows(practice, key: str, by_month: dict[dt.date, int], *, age="45-54", sex="female"):
    for month, count in by_month.items():
        AppointmentCountFactory(
            practice=practice,
            patient_key=key,
            month=month,
            appointments=count,
            age_band=age,
            sex=sex,
        )


def referred(practice, seed: int, received_on: dt.date):
    person = PersonFactory(practice=practice, nhs_number=nhs_number(seed), sex="female")
    ReferralFactory(person=person, received_on=received_on)
    return person


def key(i: int) -> str:
    return f"{i:064x}"


def test_hand_computed_world(practice):
    # Window 1: for a referral in January 2026, "before" is December, "after" February.
    a = referred(practice, 1, dt.date(2026, 1, 10))
    rows(practice, a.patient_key, {DEC: 3, FEB: 1})  # change −2
    b = referred(practice, 2, dt.date(2026, 1, 20))
    rows(practice, b.patient_key, {DEC: 2, FEB: 2})  # change 0
    referred(practice, 3, dt.date(2026, 1, 5))  # no appointments before: not compared
    d = referred(practice, 4, dt.date(2026, 1, 6))
    rows(practice, d.patient_key, {DEC: 1}, sex="male")  # no male comparison patient
    # Comparison patients for a: female, 45-54, 3 before.
    rows(practice, key(1), {DEC: 3, FEB: 3})
    rows(practice, key(2), {DEC: 3, JAN: 9, FEB: 1})  # January (m0) is not counted
    # Referred only after the window (April): may be a comparison patient.
    later = referred(practice, 5, dt.date(2026, 4, 2))
    rows(practice, later.patient_key, {DEC: 3, FEB: 2})
    # Referred before the window ended (November 2025): may not.
    earlier = referred(practice, 6, dt.date(2025, 11, 2))
    rows(practice, earlier.patient_key, {DEC: 3, FEB: 9})
    # Not matched: another age band; another number before.
    rows(practice, key(3), {DEC: 3, FEB: 9}, age="55-64")
    rows(practice, key(4), {DEC: 4, FEB: 9})
    # For b: female, 45-54, 2 before.
    rows(practice, key(5), {DEC: 2})  # change −2

    values = snapshot_rows("demand", *Q1, window=1)[ALL]

    assert values["n"] == 4  # the before/after cohort is unchanged
    assert values["comparison_n"] == 2
    assert values["comparison_unmatched"] == 1
    assert values["referred_mean_pre"] == 2.5
    assert values["referred_mean_post"] == 1.5
    # a's comparison patients: mean before 3, after (3 + 1 + 2) / 3 = 2; b's: 2 and 0.
    assert values["comparison_mean_pre"] == 2.5
    assert values["comparison_mean_post"] == 1.0
    # Per person: a −2 − (−1) = −1; b 0 − (−2) = 2. Mean 0.5, sd √4.5, t(1) = 12.706.
    assert values["did"] == 0.5
    half = t_critical(1) * math.sqrt(4.5 / 2)
    assert values["did_ci_low"] == pytest.approx(0.5 - half)
    assert values["did_ci_high"] == pytest.approx(0.5 + half)
    by_practice = snapshot_rows("demand", *Q1, window=1)[("practice", "D00001", "total", "all")]
    assert by_practice["comparison_n"] == 2
    assert snapshot_rows("demand", *Q1, window=1)[("all", "", "sex", "female")]["did"] == 0.5


def test_controls_are_shared_out_in_key_order_up_to_five_each(practice):
    first = referred(practice, 1, dt.date(2026, 1, 10))
    second = referred(practice, 2, dt.date(2026, 1, 10))
    for person in (first, second):
        rows(practice, person.patient_key, {DEC: 1})
    for i in range(7):  # after: 0 … 6
        rows(practice, key(i + 1), {DEC: 1, FEB: i} if i else {DEC: 1})

    values = snapshot_rows("demand", *Q1, window=1)[ALL]

    assert CONTROLS_PER_PERSON == 5
    # By patient key, one person takes controls 1–5 (after: 0–4, mean 2), the other 6, 7, 1,
    # 2, 3 (after: 5, 6, 0, 1, 2, mean 2.8).
    assert values["comparison_n"] == 2
    assert values["comparison_mean_post"] == pytest.approx(2.4)
    assert values["did"] == pytest.approx(-2.4)
    # Differences −2 and −2.8: sd 0.4 × √2, standard error 0.4.
    assert values["did_ci_low"] == pytest.approx(-2.4 - t_critical(1) * 0.4)


def test_no_age_band_or_sex_in_the_extract_matches_on_practice_and_count(practice):
    person = referred(practice, 1, dt.date(2026, 1, 10))
    rows(practice, person.patient_key, {DEC: 2}, age="", sex="")
    rows(practice, key(1), {DEC: 2, FEB: 2}, age="", sex="")

    values = snapshot_rows("demand", *Q1, window=1)[ALL]

    assert (values["comparison_n"], values["did"]) == (1, -2.0)
    assert values["did_ci_low"] is None  # one pair: no interval


def test_empty_cohort_has_zero_and_nulls(practice):
    values = snapshot_rows("demand", *Q1)[ALL]

    assert values["comparison_n"] == 0
    assert values["comparison_unmatched"] == 0
    assert values["did"] is None
    assert values["did_ci_low"] is None


# --- generated worlds with a known effect ---------------------------------------------------


def _poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def generated_world(practice, *, effect: int, seed: int = 7) -> float:
    """Patients who attend at a steady personal rate (a monthly Poisson count whose rate
    varies between people). People with many appointments in the six months before July
    2025 are far more likely to be referred then (so a naive before/after shows a fall that
    is regression to the mean). A referred person's "after" total falls by ``effect``
    appointments (not below 0). Returns the true mean effect on the referred."""
    rng = random.Random(seed)
    m0 = month_of(dt.date(2025, 7, 1))
    batch, truth = [], []
    for i in range(5000):
        rate = rng.expovariate(2.0)  # mean 0.5 a month
        age = rng.choice(("25-34", "65-74"))
        sex = rng.choice(("female", "male"))
        counts = {m: _poisson(rng, rate) for m in range(m0 - 6, m0 + 7)}
        pre = sum(counts[m] for m in range(m0 - 6, m0))
        chance = 0.3 if pre >= 6 else 0.05 if pre >= 3 else 0.0
        patient = key(10_000 + i)
        if rng.random() < chance:
            person = referred(practice, 100 + i, dt.date(2025, 7, 1 + i % 28))
            patient = person.patient_key
            to_remove = effect
            for m in range(m0 + 1, m0 + 7):
                taken = min(to_remove, counts[m])
                counts[m] -= taken
                to_remove -= taken
            truth.append(-(effect - to_remove))
        batch += [
            AppointmentCount(
                practice=practice,
                month=month_start(m),
                patient=patient_for(patient),
                appointments=n,
                age_band=age,
                sex=sex,
            )
            for m, n in counts.items()
            if n
        ]
    AppointmentCount.objects.bulk_create(batch, batch_size=2000)
    return sum(truth) / len(truth)


@pytest.mark.parametrize("effect", [0, 2])
def test_generated_world_recovers_the_known_effect(practice, effect):
    truth = generated_world(practice, effect=effect)

    values = snapshot_rows("demand", *Q1)[ALL]

    assert values["comparison_n"] >= 300
    assert values["comparison_unmatched"] <= values["n"] * 0.05
    # The naive before/after fall is mostly regression to the mean …
    assert values["mean_change"] < truth - 0.8
    # … which the comparison group removes: the difference in differences is close to the
    # true effect, and its 95% interval covers it.
    assert values["did"] == pytest.approx(truth, abs=0.6)
    assert values["did_ci_low"] < truth < values["did_ci_high"]
    # Matching on the count before makes the two groups' "before" means equal, except
    # within the top group (20 or more).
    assert values["comparison_mean_pre"] == pytest.approx(values["referred_mean_pre"], abs=0.25)


# --- on the demand page ----------------------------------------------------------------------

JUL, AUG, NOV = dt.date(2025, 7, 1), dt.date(2025, 8, 1), dt.date(2025, 11, 1)


def _page_world(practice, people: int) -> None:
    """Window 3, referrals in October 2025: each referred person 2 before, 1 after; each
    comparison patient 2 before, 2 after. The difference in differences is −1 exactly."""
    for i in range(people):
        person = referred(practice, 10 + i, dt.date(2025, 10, 3))
        rows(practice, person.patient_key, {JUL: 1, AUG: 1, NOV: 1})
        rows(practice, key(100 + i), {JUL: 2, NOV: 2})


DID_LABEL = "Difference in differences (change of referred − change of comparison group)"


def _did_cell(html: str) -> str:
    found = re.search(rf'scope="row">{re.escape(DID_LABEL)}</th> ?<td[^>]*>(.*?)</td>', html)
    assert found, "no difference in differences row"
    return re.sub(r"<[^>]+>", "", found.group(1)).replace("withheld", "").strip()


def _page(client) -> str:
    html = client.get(
        "/outcomes/metrics/demand/", {"period": "2026-01-01/2026-03-31", "window": 3}
    ).content.decode()
    return re.sub(r"\s+", " ", html)


def test_demand_page_shows_the_comparison_beside_before_and_after(
    practice, client_for, commissioner
):
    _page_world(practice, 8)
    snapshot_rows("demand", *Q1, window=3)

    html = _page(client_for(commissioner))

    assert "Comparison group: mean appointments after" in html
    assert _did_cell(html) == "-1.0"
    assert "it is not a trial" in html  # the caveat in plain words


def test_demand_page_withholds_a_comparison_of_few_people_from_commissioners(
    practice, client_for, commissioner, admin_user
):
    _page_world(practice, 3)
    snapshot_rows("demand", *Q1, window=3)

    shown = _page(client_for(commissioner))
    exact = _page(client_for(admin_user))

    assert _did_cell(shown) == "*"
    assert _did_cell(exact) == "-1.0"


def test_postgres_plan_has_no_nested_loop_joins(practice, postgres_required):
    """The CTEs are estimated at a row or two, so without ``_hash_joins`` PostgreSQL loops
    over the cells, re-running the per-patient aggregate under each (minutes at scale)."""
    from django.db import connection

    from outcomes.metrics import comparison

    ctes, params = comparison.comparison_sql(*Q1, 6)
    select = ", ".join(f"{expr} AS {name}" for name, expr in comparison.AGGREGATES.items())
    with comparison._hash_joins(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN WITH {ctes} SELECT {select} FROM cohort", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())

    assert "Nested Loop" not in plan
    assert "Hash Join" in plan

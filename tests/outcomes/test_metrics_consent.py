"""Consent: a person who said no to de-identified figures is counted in no metric, exactly as
if they had never been recorded; someone never asked, or who later says yes, is counted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from outcomes.metrics.registry import METRIC_NAMES
from referrals.models import ConsentPurpose, ConsentSource, FriendsObservation, Ons4Response
from tests.assets.factories import AssetFactory
from tests.champions.factories import ChampionFactory
from tests.outcomes.factories import (
    ALL,
    AppointmentCountFactory,
    AppointmentExtractFactory,
    PersonFactory,
    PopulationCellFactory,
    SwemwbsResponseFactory,
    nhs_number,
    snapshot_rows,
)
from tests.referrals.factories import (
    ConnectionFactory,
    ConsentFactory,
    ConversationFactory,
    ReferralFactory,
)
from tests.socialrx.factories import PracticeFactory

pytestmark = pytest.mark.django_db

Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
FIGURES = ConsentPurpose.DEIDENTIFIED_FIGURES


def _world() -> list:
    """Three people who each count in every metric for Q1."""
    practice = PracticeFactory(ods_code="D00001")
    for year, month in [(y, m) for y in (2024, 2025, 2026) for m in range(1, 13)]:
        if dt.date(year, month, 1) <= dt.date(2026, 3, 1):
            AppointmentExtractFactory(practice=practice, month=dt.date(year, month, 1))
    PopulationCellFactory(practice=practice, count=100)
    asset = AssetFactory()
    people = []
    for seed in (1, 2, 3):
        person = PersonFactory(practice=practice, nhs_number=nhs_number(seed))
        # demand: first referral in July 2025, so m0 + 6 is January 2026; service: one in Q1.
        ReferralFactory(person=person, received_on=dt.date(2025, 7, 15))
        ReferralFactory(person=person, received_on=dt.date(2026, 2, 1))
        for month, count in ((dt.date(2025, 3, 1), 4), (dt.date(2025, 9, 1), seed)):
            AppointmentCountFactory(
                practice=practice, patient_key=person.patient_key, month=month, appointments=count
            )
        FriendsObservation.objects.create(
            person=person, observed_on=dt.date(2025, 10, 1), friends_count=1
        )
        FriendsObservation.objects.create(
            person=person, observed_on=dt.date(2026, 2, 15), friends_count=1 + seed
        )
        SwemwbsResponseFactory(person=person, completed_on=dt.date(2025, 10, 1))
        SwemwbsResponseFactory(
            person=person,
            completed_on=dt.date(2026, 2, 15),
            raw_score=21 + seed,
            metric_score=Decimal("20.73") + seed,
        )
        for completed_on, score in ((dt.date(2025, 10, 1), 4), (dt.date(2026, 2, 15), 4 + seed)):
            Ons4Response.objects.create(
                person=person,
                completed_on=completed_on,
                life_satisfaction=score,
                worthwhile=score,
                happiness=score,
                anxiety=10 - score,
            )
        ConversationFactory(person=person, held_on=dt.date(2026, 2, 10))
        ConnectionFactory(person=person, asset=asset, made_on=dt.date(2026, 2, 20))
        ChampionFactory(person=person, started_on=dt.date(2026, 3, 1))
        people.append(person)
    return people


COMPARISON_FIELDS = ("comparison_", "referred_mean_", "did")


def _without_comparison(rows):
    return {
        key: {f: v for f, v in values.items() if not f.startswith(COMPARISON_FIELDS)}
        for key, values in rows.items()
    }


@pytest.mark.parametrize("metric", METRIC_NAMES)
def test_a_person_who_declined_figures_counts_in_no_metric(metric):
    people = _world()
    asked_and_agreed = snapshot_rows(metric, *Q1)
    ConsentFactory(person=people[0], purpose=FIGURES, given=False)

    declined = snapshot_rows(metric, *Q1)
    # Never recorded: no record, and no appointments under their key either (else the
    # demand comparison would take a referred person for a patient never referred).
    people[0].delete()
    never_recorded = snapshot_rows(metric, *Q1)

    # Left out exactly as if they were not there, and they did count before saying no. (The
    # demand comparison group is the exception: without a record, their appointments are a
    # patient never referred, who may be matched as a control; having declined, they are
    # neither in the cohort nor a control.)
    assert _without_comparison(declined) == _without_comparison(never_recorded)
    assert declined != asked_and_agreed


def test_never_asked_counts_and_a_later_yes_counts_again():
    people = _world()
    never_asked = snapshot_rows("friends", *Q1)[ALL]
    assert never_asked["n"] == 3
    ConsentFactory(
        person=people[1],
        purpose=FIGURES,
        given=False,
        recorded_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
    )
    assert snapshot_rows("friends", *Q1)[ALL]["n"] == 2
    ConsentFactory(
        person=people[1],
        purpose=FIGURES,
        given=True,
        source=ConsentSource.CONVERSATION,
        recorded_at=dt.datetime(2026, 2, 5, tzinfo=dt.UTC),
    )
    assert snapshot_rows("friends", *Q1)[ALL]["n"] == 3


def test_other_purposes_do_not_change_the_figures():
    people = _world()
    before = snapshot_rows("connections", *Q1)
    ConsentFactory(person=people[0], purpose=ConsentPurpose.SHARE_WITH_GROUP, given=False)
    ConsentFactory(person=people[0], purpose=ConsentPurpose.CONTACT, given=False)
    assert snapshot_rows("connections", *Q1) == before


def test_the_latest_answer_decides_a_later_no_after_a_yes_and_a_tie_by_the_later_row():
    """The latest answer by when it was recorded, then by the later row: a "no" after a "yes"
    leaves the person out; a "yes" recorded at the same moment after a "no" counts them."""
    people = _world()
    at = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    ConsentFactory(person=people[0], purpose=FIGURES, given=True, recorded_at=at)
    ConsentFactory(
        person=people[0], purpose=FIGURES, given=False, recorded_at=at + dt.timedelta(days=1)
    )
    assert snapshot_rows("friends", *Q1)[ALL]["n"] == 2
    ConsentFactory(person=people[2], purpose=FIGURES, given=False, recorded_at=at)
    ConsentFactory(person=people[2], purpose=FIGURES, given=True, recorded_at=at)
    assert snapshot_rows("friends", *Q1)[ALL]["n"] == 2
    ConsentFactory(person=people[1], purpose=FIGURES, given=True, recorded_at=at)
    ConsentFactory(person=people[1], purpose=FIGURES, given=False, recorded_at=at)
    assert snapshot_rows("friends", *Q1)[ALL]["n"] == 1

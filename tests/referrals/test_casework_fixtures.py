"""Fixtures shared by the casework tests (imported by each test_casework_* module, so that the
shared tests/referrals/conftest.py stays free for other work)."""

from __future__ import annotations

import datetime as dt

import pytest

from referrals.models import Referral, ReferralStatus
from tests.assets.factories import AssetFactory
from tests.referrals.factories import PersonFactory, ReferralFactory
from tests.socialrx.factories import PracticeFactory

VALID_NHS = "9434765919"


@pytest.fixture
def person(practice_a, link_worker):
    return PersonFactory(
        practice=practice_a,
        link_worker=link_worker,
        given_name="Maria",
        family_name="Quinn",
        communication_needs="Large print letters",
    )


@pytest.fixture
def referral(person, link_worker) -> Referral:
    return ReferralFactory(
        person=person,
        link_worker=link_worker,
        referrer_name="Dr Patel",
        referrer_email="dr.patel@example.org",
    )


@pytest.fixture
def other_person(practice_b, other_link_worker):
    person = PersonFactory(practice=practice_b, link_worker=other_link_worker, given_name="Olly")
    ReferralFactory(person=person)
    return person


@pytest.fixture
def asset(db):
    return AssetFactory(name="Canal walking group")


@pytest.fixture
def ended_asset(db):
    return AssetFactory(
        name="Old knitting circle",
        started_on=dt.date(2020, 1, 1),
        ended_on=dt.date(2021, 1, 1),
    )


def make_case(*, practice, link_worker, status=ReferralStatus.ACTIVE, **person_kwargs):
    person = PersonFactory(practice=practice, link_worker=link_worker, **person_kwargs)
    ReferralFactory(person=person, status=status, link_worker=link_worker)
    return person


__all__ = [
    "VALID_NHS",
    "PracticeFactory",
    "asset",
    "ended_asset",
    "make_case",
    "other_person",
    "person",
    "referral",
]

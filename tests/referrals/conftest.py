"""Fixtures shared by the referrals tests: a person on a link worker's caseload, their
referral, someone of another team, and directory groups to connect them to."""

from __future__ import annotations

import datetime as dt

import pytest

from referrals.models import Referral
from tests.assets.factories import AssetFactory
from tests.referrals.factories import PersonFactory, ReferralFactory


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
    person = PersonFactory(
        practice=practice_b, link_worker=other_link_worker, given_name="Olly", family_name="Oakes"
    )
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

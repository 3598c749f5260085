from __future__ import annotations

import pytest

from referrals.models import ConsentPurpose, Source
from tests.assets.factories import AssetFactory
from tests.champions.factories import ChampionFactory
from tests.referrals.factories import ConsentFactory, PersonFactory, ReferralFactory
from tests.socialrx.factories import VolunteerUserFactory


@pytest.fixture
def champion(volunteer):
    """The ``volunteer`` persona's own champion record."""
    return volunteer.champion


@pytest.fixture
def other_volunteer(db):
    user = VolunteerUserFactory(username="vol_finn", first_name="Finn", last_name="Second")
    ChampionFactory(user=user, given_name="Finn", family_name="Second")
    return user


@pytest.fixture
def kept_group(volunteer):
    group = AssetFactory(name="Canal walkers")
    group.maintainers.add(volunteer)
    return group


@pytest.fixture
def person_a(practice_a):
    person = PersonFactory(
        given_name="Hana", family_name="Referred", practice=practice_a, email="hana@example.org"
    )
    # Referred with her agreement to be contacted, as every referral form records it.
    ConsentFactory(person=person, purpose=ConsentPurpose.CONTACT, given=True)
    return person


@pytest.fixture
def person_b(practice_b):
    return PersonFactory(given_name="Ivo", family_name="Elsewhere", practice=practice_b)


@pytest.fixture
def community_referral(volunteer, person_a):
    return ReferralFactory(
        person=person_a,
        source=Source.COMMUNITY,
        referred_by=volunteer,
        referring_practice=None,
        reason="Secret reason: recently bereaved and not eating",
    )

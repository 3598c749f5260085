from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.assets.factories import AssetFactory, SessionFactory
from tests.socialrx.factories import VolunteerUserFactory


@pytest.fixture
def other_volunteer(db):
    return VolunteerUserFactory(username="vol_finn", first_name="Finn", last_name="Keeper")


@pytest.fixture
def kept_asset(volunteer):
    """A listing the ``volunteer`` persona keeps."""
    asset = AssetFactory(
        name="Riverside walking group",
        description="A gentle walk by the river, then tea.",
        venue_name="Riverside Café",
        postcode="M1 1AE",
        last_confirmed_at=timezone.now() - dt.timedelta(days=10),
    )
    asset.maintainers.add(volunteer)
    SessionFactory(asset=asset, weekday=2, starts_at=dt.time(10, 30))
    return asset


@pytest.fixture
def others_asset(other_volunteer):
    """A listing kept by another volunteer."""
    asset = AssetFactory(name="Hill Top choir", category="music_singing")
    asset.maintainers.add(other_volunteer)
    return asset


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The public suggestion rate limit counts in the cache: start every test at zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()

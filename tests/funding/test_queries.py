"""List pages and endpoints read a fixed number of queries, however many rows they show."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.assets.factories import AssetFactory
from tests.funding.factories import AwardFactory, PostFactory
from tests.funding.world import funding_world

pytestmark = pytest.mark.django_db


def _many(n, volunteer=None):
    for _ in range(n):
        asset = AssetFactory()
        if volunteer is not None:
            asset.maintainers.add(volunteer)
        AwardFactory(funds=[asset], recipient=asset.organisation or AwardFactory().recipient)
        PostFactory()


@pytest.mark.parametrize("n", [2, 12])
def test_awards_register_query_count(client_for, admin_user, django_assert_max_num_queries, n):
    _many(n)
    client = client_for(admin_user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("funding:awards")).status_code == 200


@pytest.mark.parametrize("n", [2, 12])
def test_awards_api_query_count(admin_user, django_assert_max_num_queries, n):
    _many(n)
    client = APIClient()
    client.force_authenticate(admin_user)
    with django_assert_max_num_queries(8):
        assert len(client.get(reverse("funding-awards")).json()) >= n


@pytest.mark.parametrize("n", [1, 6])
def test_keeper_page_queries_grow_with_groups_kept_not_connections(
    client_for, volunteer, django_assert_max_num_queries, n
):
    _many(n, volunteer=volunteer)
    client = client_for(volunteer)
    # A few queries per kept group (this month's figures, places, the year's rows).
    with django_assert_max_num_queries(14 + 5 * n):
        assert client.get(reverse("funding:keeper")).status_code == 200


def test_dashboard_query_count(client_for, commissioner, django_assert_max_num_queries):
    funding_world()
    client = client_for(commissioner)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("funding:dashboard"), {"first": "2026-01", "last": "2026-06"})
    assert response.status_code == 200

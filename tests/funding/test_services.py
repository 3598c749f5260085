from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from funding import services
from funding.models import Award, CommissionerFunder, Route
from referrals.models import ConnectionKind
from referrals.services.connections import connection_make
from tests.assets.factories import AssetFactory, OrganisationFactory
from tests.funding.factories import AwardFactory
from tests.referrals.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _make(asset, day, link_worker):
    return connection_make(
        person=PersonFactory(),
        asset=asset,
        kind=ConnectionKind.SIGNPOST,
        made_on=day,
        by=link_worker,
        warnings_confirmed=True,
    )


def test_connection_records_funded_when_an_award_names_the_listing(link_worker):
    asset = AssetFactory()
    AwardFactory(funds=[asset], starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 6, 30))
    assert _make(asset, dt.date(2026, 6, 30), link_worker).funded_at_connection is True
    assert _make(asset, dt.date(2026, 7, 1), link_worker).funded_at_connection is False


def test_award_naming_no_listing_funds_every_listing_of_the_recipient(link_worker):
    org = OrganisationFactory()
    mine, other = AssetFactory(organisation=org), AssetFactory()
    AwardFactory(recipient=org)
    assert _make(mine, dt.date(2026, 3, 1), link_worker).funded_at_connection is True
    assert _make(other, dt.date(2026, 3, 1), link_worker).funded_at_connection is False


def test_award_naming_listings_does_not_fund_the_recipients_others(link_worker):
    org = OrganisationFactory()
    named, unnamed = AssetFactory(organisation=org), AssetFactory(organisation=org)
    AwardFactory(recipient=org, funds=[named])
    assert _make(named, dt.date(2026, 3, 1), link_worker).funded_at_connection is True
    assert _make(unnamed, dt.date(2026, 3, 1), link_worker).funded_at_connection is False


def test_funded_stays_as_it_was_when_an_award_is_added_later(link_worker):
    asset = AssetFactory()
    connection = _make(asset, dt.date(2026, 3, 1), link_worker)
    AwardFactory(funds=[asset])
    services.connections_funded_fill(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    connection.refresh_from_db()
    assert connection.funded_at_connection is False


def _fields(funder, recipient, **over):
    fields = {
        "funder": funder,
        "funder_type": "icb",
        "recipient": recipient,
        "amount": Decimal("500"),
        "starts_on": dt.date(2026, 1, 1),
        "ends_on": dt.date(2026, 3, 31),
        "route": Route.MICRO_GRANT,
        "competitive": False,
        "purpose": "Room hire",
    }
    fields.update(over)
    return fields


def test_commissioner_records_awards_only_for_their_own_funding_body(commissioner):
    own, other, group = OrganisationFactory(), OrganisationFactory(), OrganisationFactory()
    CommissionerFunder.objects.create(user=commissioner, organisation=own)
    award = services.award_create(by=commissioner, **_fields(own, group))
    assert award.recorded_by == commissioner
    with pytest.raises(PermissionDenied):
        services.award_create(by=commissioner, **_fields(other, group))
    assert Award.objects.count() == 1


def test_commissioner_without_a_funding_body_records_nothing(commissioner):
    with pytest.raises(PermissionDenied):
        services.award_create(
            by=commissioner, **_fields(OrganisationFactory(), OrganisationFactory())
        )
    assert not Award.objects.exists()


def test_award_ending_before_it_starts_is_refused(admin_user):
    with pytest.raises(ValidationError):
        services.award_create(
            by=admin_user,
            **_fields(
                OrganisationFactory(),
                OrganisationFactory(),
                starts_on=dt.date(2026, 3, 1),
                ends_on=dt.date(2026, 2, 1),
            ),
        )
    assert not Award.objects.exists()


def test_award_update_refuses_a_stale_version(admin_user):
    award = AwardFactory()
    fields = _fields(award.funder, award.recipient)
    services.award_update(award=award, by=admin_user, version=0, **fields)
    stale = Award.objects.get(pk=award.pk)
    stale.version = 0
    with pytest.raises(ValidationError):
        services.award_update(
            award=stale,
            by=admin_user,
            version=0,
            **fields,
        )
    assert Award.objects.get(pk=award.pk).version == 1


def test_places_apply_from_their_month_until_a_later_statement(volunteer):
    asset = AssetFactory()
    services.places_set(asset=asset, from_month=dt.date(2026, 2, 14), places=4, by=volunteer)
    services.places_set(asset=asset, from_month=dt.date(2026, 5, 1), places=2, by=volunteer)
    assert services.places_for_month(month=dt.date(2026, 1, 1)) == {}
    assert services.places_for_month(month=dt.date(2026, 4, 1)) == {asset.pk: 4}
    assert services.places_for_month(month=dt.date(2026, 5, 1)) == {asset.pk: 2}

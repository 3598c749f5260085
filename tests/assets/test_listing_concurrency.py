"""Lost updates on directory listings: two keepers (or a keeper and an administrator) editing
the same listing. The later save made from a listing someone else has changed since is
refused, says what changed and keeps what was typed; the htmx "places and members" row too."""

from __future__ import annotations

import html
import re

import pytest

from assets import services
from assets.models import Asset, Capacity
from socialrx.concurrency import CONFLICT_MESSAGE, EditConflict
from tests.assets.test_keeping_views import _edit_data

pytestmark = pytest.mark.django_db


def _hidden(content: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', content)
    assert match, f"no hidden {name}"
    return html.unescape(match.group(1))


def test_second_edit_of_a_listing_is_refused_and_told_what_changed(
    client_for, volunteer, admin_user, kept_asset
):
    url = f"/directory/listings/{kept_asset.pk}/edit/"
    client = client_for(volunteer)
    page = client.get(url).content.decode()
    loaded = {
        "listing-version": _hidden(page, "listing-version"),
        "listing-loaded": _hidden(page, "listing-loaded"),
    }
    assert loaded["listing-version"] == "0"

    # Meanwhile an administrator marks the group full.
    services.asset_capacity_update(
        asset=Asset.objects.get(pk=kept_asset.pk),
        capacity=Capacity.FULL,
        member_count=None,
        by=admin_user,
        version=0,
    )

    data = {**_edit_data(kept_asset, **{"listing-name": "Riverside walkers"}), **loaded}
    response = client.post(url, data)
    content = html.unescape(response.content.decode())
    assert response.status_code == 409
    assert CONFLICT_MESSAGE in content
    assert "was changed by someone else to: Full" in content
    assert 'value="Riverside walkers"' in content
    kept_asset.refresh_from_db()
    assert (kept_asset.name, kept_asset.capacity) == ("Riverside walking group", Capacity.FULL)
    assert not kept_asset.changes.filter(action="edited").exists()

    # Saving again from the form as shown applies the keeper's values knowingly.
    again = {
        "listing-version": _hidden(content, "listing-version"),
        "listing-loaded": _hidden(content, "listing-loaded"),
    }
    response = client.post(url, {**data, **again})
    assert response.status_code == 302
    kept_asset.refresh_from_db()
    assert kept_asset.name == "Riverside walkers"
    assert kept_asset.version == 2


def test_capacity_update_with_a_stale_version_writes_nothing(volunteer, kept_asset):
    Asset.objects.filter(pk=kept_asset.pk).update(version=4)
    with pytest.raises(EditConflict):
        services.asset_capacity_update(
            asset=kept_asset, capacity=Capacity.FULL, member_count=3, by=volunteer, version=3
        )
    kept_asset.refresh_from_db()
    assert (kept_asset.capacity, kept_asset.member_count) == (Capacity.OPEN, None)
    assert not kept_asset.member_counts.exists()


def test_places_row_from_a_stale_page_is_refused_in_the_row(
    client_for, volunteer, admin_user, kept_asset
):
    pk = kept_asset.pk
    client = client_for(volunteer)
    page = client.get("/directory/mine/").content.decode()
    version, loaded = _hidden(page, f"a{pk}-version"), _hidden(page, f"a{pk}-loaded")
    services.asset_capacity_update(
        asset=Asset.objects.get(pk=pk),
        capacity=Capacity.LIMITED,
        member_count=20,
        by=admin_user,
        version=0,
    )
    response = client.post(
        f"/directory/listings/{pk}/capacity/",
        {
            f"a{pk}-capacity": "full",
            f"a{pk}-member_count": "14",
            f"a{pk}-version": version,
            f"a{pk}-loaded": loaded,
        },
        HTTP_HX_REQUEST="true",
    )
    content = html.unescape(response.content.decode())
    assert response.status_code == 200  # htmx swaps the row in, with its error summary
    assert "<html" not in content
    assert CONFLICT_MESSAGE in content
    assert "Members now was changed by someone else to: 20" in content
    assert f'name="a{pk}-version" value="1"' in content
    assert 'value="14"' in content
    kept_asset.refresh_from_db()
    assert (kept_asset.capacity, kept_asset.member_count) == (Capacity.LIMITED, 20)


def test_places_from_a_stale_page_without_htmx_shows_the_page_with_the_conflict(
    client_for, volunteer, admin_user, kept_asset
):
    pk = kept_asset.pk
    services.asset_mark_stopped(asset=Asset.objects.get(pk=pk), by=admin_user)
    response = client_for(volunteer).post(
        f"/directory/listings/{pk}/capacity/",
        {f"a{pk}-capacity": "full", f"a{pk}-member_count": "", f"a{pk}-version": "0"},
    )
    assert response.status_code == 409
    assert CONFLICT_MESSAGE in response.content.decode()
    kept_asset.refresh_from_db()
    assert kept_asset.capacity == Capacity.OPEN


def test_emailed_full_for_now_still_moves_the_version_on(volunteer, kept_asset):
    token = services.confirm_token_make(asset=kept_asset, user=volunteer)
    services.asset_confirm_by_token(token=token, answer=services.FULL)
    kept_asset.refresh_from_db()
    assert (kept_asset.capacity, kept_asset.version) == (Capacity.FULL, 1)

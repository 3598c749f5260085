"""A link worker reports that a listing has stopped or is wrong: its keepers get a notice and an
email, the moderators see it until one marks it dealt with, the history records both."""

from __future__ import annotations

import pytest
from django.core import mail

from assets.models import Asset, AssetChange, ListingNotice, ListingReport, ListingStatus

pytestmark = pytest.mark.django_db


def _client(request, client_for, persona):
    if persona == "anon":
        return request.getfixturevalue("anon_client")
    return client_for(request.getfixturevalue(persona))


def _url(asset: Asset) -> str:
    return f"/directory/listings/{asset.pk}/report/"


def test_link_worker_reports_details_are_wrong(client_for, link_worker, volunteer, kept_asset):
    volunteer.email = "eve@example.org"
    volunteer.save()
    client = client_for(link_worker)
    page = client.get(f"/directory/listings/{kept_asset.pk}/").content.decode()
    assert _url(kept_asset) in page
    assert client.get(_url(kept_asset)).status_code == 200
    response = client.post(
        _url(kept_asset), {"report-kind": "wrong", "report-note": "It moved to Thursdays."}
    )
    assert response.status_code == 302
    report = ListingReport.objects.get()
    assert (report.asset, report.kind, report.note, report.reported_by) == (
        kept_asset,
        "wrong",
        "It moved to Thursdays.",
        link_worker,
    )
    notice = ListingNotice.objects.get(user=volunteer)
    assert "It moved to Thursdays." in notice.message
    assert [m.to for m in mail.outbox] == [["eve@example.org"]]
    assert "It moved to Thursdays." in mail.outbox[0].body
    change = kept_asset.changes.get(action=AssetChange.Action.REPORTED)
    assert change.by == link_worker
    assert "It moved to Thursdays." in change.changes["report"][1]
    # Nothing on the listing itself changes until someone checks.
    fresh = Asset.objects.get(pk=kept_asset.pk)
    assert fresh.ended_on is None
    assert fresh.version == kept_asset.version


def test_keeper_sees_the_report_on_their_listings(client_for, link_worker, volunteer, kept_asset):
    client_for(link_worker).post(_url(kept_asset), {"report-kind": "stopped", "report-note": ""})
    body = client_for(volunteer).get("/directory/mine/").content.decode()
    assert "A link worker reported Riverside walking group: it has stopped." in body


@pytest.mark.parametrize(
    "data, message",
    [
        ({"report-kind": "", "report-note": "x"}, "Choose what is wrong with the listing"),
        ({"report-kind": "gone", "report-note": "x"}, "Select a valid choice"),
        ({"report-kind": "wrong", "report-note": "  "}, "Say which details are wrong"),
        ({"report-kind": "wrong", "report-note": "x" * 501}, "at most 500 characters"),
    ],
)
def test_bad_report_is_refused_and_changes_nothing(
    client_for, link_worker, volunteer, kept_asset, data, message
):
    response = client_for(link_worker).post(_url(kept_asset), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "There is a problem" in body
    assert not ListingReport.objects.exists()
    assert not ListingNotice.objects.exists()
    assert not kept_asset.changes.filter(action=AssetChange.Action.REPORTED).exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    "persona",
    ["anon", "volunteer", "other_volunteer", "practice_staff", "commissioner", "admin_user"],
)
def test_only_link_workers_may_report(request, client_for, persona, kept_asset):
    client = _client(request, client_for, persona)
    got = client.get(_url(kept_asset))
    posted = client.post(_url(kept_asset), {"report-kind": "stopped"})
    assert got.status_code in (302, 404)
    assert posted.status_code in (302, 404)
    if persona == "anon":
        assert "/accounts/login/" in got["Location"]
    assert not ListingReport.objects.exists()
    page = client.get(f"/directory/listings/{kept_asset.pk}/").content.decode()
    assert _url(kept_asset) not in page


def test_no_report_on_a_pending_listing(client_for, link_worker, kept_asset):
    Asset.objects.filter(pk=kept_asset.pk).update(listing_status=ListingStatus.PENDING)
    response = client_for(link_worker).post(_url(kept_asset), {"report-kind": "stopped"})
    assert response.status_code == 404
    assert not ListingReport.objects.exists()


@pytest.fixture
def report(client_for, link_worker, kept_asset):
    client_for(link_worker).post(
        _url(kept_asset), {"report-kind": "wrong", "report-note": "New phone number."}
    )
    return ListingReport.objects.get()


def test_moderator_sees_open_reports_and_marks_one_dealt_with(client_for, admin_user, report):
    client = client_for(admin_user)
    page = client.get("/directory/moderation/").content.decode()
    assert "Reports from link workers" in page
    assert "New phone number." in page
    url = f"/directory/moderation/reports/{report.pk}/dealt-with/"
    assert client.post(url).status_code == 302
    report.refresh_from_db()
    assert report.dealt_with_by == admin_user
    assert report.dealt_with_at is not None
    assert "New phone number." not in client.get("/directory/moderation/").content.decode()
    assert report.asset.changes.filter(action=AssetChange.Action.RESOLVED, by=admin_user).count()
    # A second click changes nothing and records nothing more.
    first = report.dealt_with_at
    client.post(url)
    report.refresh_from_db()
    assert report.dealt_with_at == first
    assert report.asset.changes.filter(action=AssetChange.Action.RESOLVED).count() == 1


@pytest.mark.parametrize(
    "persona", ["anon", "volunteer", "link_worker", "practice_staff", "commissioner"]
)
def test_only_moderators_mark_reports_dealt_with(request, client_for, persona, report):
    client = _client(request, client_for, persona)
    response = client.post(f"/directory/moderation/reports/{report.pk}/dealt-with/")
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"]
    report.refresh_from_db()
    assert report.dealt_with_at is None


def test_dealt_with_is_post_only_and_unknown_report_is_404(client_for, admin_user, report):
    client = client_for(admin_user)
    assert client.get(f"/directory/moderation/reports/{report.pk}/dealt-with/").status_code == 405
    assert client.post("/directory/moderation/reports/999999/dealt-with/").status_code == 404
    report.refresh_from_db()
    assert report.dealt_with_at is None


def test_history_shows_the_report(client_for, volunteer, report):
    body = client_for(volunteer).get(f"/directory/listings/{report.asset_id}/history/")
    assert "Reported by a link worker" in body.content.decode()

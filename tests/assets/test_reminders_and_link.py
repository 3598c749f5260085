"""Stale listings: warnings, the reminder job (idempotent), the signed "still running" link."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time

import pytest
from django.core import mail, signing
from django.utils import timezone

from assets import services, tasks
from assets.models import AssetChange, Capacity, ListingNotice, ListingReminder, ListingStatus
from tests.assets.factories import AssetFactory

pytestmark = pytest.mark.django_db


def _asset_confirmed_days_ago(days: int, *keepers):
    asset = AssetFactory(last_confirmed_at=timezone.now() - dt.timedelta(days=days))
    asset.maintainers.add(*keepers)
    return asset


# --- connection warnings --------------------------------------------------------------------


def test_fresh_open_listing_has_no_warnings():
    asset = AssetFactory(last_confirmed_at=timezone.now())
    assert asset.connection_warnings() == []


@pytest.mark.parametrize(
    ("capacity", "words"), [(Capacity.FULL, "is full"), (Capacity.PAUSED, "is paused")]
)
def test_full_or_paused_listing_warns(capacity, words):
    asset = AssetFactory(capacity=capacity, last_confirmed_at=timezone.now())
    warnings = asset.connection_warnings()
    assert len(warnings) == 1
    assert words in warnings[0]


def test_limited_listing_does_not_warn():
    assert (
        AssetFactory(
            capacity=Capacity.LIMITED, last_confirmed_at=timezone.now()
        ).connection_warnings()
        == []
    )


def test_stale_listing_warns_not_confirmed_recently(settings):
    settings.LISTING_STALE_DAYS = 90
    asset = AssetFactory(last_confirmed_at=timezone.now() - dt.timedelta(days=91))
    assert any("not been confirmed recently" in w for w in asset.connection_warnings())
    asset.last_confirmed_at = timezone.now() - dt.timedelta(days=89)
    assert asset.connection_warnings() == []


def test_never_confirmed_listing_counts_from_creation():
    asset = AssetFactory(last_confirmed_at=None)
    assert not asset.is_stale()
    assert asset.is_stale(now=timezone.now() + dt.timedelta(days=91))


def test_ended_listing_warns_and_pending_listing_warns():
    ended = AssetFactory(
        started_on=dt.date(2020, 1, 1),
        ended_on=dt.date(2024, 1, 1),
        last_confirmed_at=timezone.now(),
    )
    assert "ended on 1 January 2024" in ended.connection_warnings()[0]
    pending = AssetFactory(listing_status=ListingStatus.PENDING, last_confirmed_at=timezone.now())
    assert "not been approved" in pending.connection_warnings()[0]


# --- reminders ------------------------------------------------------------------------------


def test_reminder_job_run_twice_sends_one_reminder(volunteer):
    volunteer.email = "eve@example.org"
    volunteer.save()
    asset = _asset_confirmed_days_ago(61, volunteer)
    assert tasks.send_listing_reminders.delay().get() == 1
    assert tasks.send_listing_reminders.delay().get() == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["eve@example.org"]
    assert asset.name in message.subject
    assert "/directory/confirm/" in message.body
    assert ListingNotice.objects.filter(user=volunteer, asset=asset).count() == 1
    assert ListingReminder.objects.get().stage == 60


def test_reminders_at_60_then_90_days_once_each(volunteer):
    volunteer.email = "eve@example.org"
    volunteer.save()
    asset = _asset_confirmed_days_ago(61, volunteer)
    now = timezone.now()
    assert services.listing_reminders_send(now=now) == 1
    assert services.listing_reminders_send(now=now + dt.timedelta(days=10)) == 0
    assert services.listing_reminders_send(now=now + dt.timedelta(days=30)) == 1
    assert services.listing_reminders_send(now=now + dt.timedelta(days=31)) == 0
    assert len(mail.outbox) == 2
    assert "not confirmed recently" in mail.outbox[1].body
    assert sorted(asset.reminders.values_list("stage", flat=True)) == [60, 90]


def test_a_long_stale_listing_gets_the_90_day_reminder_only(volunteer):
    volunteer.email = "eve@example.org"
    volunteer.save()
    _asset_confirmed_days_ago(120, volunteer)
    assert services.listing_reminders_send() == 1
    assert services.listing_reminders_send() == 0
    assert len(mail.outbox) == 1
    assert "90 days" in mail.outbox[0].body


def test_confirming_starts_a_new_reminder_cycle(volunteer):
    volunteer.email = "eve@example.org"
    volunteer.save()
    asset = _asset_confirmed_days_ago(61, volunteer)
    services.listing_reminders_send()
    services.asset_confirm(asset=asset, by=volunteer)
    assert services.listing_reminders_send() == 0
    later = timezone.now() + dt.timedelta(days=61)
    assert services.listing_reminders_send(now=later) == 1
    assert len(mail.outbox) == 2


def test_every_keeper_is_reminded_and_listings_without_keepers_are_not(volunteer, other_volunteer):
    volunteer.email = "eve@example.org"
    volunteer.save()
    other_volunteer.email = "finn@example.org"
    other_volunteer.save()
    _asset_confirmed_days_ago(61, volunteer, other_volunteer)
    _asset_confirmed_days_ago(61)
    assert services.listing_reminders_send() == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["eve@example.org", "finn@example.org"]
    assert ListingNotice.objects.count() == 2


def test_fresh_pending_and_ended_listings_get_no_reminder(volunteer):
    _asset_confirmed_days_ago(30, volunteer)
    pending = _asset_confirmed_days_ago(61, volunteer)
    pending.listing_status = ListingStatus.PENDING
    pending.save()
    ended = _asset_confirmed_days_ago(61, volunteer)
    ended.started_on, ended.ended_on = dt.date(2020, 1, 1), dt.date(2024, 1, 1)
    ended.save()
    assert services.listing_reminders_send() == 0
    assert mail.outbox == []


def test_beat_schedule_runs_the_reminder_job():
    from socialrx.celery import app

    tasks_scheduled = [entry["task"] for entry in app.conf.beat_schedule.values()]
    assert "assets.tasks.send_listing_reminders" in tasks_scheduled


# --- the signed link ------------------------------------------------------------------------


def _token(asset, user) -> str:
    return services.confirm_token_make(asset=asset, user=user)


def test_signed_link_carries_no_personal_data(volunteer):
    volunteer.email = "eve@example.org"
    volunteer.save()
    asset = _asset_confirmed_days_ago(100, volunteer)
    token = _token(asset, volunteer)
    payload = token.split(":")[0]
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert decoded == {"a": asset.pk, "u": volunteer.pk}
    assert "eve" not in token.lower()


def test_signed_link_get_asks_and_changes_nothing(anon_client, volunteer):
    asset = _asset_confirmed_days_ago(100, volunteer)
    response = anon_client.get(f"/directory/confirm/{_token(asset, volunteer)}/")
    assert response.status_code == 200
    assert "Yes, it is still running" in response.content.decode()
    asset.refresh_from_db()
    assert asset.is_stale()


def test_valid_signed_link_confirms_without_signing_in(anon_client, volunteer):
    asset = _asset_confirmed_days_ago(100, volunteer)
    response = anon_client.post(f"/directory/confirm/{_token(asset, volunteer)}/")
    assert response.status_code == 200
    assert "confirmed as still running" in response.content.decode()
    asset.refresh_from_db()
    assert not asset.is_stale()
    assert asset.last_confirmed_by == volunteer
    change = asset.changes.get()
    assert change.action == AssetChange.Action.CONFIRMED
    assert change.via_email_link is True


def test_tampered_signed_link_is_refused(anon_client, volunteer, others_asset):
    asset = _asset_confirmed_days_ago(100, volunteer)
    token = _token(asset, volunteer)
    forged = signing.dumps({"a": others_asset.pk, "u": volunteer.pk}, salt="wrong salt")
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged, "nonsense"):
        response = anon_client.post(f"/directory/confirm/{bad}/")
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
    asset.refresh_from_db()
    others_asset.refresh_from_db()
    assert asset.is_stale()
    assert not AssetChange.objects.exists()


def test_expired_signed_link_is_refused(anon_client, volunteer, monkeypatch):
    asset = _asset_confirmed_days_ago(100, volunteer)
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - 31 * 24 * 3600)
    token = _token(asset, volunteer)
    monkeypatch.setattr(signing.time, "time", real_time)
    response = anon_client.post(f"/directory/confirm/{token}/")
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    asset.refresh_from_db()
    assert asset.is_stale()


def test_signed_link_stops_working_when_the_volunteer_no_longer_keeps_the_listing(
    anon_client, volunteer
):
    asset = _asset_confirmed_days_ago(100, volunteer)
    token = _token(asset, volunteer)
    asset.maintainers.remove(volunteer)
    assert anon_client.post(f"/directory/confirm/{token}/").status_code == 400
    assert not asset.changes.exists()


# --- every answer a reminder offers ---------------------------------------------------------


def test_reminder_email_offers_still_running_stopped_and_full(volunteer):
    volunteer.email = "vol@example.org"
    volunteer.save()
    asset = _asset_confirmed_days_ago(61, volunteer)
    assert services.listing_reminders_send() == 1
    body = mail.outbox[0].body
    token = _token(asset, volunteer)
    assert f"/directory/confirm/{token}/\n" in body
    assert f"/directory/confirm/{token}/?answer=stopped" in body
    assert f"/directory/confirm/{token}/?answer=full" in body
    assert "It has stopped" in body
    assert "It is full for now" in body


@pytest.mark.parametrize(
    ("answer", "question"),
    [("stopped", "Has {} stopped?"), ("full", "Is {} full for now?")],
)
def test_stopped_and_full_links_ask_first_and_change_nothing(
    anon_client, volunteer, answer, question
):
    asset = _asset_confirmed_days_ago(100, volunteer)
    response = anon_client.get(f"/directory/confirm/{_token(asset, volunteer)}/?answer={answer}")
    assert response.status_code == 200
    assert question.format(asset.name) in response.content.decode()
    assert f'name="answer" value="{answer}"' in response.content.decode()
    asset.refresh_from_db()
    assert asset.is_stale()
    assert not asset.changes.exists()


def test_stopped_link_ends_the_listing_and_records_it(anon_client, volunteer):
    asset = _asset_confirmed_days_ago(100, volunteer)
    response = anon_client.post(
        f"/directory/confirm/{_token(asset, volunteer)}/", {"answer": "stopped"}
    )
    assert response.status_code == 200
    assert "no longer shows in the directory" in response.content.decode()
    asset.refresh_from_db()
    assert asset.ended_on == timezone.localdate()
    change = asset.changes.get()
    assert change.via_email_link is True
    assert change.by == volunteer
    assert change.changes == {"ended_on": ["", str(timezone.localdate())]}
    assert change.needs_review is True


def test_full_link_marks_the_listing_full_and_records_it(anon_client, volunteer):
    asset = _asset_confirmed_days_ago(100, volunteer)
    response = anon_client.post(
        f"/directory/confirm/{_token(asset, volunteer)}/", {"answer": "full"}
    )
    assert response.status_code == 200
    assert "shows as full" in response.content.decode()
    asset.refresh_from_db()
    assert asset.capacity == Capacity.FULL
    assert not asset.is_stale()
    change = asset.changes.get()
    assert change.action == AssetChange.Action.CAPACITY
    assert change.via_email_link is True
    assert change.changes == {"capacity": ["Open: welcomes new people", "Full"]}


def test_an_unknown_answer_counts_as_still_running(anon_client, volunteer):
    asset = _asset_confirmed_days_ago(100, volunteer)
    anon_client.post(f"/directory/confirm/{_token(asset, volunteer)}/", {"answer": "bogus"})
    asset.refresh_from_db()
    assert asset.changes.get().action == AssetChange.Action.CONFIRMED
    assert asset.ended_on is None

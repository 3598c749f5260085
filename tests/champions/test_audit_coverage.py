"""Volunteers' records: staff views audited once by the middleware, changes by the models
with before and after values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from champions.services import hours_log_create, hours_log_delete
from socialrx.models import AuditLog

pytestmark = pytest.mark.django_db


def _views():
    return AuditLog.objects.filter(action__in=["view", "search"])


def test_volunteer_record_is_audited_exactly_once(client_for, link_worker, champion):
    client_for(link_worker).get(reverse("champions:detail", args=[champion.pk]))
    entry = _views().get()
    assert (entry.user, entry.object_type, entry.object_id) == (
        link_worker,
        "champions.champion",
        str(champion.pk),
    )


def test_invite_page_is_audited_exactly_once_as_a_view_of_the_person(
    client_for, link_worker, person_a
):
    client_for(link_worker).get(reverse("champions:invite", args=[person_a.pk]))
    entry = _views().get()
    assert (entry.object_type, entry.person_id, entry.detail) == (
        "referrals.person",
        person_a.pk,
        "volunteer invitation page",
    )


def test_volunteer_list_search_is_audited_without_the_name(client_for, link_worker, champion):
    client_for(link_worker).get(reverse("champions:list"), {"q": champion.family_name})
    entry = _views().get()
    assert (entry.action, entry.object_id) == ("search", "search")
    assert champion.family_name not in entry.detail


def test_volunteers_own_pages_are_not_audited(client_for, volunteer, champion):
    assert client_for(volunteer).get(reverse("champions:profile")).status_code == 200
    assert not _views().exists()


def test_hours_logged_and_deleted_keep_before_and_after(link_worker, champion):
    entry = hours_log_create(
        champion=champion,
        by=link_worker,
        on=timezone.localdate(),
        hours=Decimal("2.5"),
        activity="Welcomed newcomers",
    )
    created = AuditLog.objects.get(action="create", object_type="champions.hourslog")
    assert created.user == link_worker
    assert created.changes["hours"] == [None, "2.5"]
    hours_log_delete(entry=entry, by=link_worker)
    deleted = AuditLog.objects.get(action="delete", object_type="champions.hourslog")
    assert deleted.changes["activity"] == ["Welcomed newcomers", None]
    assert deleted.user == link_worker


def test_volunteer_changing_their_details_keeps_before_and_after(client_for, volunteer, champion):
    old_phone = champion.phone
    client_for(volunteer).post(
        reverse("champions:profile"),
        {"phone": "07700 900123", "email": champion.email or "v@example.org"},
    )
    entry = AuditLog.objects.filter(action="update", object_type="champions.champion").get()
    assert entry.user == volunteer
    assert entry.changes["phone"] == [old_phone, "07700 900123"]
    assert "07700" not in entry.detail

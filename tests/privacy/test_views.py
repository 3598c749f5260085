"""The subject rights pages: administrators only; bad input is explained and changes nothing."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.urls import reverse

from privacy.models import ErasureRecord, MergeRecord, MergeState
from referrals.models import Person, Referral
from socialrx.models import AuditLog
from tests.referrals.factories import PersonFactory, ReferralFactory

pytestmark = pytest.mark.django_db

FORBIDDEN = ["link_worker", "practice_staff", "volunteer", "commissioner"]


@pytest.fixture
def merge(record, admin_user):
    from privacy.services.merge import person_merge

    duplicate = PersonFactory()
    ReferralFactory(person=duplicate)
    return person_merge(kept=record.person, duplicate=duplicate, by=admin_user)


@pytest.fixture
def pages(record, merge):
    pk = record.person.pk
    return [
        reverse("privacy:home"),
        reverse("privacy:person", args=[pk]),
        reverse("privacy:export", args=[pk]),
        reverse("privacy:export_json", args=[pk]),
        reverse("privacy:erase", args=[pk]),
        reverse("privacy:merge", args=[pk]),
        reverse("privacy:merge_detail", args=[merge.pk]),
        reverse("privacy:retention"),
    ]


def _counts():
    """Rows in every table but the sign-in bookkeeping (sessions, login attempts)."""
    return {
        m: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label not in ("sessions", "axes")
    }


def test_administrator_opens_every_page(client_for, admin_user, pages):
    client = client_for(admin_user)
    for url in pages:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", FORBIDDEN)
def test_other_roles_get_404_and_change_nothing(request, client_for, role, pages, record, merge):
    client = client_for(request.getfixturevalue(role))
    for url in pages:
        assert client.get(url).status_code == 404, url
    before = _counts()
    pk = record.person.pk
    posts = [
        (
            reverse("privacy:erase", args=[pk]),
            {"reason_category": "other", "reason": "x", "confirm": "on"},
        ),
        (reverse("privacy:merge", args=[pk]), {"duplicate": merge.duplicate_id, "confirm": "on"}),
        (reverse("privacy:merge_undo", args=[merge.pk]), {}),
        (reverse("privacy:merge_confirm", args=[merge.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert _counts() == before
    assert not AuditLog.objects.filter(action=AuditLog.Action.EXPORT).exists()


def test_anonymous_visitors_are_sent_to_sign_in(anon_client, pages, merge):
    for url in [*pages, reverse("privacy:merge_undo", args=[merge.pk])]:
        response = anon_client.get(url) if "undo" not in url else anon_client.post(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))
    merge.refresh_from_db()
    assert merge.state == MergeState.PENDING


def test_links_are_shown_to_administrators_only(client_for, admin_user, link_worker, record):
    person_page = reverse("referrals:person", args=[record.person.pk])
    link = reverse("privacy:person", args=[record.person.pk])
    assert link in client_for(admin_user).get(person_page).content.decode()
    assert link not in client_for(link_worker).get(person_page).content.decode()
    home = client_for(admin_user).get(reverse("socialrx:admin_home")).content.decode()
    assert reverse("privacy:home") in home


def test_exports_are_audited_and_the_json_file_is_named_by_id(client_for, admin_user, record):
    client = client_for(admin_user)
    pk = record.person.pk
    page = client.get(reverse("privacy:export", args=[pk]))
    assert "Zebedee likes birds" in page.content.decode()
    download = client.get(reverse("privacy:export_json", args=[pk]))
    assert download["Content-Disposition"] == f'attachment; filename="subject-access-{pk}.json"'
    data = json.loads(download.content)
    assert data["person_id"] == pk
    details = sorted(
        AuditLog.objects.filter(action=AuditLog.Action.EXPORT, person_id=pk).values_list(
            "detail", flat=True
        )
    )
    assert details == ["subject access (html)", "subject access (json)"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "By letter", "confirm": "on"}, "Choose why the record is being erased"),
        ({"reason_category": "other", "confirm": "on"}, "Say why the record is being erased"),
        ({"reason_category": "other", "reason": "By letter"}, "Confirm that you understand"),
        ({"reason_category": "retention", "reason": "x", "confirm": "on"}, "Select a valid choice"),
        (
            {"reason_category": "other", "reason": "Zebedee wrote", "confirm": "on"},
            "remove the person&#x27;s name",
        ),
    ],
)
def test_erase_form_explains_bad_input_and_changes_nothing(
    client_for, admin_user, record, data, message
):
    before = _counts()
    response = client_for(admin_user).post(reverse("privacy:erase", args=[record.person.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "nhsuk-error-summary" in response.content.decode()
    assert _counts() == before


def test_erase_form_erases_and_says_the_reference(client_for, admin_user, record):
    client = client_for(admin_user)
    response = client.post(
        reverse("privacy:erase", args=[record.person.pk]),
        {
            "reason_category": "subject_request",
            "reason": "Letter, identity checked",
            "confirm": "on",
        },
        follow=True,
    )
    erasure = ErasureRecord.objects.get()
    assert erasure.reference in response.content.decode()
    assert not Person.objects.filter(pk=record.person.pk).exists()
    assert "Zebedee" not in response.content.decode()


@pytest.mark.parametrize(
    ("duplicate", "message"),
    [
        ("", "Enter the id of the duplicate record"),
        ("abc", "Enter the id as a whole number"),
        ("999999", "There is no record with that id"),
    ],
)
def test_merge_form_explains_bad_input_and_changes_nothing(
    client_for, admin_user, record, duplicate, message
):
    before = _counts()
    response = client_for(admin_user).post(
        reverse("privacy:merge", args=[record.person.pk]), {"duplicate": duplicate, "confirm": "on"}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _counts() == before


def test_merge_undo_and_confirm_through_the_pages(client_for, admin_user, record):
    client = client_for(admin_user)
    duplicate = PersonFactory()
    referral = ReferralFactory(person=duplicate)
    response = client.post(
        reverse("privacy:merge", args=[record.person.pk]),
        {"duplicate": duplicate.pk, "confirm": "on"},
    )
    merge = MergeRecord.objects.get(state=MergeState.PENDING)
    assert response["Location"] == reverse("privacy:merge_detail", args=[merge.pk])
    assert Referral.objects.get(pk=referral.pk).person_id == record.person.pk
    client.post(reverse("privacy:merge_undo", args=[merge.pk]))
    assert Referral.objects.get(pk=referral.pk).person_id == duplicate.pk
    # An undone merge cannot then be confirmed.
    response = client.post(reverse("privacy:merge_confirm", args=[merge.pk]))
    assert response.status_code == 409
    assert Person.objects.filter(pk=duplicate.pk).exists()
    assert client.get(reverse("privacy:merge_undo", args=[merge.pk])).status_code == 405


def test_retention_page_lists_ids_not_names(client_for, admin_user, settings):
    import datetime as dt

    from django.utils import timezone

    settings.RETENTION_YEARS_AFTER_CLOSURE = 1
    person = PersonFactory(given_name="Retained", family_name="Pastdue")
    ReferralFactory(
        person=person,
        status="closed",
        received_on=timezone.localdate() - dt.timedelta(days=900),
        closed_on=timezone.localdate() - dt.timedelta(days=800),
    )
    content = client_for(admin_user).get(reverse("privacy:retention")).content.decode()
    assert reverse("privacy:person", args=[person.pk]) in content
    assert "Pastdue" not in content
    assert Person.objects.filter(pk=person.pk).exists()


def test_django_admin_cannot_delete_people_or_touch_erasure_records(client_for, admin_user, record):
    admin_user.is_superuser = True
    admin_user.save()
    client = client_for(admin_user)
    pk = record.person.pk
    assert client.get(reverse("admin:referrals_person_delete", args=[pk])).status_code == 403
    assert (
        client.post(
            reverse("admin:referrals_person_delete", args=[pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert Person.objects.filter(pk=pk).exists()
    erasure = ErasureRecord.objects.create(person_id=1, reason_category="other", reason="test")
    assert (
        client.post(
            reverse("admin:privacy_erasurerecord_delete", args=[erasure.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    response = client.post(
        reverse("admin:privacy_erasurerecord_change", args=[erasure.pk]), {"reason": "changed"}
    )
    assert response.status_code in (200, 403)
    erasure.refresh_from_db()
    assert erasure.reason == "test"
    assert ErasureRecord.objects.filter(pk=erasure.pk).exists()


def test_list_pages_take_a_fixed_number_of_queries(
    client_for, admin_user, django_assert_max_num_queries, settings
):
    import datetime as dt

    from django.utils import timezone

    from privacy.services.merge import person_merge

    settings.RETENTION_YEARS_AFTER_CLOSURE = 1
    ended = timezone.localdate() - dt.timedelta(days=800)
    for _ in range(5):
        kept, duplicate = PersonFactory(), PersonFactory()
        person_merge(kept=kept, duplicate=duplicate, by=admin_user)
        ErasureRecord.objects.create(person_id=1, reason_category="other", reason="test")
        ReferralFactory(status="closed", received_on=ended, closed_on=ended)
    client = client_for(admin_user)
    for name in ("privacy:home", "privacy:retention"):
        with django_assert_max_num_queries(12):
            assert client.get(reverse(name)).status_code == 200

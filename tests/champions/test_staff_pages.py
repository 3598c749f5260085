"""Link workers' and administrators' volunteer pages: list, detail, records, training."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from champions.models import Champion, ChampionRole, TrainingRecord
from socialrx.models import AuditLog
from tests.champions.factories import (
    ChampionFactory,
    EventFactory,
    HoursLogFactory,
    TrainingRecordFactory,
)

pytestmark = pytest.mark.django_db


def _read_urls(champion):
    return [
        reverse("champions:list"),
        reverse("champions:detail", args=[champion.pk]),
        reverse("champions:champion_certificate", args=[champion.pk]),
    ]


def _change_urls(champion):
    return [
        reverse("champions:training_add", args=[champion.pk]),
        reverse("champions:hours_add_for", args=[champion.pk]),
    ]


def _staff_urls(champion):
    return _read_urls(champion) + _change_urls(champion)


@pytest.mark.parametrize("persona", ["link_worker", "other_link_worker", "admin_user"])
def test_link_workers_and_admins_reach_staff_pages(request, client_for, champion, persona):
    client = client_for(request.getfixturevalue(persona))
    for url in _read_urls(champion):
        assert client.get(url).status_code == 200, url


def test_admins_reach_the_pages_that_change_a_volunteer_record(client_for, admin_user, champion):
    client = client_for(admin_user)
    for url in _change_urls(champion):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", ["link_worker", "other_link_worker"])
def test_link_workers_read_volunteer_records_but_add_no_training_or_hours(
    request, client_for, champion, persona
):
    from champions.models import HoursLog

    client = client_for(request.getfixturevalue(persona))
    detail = client.get(reverse("champions:detail", args=[champion.pk])).content.decode()
    for url in _change_urls(champion):
        assert url not in detail
        assert client.get(url).status_code == 403, url
    training = client.post(
        reverse("champions:training_add", args=[champion.pk]),
        {"course": "First aid", "completed_on": "2026-06-01", "hours": "3"},
    )
    hours = client.post(
        reverse("champions:hours_add_for", args=[champion.pk]),
        {"on": timezone.localdate().isoformat(), "hours": "3", "activity": "Ran the lunch club"},
    )
    assert (training.status_code, hours.status_code) == (403, 403)
    assert not TrainingRecord.objects.exists()
    assert not HoursLog.objects.exists()


@pytest.mark.parametrize(
    "persona", ["volunteer", "practice_staff", "other_practice_staff", "commissioner"]
)
def test_others_do_not_see_individual_volunteers(request, client_for, champion, persona):
    client = client_for(request.getfixturevalue(persona))
    for url in [
        *_staff_urls(champion),
        reverse("champions:create"),
        reverse("champions:edit", args=[champion.pk]),
    ]:
        assert client.get(url).status_code == 404, url


def test_anonymous_visitor_is_sent_to_login_from_staff_pages(anon_client, champion):
    for url in _staff_urls(champion):
        response = anon_client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_list_searches_and_filters(client_for, link_worker):
    ChampionFactory(given_name="Olu", family_name="Walker", role=ChampionRole.GROUP_LEADER)
    ChampionFactory(given_name="Pat", family_name="Walker", active=False)
    ChampionFactory(given_name="Quinn", family_name="Baker", home_organisation="Walker's Trust")
    client = client_for(link_worker)

    content = client.get(reverse("champions:list"), {"q": "walker"}).content.decode()
    assert "3 volunteers" in content

    content = client.get(
        reverse("champions:list"), {"q": "walker", "role": "group_leader"}
    ).content.decode()
    assert "Olu Walker" in content and "Pat Walker" not in content

    content = client.get(reverse("champions:list"), {"active": "no"}).content.decode()
    assert "Pat Walker" in content and "Olu Walker" not in content


def test_list_shows_total_hours_with_decimals(client_for, link_worker, champion):
    HoursLogFactory(champion=champion, hours=Decimal("1.5"))
    HoursLogFactory(champion=champion, hours=Decimal("2"))
    EventFactory(champion=champion, hours=Decimal("0.5"))
    content = client_for(link_worker).get(reverse("champions:list")).content.decode()
    assert "</span>4</td>" in content


def test_list_query_count_does_not_grow_with_volunteers(
    client_for, link_worker, practice_a, django_assert_num_queries
):
    client = client_for(link_worker)

    def make(n):
        for _ in range(n):
            c = ChampionFactory(home_practice=practice_a)
            HoursLogFactory(champion=c)
            EventFactory(champion=c)

    make(3)
    with django_assert_num_queries(5) as few:  # with the audit entry
        client.get(reverse("champions:list"))
    make(20)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("champions:list"))
    assert "23 volunteers" in response.content.decode()


def test_detail_shows_record_and_is_audited(client_for, link_worker, champion, kept_group):
    TrainingRecordFactory(champion=champion, course="Listening skills")
    HoursLogFactory(champion=champion, activity="Welcomed newcomers")
    response = client_for(link_worker).get(reverse("champions:detail", args=[champion.pk]))
    content = response.content.decode()
    assert "Listening skills" in content
    assert "Welcomed newcomers" in content
    assert "Canal walkers" in content
    assert "Change the volunteer record" not in content  # administrators only
    assert AuditLog.objects.filter(
        user=link_worker,
        action="view",
        object_type="champions.champion",
        object_id=str(champion.pk),
    ).exists()


def test_unknown_volunteer_is_not_found(client_for, link_worker):
    assert (
        client_for(link_worker).get(reverse("champions:detail", args=[999999])).status_code == 404
    )


# --- administrators create and change records ---------------------------------------------


@pytest.mark.parametrize("persona", ["link_worker", "volunteer", "commissioner"])
def test_only_administrators_create_champion_records(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    response = client.post(
        reverse("champions:create"), {"given_name": "Rae", "role": "health_champion"}
    )
    assert response.status_code == 404
    assert not Champion.objects.filter(given_name="Rae").exists()


def test_admin_creates_a_champion_record(client_for, admin_user, practice_a):
    response = client_for(admin_user).post(
        reverse("champions:create"),
        {
            "given_name": "Rae",
            "family_name": "Newby",
            "role": "community_connector",
            "home_practice": practice_a.pk,
            "started_on": "2026-01-10",
            "active": "on",
        },
    )
    champion = Champion.objects.get(given_name="Rae")
    assert response.status_code == 302
    assert response["Location"] == reverse("champions:detail", args=[champion.pk])
    assert champion.home_base == practice_a.name
    assert AuditLog.objects.filter(action="create", object_id=str(champion.pk)).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"given_name": ""}, "Enter a first name"),
        ({"started_on": "2026-05-01", "ended_on": "2026-04-01"}, "must be after the date"),
        ({"home_organisation": "Food bank"}, "not both"),
    ],
)
def test_admin_bad_champion_input_is_refused(client_for, admin_user, practice_a, data, message):
    post = {
        "given_name": "Sam",
        "role": "group_leader",
        "home_practice": practice_a.pk,
        **data,
    }
    response = client_for(admin_user).post(reverse("champions:create"), post)
    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content and message in content
    assert not Champion.objects.exists()


def test_admin_edits_a_champion_record(client_for, admin_user, champion, volunteer):
    response = client_for(admin_user).post(
        reverse("champions:edit", args=[champion.pk]),
        {
            "given_name": "Eve",
            "family_name": "Helper",
            "role": "group_leader",
            "user": volunteer.pk,
            "home_organisation": "Canal Trust",
        },
    )
    assert response.status_code == 302
    champion.refresh_from_db()
    assert champion.role == "group_leader"
    assert champion.active is False  # unticked
    assert champion.user == volunteer
    log = AuditLog.objects.get(action="update", object_type="champions.champion")
    assert "role" in log.detail


# --- training ------------------------------------------------------------------------------


def test_admin_adds_training(client_for, admin_user, champion):
    response = client_for(admin_user).post(
        reverse("champions:training_add", args=[champion.pk]),
        {
            "course": "Mental health first aid",
            "completed_on": "2026-06-01",
            "hours": "12",
            "qualification": "MHFA England",
        },
    )
    assert response.status_code == 302
    record = TrainingRecord.objects.get(champion=champion)
    assert record.hours == Decimal("12")
    assert record.recorded_by == admin_user


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"hours": "-3"}, "Hours must be 0 or more"),
        (
            {"completed_on": (timezone.localdate() + dt.timedelta(days=5)).isoformat()},
            "today or in the past",
        ),
        ({"course": ""}, "Enter the course name"),
    ],
)
def test_bad_training_is_refused(client_for, admin_user, champion, data, message):
    post = {"course": "First aid", "completed_on": "2026-06-01", "hours": "3", **data}
    response = client_for(admin_user).post(
        reverse("champions:training_add", args=[champion.pk]), post
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TrainingRecord.objects.exists()


def test_volunteer_cannot_add_training_to_own_record(client_for, volunteer, champion):
    response = client_for(volunteer).post(
        reverse("champions:training_add", args=[champion.pk]),
        {"course": "Self-awarded", "completed_on": "2026-06-01", "hours": "100"},
    )
    assert response.status_code == 404
    assert not TrainingRecord.objects.exists()


def test_admin_logs_hours_for_a_volunteer_without_a_login(client_for, admin_user):
    from champions.models import HoursLog

    champion = ChampionFactory(given_name="Uma")
    url = reverse("champions:hours_add_for", args=[champion.pk])
    client = client_for(admin_user)
    bad = client.post(url, {"on": timezone.localdate().isoformat(), "hours": "-1", "activity": "x"})
    assert "Hours must be more than 0" in bad.content.decode()
    assert not HoursLog.objects.exists()
    response = client.post(
        url,
        {"on": timezone.localdate().isoformat(), "hours": "3", "activity": "Ran the lunch club"},
    )
    assert response.status_code == 302
    assert HoursLog.objects.get(champion=champion).hours == Decimal("3")


@pytest.mark.parametrize("persona", ["volunteer", "practice_staff", "commissioner"])
def test_others_cannot_log_hours_for_a_volunteer(request, client_for, persona):
    from champions.models import HoursLog

    champion = ChampionFactory()
    response = client_for(request.getfixturevalue(persona)).post(
        reverse("champions:hours_add_for", args=[champion.pk]),
        {"on": timezone.localdate().isoformat(), "hours": "3", "activity": "x"},
    )
    assert response.status_code == 404
    assert not HoursLog.objects.exists()


def test_admin_gives_a_volunteer_a_login(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    from django.core import mail

    from socialrx.models import Role, User

    champion = ChampionFactory(given_name="Vic", email="vic@example.org")
    url = reverse("champions:login_create", args=[champion.pk])
    client = client_for(admin_user)
    assert 'value="vic@example.org"' in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": "Vic@Example.org"})
    assert response.status_code == 302
    champion.refresh_from_db()
    assert champion.user.username == "vic@example.org"
    assert champion.user.role == Role.VOLUNTEER
    assert User.objects.filter(username="vic@example.org").count() == 1
    assert mail.outbox[0].to == ["vic@example.org"]


def test_login_with_an_email_in_use_is_refused(client_for, admin_user, volunteer):
    champion = ChampionFactory()
    response = client_for(admin_user).post(
        reverse("champions:login_create", args=[champion.pk]), {"email": "VOL_EVE"}
    )
    assert "Enter an email address" in response.content.decode()
    volunteer.username = "eve@example.org"
    volunteer.save()
    response = client_for(admin_user).post(
        reverse("champions:login_create", args=[champion.pk]), {"email": "eve@example.org"}
    )
    assert response.status_code == 200
    assert "already a login with this email" in response.content.decode()
    champion.refresh_from_db()
    assert champion.user is None


@pytest.mark.parametrize("persona", ["link_worker", "volunteer", "commissioner"])
def test_only_administrators_give_logins(request, client_for, persona):
    champion = ChampionFactory()
    response = client_for(request.getfixturevalue(persona)).post(
        reverse("champions:login_create", args=[champion.pk]), {"email": "x@example.org"}
    )
    assert response.status_code == 404
    champion.refresh_from_db()
    assert champion.user is None

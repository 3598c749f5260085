"""The volunteer's own pages: who may see them, logging hours and events, bad input, htmx."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from champions.models import Event, EventKind, HoursLog
from socialrx.models import AuditLog
from tests.champions.factories import EventFactory, HoursLogFactory, TrainingRecordFactory
from tests.socialrx.factories import VolunteerUserFactory

pytestmark = pytest.mark.django_db

OWN_PAGES = [
    "champions:profile",
    "champions:training",
    "champions:hours",
    "champions:events",
    "champions:groups",
    "champions:referrals",
    "champions:certificate",
]


@pytest.mark.parametrize("name", OWN_PAGES)
def test_anonymous_visitor_is_sent_to_login(anon_client, name):
    response = anon_client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", OWN_PAGES)
@pytest.mark.parametrize("persona", ["link_worker", "practice_staff", "commissioner", "admin_user"])
def test_only_volunteers_reach_their_own_pages(request, client_for, name, persona):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(reverse(name)).status_code == 404


@pytest.mark.parametrize("name", OWN_PAGES)
def test_volunteer_without_a_record_gets_not_found(client_for, name):
    user = VolunteerUserFactory(username="vol_new")
    assert client_for(user).get(reverse(name)).status_code == 404


def test_home_shows_own_totals_groups_and_referral_count(
    client_for, volunteer, champion, kept_group, community_referral, other_volunteer
):
    HoursLogFactory(champion=champion, hours=Decimal("2.5"))
    EventFactory(champion=champion, hours=Decimal("3"))
    HoursLogFactory(champion=other_volunteer.champion, hours=Decimal("20"))
    response = client_for(volunteer).get(reverse("champions:home"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Hello Eve" in content
    assert "<strong>5.5</strong> hours volunteering" in content
    assert "Canal walkers" in content
    assert "made 1 community referral." in content


def test_home_for_volunteer_without_record_explains(client_for):
    user = VolunteerUserFactory(username="vol_new")
    response = client_for(user).get(reverse("champions:home"))
    assert response.status_code == 200
    assert "has not been set up yet" in response.content.decode()


def test_home_sends_link_worker_to_the_volunteers_list(client_for, link_worker):
    response = client_for(link_worker).get(reverse("champions:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("champions:list")


@pytest.mark.parametrize("persona", ["practice_staff", "commissioner"])
def test_home_is_not_found_for_practice_staff_and_commissioners(request, client_for, persona):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(reverse("champions:home")).status_code == 404


def test_home_query_count_does_not_grow(
    client_for, volunteer, champion, kept_group, community_referral, django_assert_num_queries
):
    from tests.assets.factories import AssetFactory
    from tests.referrals.factories import ReferralFactory

    client = client_for(volunteer)

    def add(n):
        for _ in range(n):
            HoursLogFactory(champion=champion)
            EventFactory(champion=champion)
            TrainingRecordFactory(champion=champion)
            AssetFactory().maintainers.add(volunteer)
            ReferralFactory(person__practice=None, referred_by=volunteer)

    add(1)
    with django_assert_num_queries(9) as few:
        client.get(reverse("champions:home"))
    add(10)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("champions:home"))
    assert "made 12 community referrals." in response.content.decode()


# --- hours --------------------------------------------------------------------------------


def test_volunteer_logs_hours_without_javascript(client_for, volunteer, champion, kept_group):
    response = client_for(volunteer).post(
        reverse("champions:hours"),
        {
            "on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
            "hours": "1.5",
            "activity": "Set up the tea urn",
            "asset": kept_group.pk,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("champions:hours")
    entry = HoursLog.objects.get(champion=champion)
    assert entry.hours == Decimal("1.5")
    assert entry.asset == kept_group
    assert AuditLog.objects.filter(
        object_type="champions.hourslog", object_id=str(entry.pk), action="create"
    ).exists()


def test_volunteer_logs_hours_with_htmx_gets_the_panel(client_for, volunteer, champion):
    response = client_for(volunteer).post(
        reverse("champions:hours"),
        {"on": timezone.localdate().isoformat(), "hours": "2", "activity": "Phoned new members"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="activity-panel">')
    assert "<h1>" not in content
    assert "Your hours have been saved." in content
    assert "Phoned new members" in content
    assert HoursLog.objects.filter(champion=champion).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"hours": "-2"}, "Hours must be more than 0"),
        ({"hours": "0"}, "Hours must be more than 0"),
        ({"hours": "30"}, "Hours must be 24 or fewer for one day"),
        ({"hours": "lots"}, "Hours must be a number, like 2 or 1.5"),
        ({"on": (timezone.localdate() + dt.timedelta(days=2)).isoformat()}, "today or in the past"),
        ({"activity": ""}, "Enter what you did"),
    ],
)
def test_bad_hours_are_refused_with_a_message(client_for, volunteer, champion, data, message):
    post = {"on": timezone.localdate().isoformat(), "hours": "2", "activity": "Helped out", **data}
    for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client_for(volunteer).post(reverse("champions:hours"), post, **htmx)
        assert response.status_code == 200
        content = response.content.decode()
        assert "There is a problem" in content
        assert message in content
    assert not HoursLog.objects.exists()


def test_volunteer_cannot_tag_hours_with_a_group_they_do_not_keep(
    client_for, volunteer, champion, kept_group
):
    from tests.assets.factories import AssetFactory

    other_group = AssetFactory(name="Someone else's choir")
    response = client_for(volunteer).post(
        reverse("champions:hours"),
        {
            "on": timezone.localdate().isoformat(),
            "hours": "1",
            "activity": "x",
            "asset": other_group.pk,
        },
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not HoursLog.objects.exists()


def test_hours_page_lists_only_own_entries(client_for, volunteer, champion, other_volunteer):
    HoursLogFactory(champion=champion, activity="My own shift")
    HoursLogFactory(champion=other_volunteer.champion, activity="Finn's shift")
    content = client_for(volunteer).get(reverse("champions:hours")).content.decode()
    assert "My own shift" in content
    assert "Finn&#x27;s shift" not in content and "Finn's shift" not in content


def test_volunteer_removes_own_hours_with_htmx(client_for, volunteer, champion):
    entry = HoursLogFactory(champion=champion)
    response = client_for(volunteer).post(
        reverse("champions:hours_delete", args=[entry.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.content == b""
    assert not HoursLog.objects.filter(pk=entry.pk).exists()


def test_volunteer_removes_own_hours_without_javascript(client_for, volunteer, champion):
    entry = HoursLogFactory(champion=champion)
    response = client_for(volunteer).post(reverse("champions:hours_delete", args=[entry.pk]))
    assert response.status_code == 302
    assert not HoursLog.objects.filter(pk=entry.pk).exists()


def test_another_volunteers_hours_are_not_found(client_for, volunteer, other_volunteer):
    entry = HoursLogFactory(champion=other_volunteer.champion)
    response = client_for(volunteer).post(reverse("champions:hours_delete", args=[entry.pk]))
    assert response.status_code == 404
    assert HoursLog.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("persona", ["link_worker", "admin_user", "commissioner"])
def test_staff_cannot_remove_a_volunteers_hours(request, client_for, champion, persona):
    entry = HoursLogFactory(champion=champion)
    user = request.getfixturevalue(persona)
    response = client_for(user).post(reverse("champions:hours_delete", args=[entry.pk]))
    assert response.status_code == 404
    assert HoursLog.objects.filter(pk=entry.pk).exists()


def test_removing_hours_needs_post(client_for, volunteer, champion):
    entry = HoursLogFactory(champion=champion)
    response = client_for(volunteer).get(reverse("champions:hours_delete", args=[entry.pk]))
    assert response.status_code == 405
    assert HoursLog.objects.filter(pk=entry.pk).exists()


# --- events -------------------------------------------------------------------------------


def test_volunteer_logs_a_celebration(client_for, volunteer, champion):
    response = client_for(volunteer).post(
        reverse("champions:events"),
        {
            "kind": EventKind.CELEBRATION,
            "title": "Walking group's first birthday",
            "on": timezone.localdate().isoformat(),
            "hours": "0",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Your event has been saved." in content
    assert "Celebration</strong>" in content
    event = Event.objects.get(champion=champion)
    assert event.kind == EventKind.CELEBRATION
    assert event.hours == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"hours": "-1"}, "Hours must be 0 or more"),
        ({"kind": "party"}, "Select a valid choice"),
        ({"title": ""}, "Enter a name"),
        ({"on": "2024-02-31"}, "Enter a real date"),
    ],
)
def test_bad_events_are_refused(client_for, volunteer, champion, data, message):
    post = {
        "kind": EventKind.COMMUNITY_EVENT,
        "title": "Fair",
        "on": timezone.localdate().isoformat(),
        "hours": "2",
        **data,
    }
    response = client_for(volunteer).post(reverse("champions:events"), post)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Event.objects.exists()


def test_another_volunteers_event_is_not_found(client_for, volunteer, other_volunteer):
    event = EventFactory(champion=other_volunteer.champion)
    response = client_for(volunteer).post(
        reverse("champions:event_delete", args=[event.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 404
    assert Event.objects.filter(pk=event.pk).exists()


def test_volunteer_removes_own_event(client_for, volunteer, champion):
    event = EventFactory(champion=champion)
    response = client_for(volunteer).post(reverse("champions:event_delete", args=[event.pk]))
    assert response.status_code == 302
    assert not Event.objects.filter(pk=event.pk).exists()


# --- profile, training, groups, certificate ----------------------------------------------


def test_volunteer_changes_contact_details_and_what_they_publish(client_for, volunteer, champion):
    response = client_for(volunteer).post(
        reverse("champions:profile"),
        {"phone": "07700 900123", "email": "eve@example.org", "publish_name": "on"},
    )
    assert response.status_code == 302
    champion.refresh_from_db()
    assert champion.phone == "07700 900123"
    assert champion.publish_name is True
    assert champion.publish_phone is False
    log = AuditLog.objects.get(object_type="champions.champion", action="update")
    assert "phone" in log.detail and "07700" not in log.detail


def test_volunteer_cannot_change_their_role_through_the_profile(client_for, volunteer, champion):
    client_for(volunteer).post(
        reverse("champions:profile"),
        {"phone": "", "email": "", "role": "group_leader", "given_name": "Mallory"},
    )
    champion.refresh_from_db()
    assert champion.role == "health_champion"
    assert champion.given_name == "Eve"


def test_bad_email_on_profile_is_refused(client_for, volunteer, champion):
    response = client_for(volunteer).post(
        reverse("champions:profile"), {"phone": "1", "email": "not-an-email"}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    champion.refresh_from_db()
    assert champion.phone == ""


def test_training_page_shows_own_training_only(client_for, volunteer, champion, other_volunteer):
    TrainingRecordFactory(champion=champion, course="Mental health first aid")
    TrainingRecordFactory(champion=other_volunteer.champion, course="Food hygiene")
    content = client_for(volunteer).get(reverse("champions:training")).content.decode()
    assert "Mental health first aid" in content
    assert "Food hygiene" not in content


def test_groups_page_lists_kept_groups_only(client_for, volunteer, champion, kept_group):
    from tests.assets.factories import AssetFactory

    AssetFactory(name="Not mine knitting")
    content = client_for(volunteer).get(reverse("champions:groups")).content.decode()
    assert "Canal walkers" in content
    assert "Not mine knitting" not in content


def test_certificate_totals_hours_events_and_training(client_for, volunteer, champion):
    HoursLogFactory(champion=champion, hours=Decimal("2"), on=dt.date(2026, 1, 5))
    HoursLogFactory(champion=champion, hours=Decimal("1.5"), on=dt.date(2026, 3, 1))
    EventFactory(champion=champion, hours=Decimal("4"), on=dt.date(2026, 2, 1))
    TrainingRecordFactory(champion=champion, course="Induction", hours=Decimal("6"))
    content = client_for(volunteer).get(reverse("champions:certificate")).content.decode()
    assert '<dd class="nhsuk-summary-list__value" id="certificate-hours">7.5</dd>' in content
    assert "5 January 2026 to 1 March 2026" in content
    assert "Induction" in content
    assert "data-sx-print" in content


def test_groups_page_links_to_the_directory_edit_and_confirm_pages(
    client_for, volunteer, champion, kept_group
):
    content = client_for(volunteer).get(reverse("champions:groups")).content.decode()
    assert f'href="{reverse("assets:edit", args=[kept_group.pk])}"' in content
    assert f'href="{reverse("assets:confirm", args=[kept_group.pk])}"' in content


def test_htmx_get_of_the_events_page_returns_the_panel(client_for, volunteer, champion):
    EventFactory(champion=champion, title="Harvest supper")
    response = client_for(volunteer).get(reverse("champions:events"), HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="activity-panel">')
    assert "Harvest supper" in content
    assert "<html" not in content


def test_htmx_history_restore_gets_the_whole_page(client_for, volunteer, champion):
    response = client_for(volunteer).get(
        reverse("champions:hours"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in response.content.decode()


def test_groups_include_those_the_volunteer_started(client_for, volunteer, champion, kept_group):
    from tests.assets.factories import AssetFactory

    started = AssetFactory(name="Chess in the library", started_by_user=volunteer)
    kept_group.started_by_user = volunteer  # kept and started: listed once
    kept_group.save()
    content = client_for(volunteer).get(reverse("champions:groups")).content.decode()
    assert started.name in content
    assert content.count(">Canal walkers</h2>") == 1


def test_groups_include_one_started_while_they_were_referred(client_for, volunteer, champion):
    from champions.models import GroupStartedByPerson
    from tests.assets.factories import AssetFactory
    from tests.referrals.factories import PersonFactory

    champion.person = PersonFactory()
    champion.save(update_fields=["person"])
    started = AssetFactory(name="Knit and natter", started_by="referred_person")
    GroupStartedByPerson.objects.create(asset=started, person=champion.person)
    AssetFactory(name="Someone else's group")
    content = client_for(volunteer).get(reverse("champions:groups")).content.decode()
    assert started.name in content
    assert "Someone else" not in content

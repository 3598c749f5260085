"""The person's plan, to print and give them: goals, the groups agreed with when, where, who
to ask for, cost and access, and how to reach their link worker."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals.models import ConnectionOutcome, GoalStatus
from socialrx.models import AuditLog
from tests.assets.factories import AssetFactory, SessionFactory
from tests.referrals.factories import ConnectionFactory, ConversationFactory, GoalFactory

pytestmark = pytest.mark.django_db


def _url(person):
    return reverse("referrals:person_plan", args=[person.pk])


@pytest.fixture
def choir(db):
    asset = AssetFactory(
        name="Canal Street Choir",
        venue_name="St Mark's Hall",
        address="12 Canal Street, Manchester",
        postcode="M1 3AB",
        schedule_text="Every Tuesday in term time",
        ask_for="Joan at the door",
        is_free=False,
        cost="£2 a week, first session free",
        step_free=True,
        hearing_loop=False,
        little_talking=True,
        getting_there="Bus 86 to Canal Street",
        contact_phone="0161 496 0000",
    )
    SessionFactory(asset=asset, weekday=1, starts_at=dt.time(10, 30), ends_at=dt.time(12, 0))
    return asset


@pytest.fixture
def planned(person, referral, link_worker, choir):
    link_worker.email = "anna.link@nhs.example"
    link_worker.save()
    GoalFactory(person=person, description="Sing with other people")
    GoalFactory(person=person, description="Learn to swim", status=GoalStatus.CHANGED_MIND)
    ConnectionFactory(person=person, asset=choir)
    ConnectionFactory(
        person=person,
        asset=AssetFactory(name="Bingo night"),
        outcome=ConnectionOutcome.DID_NOT_ATTEND,
    )
    ConversationFactory(
        person=person, what_matters="Meeting people", life_areas=["loneliness", "activity"]
    )
    return person


def test_the_plan_is_in_plain_words_with_everything_the_person_needs(
    client_for, link_worker, planned, settings
):
    settings.SERVICE_PHONE = "0161 000 1111"
    response = client_for(link_worker).get(_url(planned))
    assert response.status_code == 200
    content = html.unescape(response.content.decode())
    plan = content.split('id="plan"', 1)[1]
    assert "Your plan, Maria" in plan
    # Goals, but not the ones they changed their mind about.
    assert "Sing with other people" in plan and "Learn to swim" not in plan
    assert "How it is going: Not started yet" in plan
    # The group agreed, with when, where, who to ask for, cost and access.
    for text in (
        "Canal Street Choir",
        "Tuesday 10:30–12:00",
        "Every Tuesday in term time",
        "St Mark's Hall",
        "12 Canal Street, Manchester",
        "Bus 86 to Canal Street",
        "Joan at the door",
        "£2 a week, first session free",
        "Step-free access: Yes",
        "Hearing loop: No",
        "Accessible toilet: Not known",
        "Little talking needed",
        "0161 496 0000",
    ):
        assert text in plan, text
    # Not a group they did not go to.
    assert "Bingo night" not in plan
    # What matters, and the life areas in words.
    assert "Meeting people" in plan
    assert "Loneliness and isolation" in plan and "Being active" in plan
    # How to reach the link worker.
    assert "Anna Link" in plan and "anna.link@nhs.example" in plan
    assert "Central link workers" in plan and "0161 000 1111" in plan


def test_the_plan_is_print_styled_without_inline_styles(client_for, link_worker, planned):
    content = client_for(link_worker).get(_url(planned)).content.decode()
    assert "css/plan.css" in content
    assert "data-sx-print" in content
    assert "style=" not in content and "<script>" not in content


def test_a_plan_with_nothing_agreed_yet_says_so(client_for, link_worker, person, referral):
    content = client_for(link_worker).get(_url(person)).content.decode()
    assert "We have not written down any goals yet." in content
    assert "We have not agreed any groups or activities yet." in content


def test_the_person_page_links_to_the_plan(client_for, link_worker, person, referral):
    content = client_for(link_worker).get(reverse("referrals:person", args=[person.pk]))
    assert _url(person) in content.content.decode()


def test_viewing_the_plan_is_audited(client_for, link_worker, planned):
    client_for(link_worker).get(_url(planned))
    entry = AuditLog.objects.filter(action="view", detail__contains="printable plan").get()
    assert entry.person_id == planned.pk


def test_an_administrator_may_print_it(client_for, admin_user, planned):
    assert client_for(admin_user).get(_url(planned)).status_code == 200


@pytest.mark.parametrize(
    "role", ["other_link_worker", "practice_staff", "volunteer", "commissioner"]
)
def test_others_may_not_see_it(request, client_for, planned, role):
    response = client_for(request.getfixturevalue(role)).get(_url(planned))
    assert response.status_code == 404
    assert "Sing with other people" not in response.content.decode()


def test_signed_out_is_sent_to_sign_in(anon_client, planned):
    response = anon_client.get(_url(planned))
    assert response.status_code == 302 and "login" in response["Location"]


def _plan_queries(client, person) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_url(person)).status_code == 200
    return len(queries)


def _add_groups_and_goals(person, n):
    for i in range(n):
        asset = AssetFactory()
        SessionFactory(asset=asset)
        SessionFactory(asset=asset, weekday=4)
        ConnectionFactory(person=person, asset=asset)
        GoalFactory(person=person, description=f"Goal {i}")


def test_the_plan_takes_a_fixed_number_of_queries(client_for, link_worker, person, referral):
    client = client_for(link_worker)
    _add_groups_and_goals(person, 2)
    few = _plan_queries(client, person)
    _add_groups_and_goals(person, 8)
    assert _plan_queries(client, person) == few

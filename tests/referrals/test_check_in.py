"""A check-in re-measures friends and wellbeing without a whole conversation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import Conversation, FriendsObservation, Ons4Response, SwemwbsResponse
from socialrx.models import AuditLog

pytestmark = pytest.mark.django_db

ONS4 = {
    "ons4_life_satisfaction": "7",
    "ons4_worthwhile": "6",
    "ons4_happiness": "5",
    "ons4_anxiety": "3",
}


def _url(person) -> str:
    return reverse("referrals:check_in", args=[person.pk])


def _post(client, person, **data):
    return client.post(_url(person), {"on": timezone.localdate().isoformat(), **data})


def _nothing_saved() -> bool:
    return not (
        FriendsObservation.objects.exists()
        or SwemwbsResponse.objects.exists()
        or Ons4Response.objects.exists()
    )


def test_friends_count_alone(client_for, link_worker, person):
    response = _post(client_for(link_worker), person, friends_count="3")
    assert response.status_code == 302
    row = FriendsObservation.objects.get()
    assert (row.person, row.friends_count, row.conversation) == (person, 3, None)
    assert not Conversation.objects.exists()
    assert AuditLog.objects.filter(
        person_id=person.pk, action="create", detail__contains="check-in"
    ).exists()


def test_ons4_and_swemwbs_alone_are_scored(client_for, link_worker, person):
    swemwbs = {f"swemwbs_{n}": "3" for n in range(1, 8)}
    response = _post(client_for(link_worker), person, **ONS4, **swemwbs)
    assert response.status_code == 302
    ons4 = Ons4Response.objects.get()
    assert (ons4.life_satisfaction, ons4.anxiety, ons4.conversation) == (7, 3, None)
    sw = SwemwbsResponse.objects.get()
    assert sw.raw_score == 21 and str(sw.metric_score) == "19.25"
    assert not FriendsObservation.objects.exists()


def test_an_ons4_answer_out_of_range_names_the_question(client_for, link_worker, person):
    response = _post(client_for(link_worker), person, **{**ONS4, "ons4_life_satisfaction": "11"})
    assert response.status_code == 400
    assert "How satisfied are you with your life nowadays? must be between 0 and 10" in (
        response.content.decode()
    )
    assert "nhsuk-error-summary" in response.content.decode()
    assert _nothing_saved()


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Enter the number of friends, or answer SWEMWBS or ONS4"),
        ({"friends_count": "-1"}, "How many friends could you call on? must be 0 or more"),
        ({"friends_count": "lots"}, "How many friends could you call on? must be a whole number"),
        ({"ons4_worthwhile": "5"}, "Answer all four ONS4 questions, or leave them all empty"),
        ({"swemwbs_1": "3"}, "Answer all seven SWEMWBS statements, or leave them all empty"),
        (
            {"ons4_anxiety": "x", "friends_count": "2"},
            "How anxious did you feel yesterday? must be between 0 and 10",
        ),
    ],
)
def test_bad_input_changes_nothing(client_for, link_worker, person, data, message):
    response = _post(client_for(link_worker), person, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _nothing_saved()


def test_a_future_date_is_refused(client_for, link_worker, person):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client_for(link_worker).post(_url(person), {"on": tomorrow, "friends_count": "2"})
    assert response.status_code == 400
    assert "must be today or in the past" in response.content.decode()
    assert _nothing_saved()


def test_the_person_page_offers_the_check_in(client_for, link_worker, person):
    content = client_for(link_worker).get(reverse("referrals:person", args=[person.pk]))
    assert _url(person) in content.content.decode()


def test_who_may_not_check_in(
    client_for, anon_client, other_link_worker, practice_staff, volunteer, commissioner, person
):
    assert anon_client.get(_url(person)).status_code == 302
    for user in (other_link_worker, practice_staff, volunteer, commissioner):
        assert client_for(user).get(_url(person)).status_code == 404
        assert _post(client_for(user), person, friends_count="2").status_code == 404
    assert _nothing_saved()

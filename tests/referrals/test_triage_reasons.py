"""Declining a referral takes a coded reason from a fixed list; the reason is kept on the
referral and carried in the message back to the referrer."""

from __future__ import annotations

import pytest
from django.urls import reverse

from referrals.models import EndReason, Feedback, Referral, ReferralStatus
from referrals.services.feedback import feedback_send
from referrals.services.status import referral_status_change
from tests.referrals.factories import ReferralFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(person, link_worker):
    return ReferralFactory(person=person, link_worker=link_worker, status=ReferralStatus.RECEIVED)


def _url(referral):
    return reverse("referrals:referral_status_change", args=[referral.pk])


def test_declining_with_a_coded_reason(client_for, link_worker, referral):
    response = client_for(link_worker).post(
        _url(referral),
        {"to_status": "declined", "from_status": "received", "end_reason": "not_appropriate"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    assert referral.end_reason == EndReason.NOT_APPROPRIATE


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "Choose why the referral is declined"), ("bored", "Select a valid choice")],
)
def test_declining_without_a_valid_reason_changes_nothing(
    client_for, link_worker, referral, reason, message
):
    response = client_for(link_worker).post(
        _url(referral), {"to_status": "declined", "from_status": "received", "end_reason": reason}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    referral.refresh_from_db()
    assert (referral.status, referral.end_reason) == (ReferralStatus.RECEIVED, "")


def test_accepting_needs_no_reason_and_keeps_none(client_for, link_worker, referral):
    client_for(link_worker).post(
        _url(referral),
        {"to_status": "contacted", "from_status": "received", "end_reason": "not_appropriate"},
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CONTACTED and referral.end_reason == ""


def test_service_refuses_an_unknown_code(referral, link_worker):
    with pytest.raises(Exception, match="Choose a reason from the list"):
        referral_status_change(
            referral=referral, to_status="declined", by=link_worker, end_reason="nope"
        )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED


@pytest.mark.parametrize(
    "persona", ["other_link_worker", "practice_staff", "volunteer", "commissioner"]
)
def test_others_may_not_decline(request, client_for, referral, persona):
    response = client_for(request.getfixturevalue(persona)).post(
        _url(referral),
        {"to_status": "declined", "from_status": "received", "end_reason": "not_appropriate"},
    )
    assert response.status_code in (403, 404)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED


def test_anonymous_is_sent_to_log_in(anon_client, referral):
    response = anon_client.post(_url(referral), {"to_status": "declined"})
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_message_back_carries_the_coded_reason(
    client_for, link_worker, practice_staff, referral
):
    referral_status_change(
        referral=referral,
        to_status="declined",
        by=link_worker,
        end_reason=EndReason.ALREADY_SUPPORTED,
    )
    referral = Referral.objects.get(pk=referral.pk)
    letter = feedback_send(
        referral=referral,
        by=link_worker,
        snomed_code=Feedback.Snomed.DECLINED,
        needs_and_concerns="Isolation",
        support_offered="None: supported by the community mental health team",
    )
    label = "Already supported by another service"
    page = client_for(link_worker).get(reverse("referrals:feedback_letter", args=[letter.pk]))
    assert label in page.content.decode()
    practice = client_for(practice_staff).get(
        reverse("referrals:practice_referral_detail", args=[referral.pk])
    )
    assert label in practice.content.decode()

"""Closing a case takes a coded outcome from a fixed list; it is kept on the referral and
carried in the message back to the referrer."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from referrals.models import CloseReason, Feedback, Referral, ReferralStatus
from referrals.services.feedback import feedback_send
from referrals.services.status import referral_close
from socialrx.models import AuditLog
from tests.referrals.factories import ReferralFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def referral(person, link_worker):
    return ReferralFactory(person=person, link_worker=link_worker, status=ReferralStatus.ACTIVE)


def _url(referral):
    return reverse("referrals:referral_close", args=[referral.pk])


def _data(**changes):
    return {
        "close_reason": "connected",
        "closure_outcome": "Goes to the choir every week",
        "closed_on": TODAY.isoformat(),
        "from_status": "active",
        **changes,
    }


def test_the_close_page_offers_every_coded_outcome(client_for, link_worker, referral):
    content = html.unescape(client_for(link_worker).get(_url(referral)).content.decode())
    for _, label in CloseReason.choices:
        assert label in content


def test_closing_with_a_coded_outcome(client_for, link_worker, referral):
    response = client_for(link_worker).post(_url(referral), _data(close_reason="moved_away"))
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.close_reason) == ("closed", CloseReason.MOVED_AWAY)
    entry = AuditLog.objects.get(object_type="referrals.referral", action="update")
    assert entry.changes["close_reason"] == ["", "moved_away"]


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Choose how the case ended"),
        ("felt_like_it", "Choose how the case ended from the list"),
    ],
)
def test_closing_without_a_listed_outcome_is_refused(
    client_for, link_worker, referral, reason, message
):
    response = client_for(link_worker).post(_url(referral), _data(close_reason=reason))
    assert response.status_code == 200
    content = html.unescape(response.content.decode())
    summary = content.split('class="nhsuk-error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'href="#id_close_reason"' in summary
    assert message in summary
    referral.refresh_from_db()
    assert (referral.status, referral.close_reason, referral.closed_on) == ("active", "", None)


def test_the_service_requires_a_listed_outcome(referral, link_worker):
    for reason in ("", "nope"):
        with pytest.raises(ValidationError) as error:
            referral_close(referral=referral, outcome="Done", reason=reason, by=link_worker)
        assert "close_reason" in error.value.message_dict
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACTIVE


@pytest.mark.parametrize(
    "persona", ["other_link_worker", "practice_staff", "volunteer", "commissioner"]
)
def test_others_may_not_close(request, client_for, referral, persona):
    response = client_for(request.getfixturevalue(persona)).post(_url(referral), _data())
    assert response.status_code in (403, 404)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACTIVE


def test_closing_from_a_stale_page_keeps_no_outcome(client_for, link_worker, referral):
    Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.WITHDRAWN, closed_on=TODAY)
    response = client_for(link_worker).post(_url(referral), _data(close_reason="died"))
    assert "is now withdrawn" in html.unescape(response.content.decode())
    referral.refresh_from_db()
    assert referral.close_reason == ""


def test_the_message_back_carries_the_coded_outcome(
    client_for, link_worker, practice_staff, referral
):
    referral_close(
        referral=referral, outcome="Joined the choir", reason="goals_met", by=link_worker
    )
    referral = Referral.objects.get(pk=referral.pk)
    letter = feedback_send(
        referral=referral,
        by=link_worker,
        snomed_code=Feedback.Snomed.REFERRED,
        needs_and_concerns="Isolation",
        support_offered="Choir",
    )
    label = CloseReason.GOALS_MET.label
    page = client_for(link_worker).get(reverse("referrals:feedback_letter", args=[letter.pk]))
    assert label in html.unescape(page.content.decode())
    practice = client_for(practice_staff).get(
        reverse("referrals:practice_referral_detail", args=[referral.pk])
    )
    assert label in html.unescape(practice.content.decode())
    person_page = client_for(link_worker).get(
        reverse("referrals:person", args=[referral.person_id])
    )
    assert label in html.unescape(person_page.content.decode())

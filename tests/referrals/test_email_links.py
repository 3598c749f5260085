"""Emails that point at a page link to that page (``SITE_URL`` + its path), not to the
site's front page, and carry no personal data."""

from __future__ import annotations

import pytest
from django.urls import reverse

from referrals.models import Feedback
from referrals.services.feedback import feedback_notice_send
from referrals.services.intake import referral_notify_link_worker
from tests.referrals.factories import PersonFactory, ReferralFactory

SITE = "https://socialrx.example.nhs.uk"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE + "/"  # a trailing slash must not double up


@pytest.mark.django_db
def test_new_referral_email_links_to_the_persons_page(practice_a, link_worker, mailoutbox):
    person = PersonFactory(practice=practice_a, given_name="Privatename")
    referral = ReferralFactory(person=person, link_worker=link_worker)
    assert referral_notify_link_worker(referral_id=referral.pk) is True
    body = mailoutbox[0].body
    assert SITE + reverse("referrals:person", kwargs={"pk": person.pk}) + "\n" in body
    assert "Privatename" not in body


def _feedback(referral) -> Feedback:
    return Feedback.objects.create(
        referral=referral,
        snomed_code=Feedback.Snomed.REFERRED,
        needs_and_concerns="Needs",
        support_offered="Support",
    )


@pytest.mark.django_db
def test_feedback_email_links_a_practice_to_the_referrals_page(practice_a, mailoutbox):
    person = PersonFactory(practice=practice_a, given_name="Privatename")
    referral = ReferralFactory(
        person=person, referring_practice=practice_a, referrer_email="gp@example.org"
    )
    assert feedback_notice_send(feedback_id=_feedback(referral).pk) is True
    body = mailoutbox[0].body
    url = SITE + reverse("referrals:practice_referral_detail", kwargs={"pk": referral.pk})
    assert url + "\n" in body
    assert "Privatename" not in body


@pytest.mark.django_db
def test_feedback_email_to_a_referrer_without_a_practice_links_to_the_front_page(
    practice_a, mailoutbox
):
    referral = ReferralFactory(
        person=PersonFactory(practice=practice_a),
        referring_practice=None,
        referrer_email="service@example.org",
    )
    assert feedback_notice_send(feedback_id=_feedback(referral).pk) is True
    assert SITE + "/\n" in mailoutbox[0].body
    assert SITE + "//" not in mailoutbox[0].body

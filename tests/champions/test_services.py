"""Service rules that hold whatever the page sends."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from champions import services
from champions.models import Champion, HoursLog, InvitationState, VolunteerInvitation
from champions.selectors import champion_hours_summary
from tests.champions.factories import (
    ChampionFactory,
    EventFactory,
    HoursLogFactory,
    TrainingRecordFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("hours", [Decimal("0"), Decimal("-1"), Decimal("24.5")])
def test_hours_log_refuses_impossible_hours(champion, volunteer, hours):
    with pytest.raises(ValidationError):
        services.hours_log_create(
            champion=champion, by=volunteer, on=timezone.localdate(), hours=hours, activity="x"
        )
    assert not HoursLog.objects.exists()


def test_hours_log_refuses_a_future_date(champion, volunteer):
    with pytest.raises(ValidationError):
        services.hours_log_create(
            champion=champion,
            by=volunteer,
            on=timezone.localdate() + dt.timedelta(days=1),
            hours=Decimal("1"),
            activity="x",
        )


def test_summary_adds_hours_and_events_and_keeps_training_apart():
    champion = ChampionFactory()
    HoursLogFactory(champion=champion, hours=Decimal("2.5"), on=dt.date(2026, 2, 1))
    EventFactory(champion=champion, hours=Decimal("1"), on=dt.date(2026, 1, 10))
    TrainingRecordFactory(champion=champion, hours=Decimal("6"))
    other = ChampionFactory()
    HoursLogFactory(champion=other, hours=Decimal("9"))
    summary = champion_hours_summary(champion=champion)
    assert summary.volunteering == Decimal("3.5")
    assert summary.training == Decimal("6")
    assert summary.first_on == dt.date(2026, 1, 10)
    assert summary.last_on == dt.date(2026, 2, 1)


def test_summary_of_a_new_volunteer_is_zero():
    summary = champion_hours_summary(champion=ChampionFactory())
    assert summary.volunteering == 0
    assert summary.first_on is None


def test_invitation_service_refuses_acceptance_without_consent(person_a, link_worker):
    with pytest.raises(ValidationError):
        services.volunteer_invitation_record(
            person=person_a, by=link_worker, role="health_champion", state="accepted"
        )
    assert not Champion.objects.exists()


def test_invitation_service_refuses_a_login_without_agreement(person_a, link_worker):
    with pytest.raises(ValidationError):
        services.volunteer_invitation_record(
            person=person_a,
            by=link_worker,
            role="health_champion",
            state=InvitationState.PENDING,
            login_email="someone@example.org",
        )
    assert not VolunteerInvitation.objects.exists()


def test_invitation_service_refuses_a_second_volunteer_record(person_a, link_worker):
    services.volunteer_invitation_record(
        person=person_a,
        by=link_worker,
        role="health_champion",
        state=InvitationState.ACCEPTED,
        consent_confirmed=True,
    )
    with pytest.raises(ValidationError):
        services.volunteer_invitation_record(
            person=person_a,
            by=link_worker,
            role="group_leader",
            state=InvitationState.ACCEPTED,
            consent_confirmed=True,
        )
    assert Champion.objects.filter(person=person_a).count() == 1
    assert VolunteerInvitation.objects.count() == 1


def test_said_no_is_kept_without_consent(person_a, link_worker):
    invitation = services.volunteer_invitation_record(
        person=person_a, by=link_worker, role="health_champion", state=InvitationState.DECLINED
    )
    assert invitation.state == InvitationState.DECLINED
    assert invitation.consent_wording == ""
    assert invitation.champion is None

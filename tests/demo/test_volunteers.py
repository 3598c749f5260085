"""The demo volunteers have something to show: training, hours, events (a celebration among
them), groups they keep, and recorded consent for those who were once referred."""

from __future__ import annotations

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from assets.models import Asset
from champions.models import Champion, Event, EventKind, InvitationState, VolunteerInvitation
from demo import directory, people, volunteers
from demo.core import demo_context, seed_core
from socialrx.models import Role, User

pytestmark = pytest.mark.django_db


def test_demo_volunteers_have_records_and_activity():
    # The steps up to and including champions (outcomes builds on them, not they on it).
    ctx = demo_context()
    seed_core(ctx)
    for step in (directory.seed, people.seed, volunteers.seed):
        step(ctx)
    champions = Champion.objects.annotate(
        n_training=Count("training", distinct=True),
        n_hours=Count("hours_logs", distinct=True),
        n_events=Count("events", distinct=True),
    )
    assert champions.count() == 20
    for champion in champions:
        assert champion.n_training >= 1
        assert champion.n_hours >= 1
        assert champion.n_events >= 1
        assert champion.home_base
        assert champion.active == (champion.ended_on is None)
    assert Event.objects.filter(kind=EventKind.CELEBRATION).exists()
    # Every volunteer login keeps at least one group in the directory.
    for user in User.objects.filter(role=Role.VOLUNTEER):
        assert Asset.objects.filter(maintainers=user).exists(), user.username
    # Volunteers who were referred agreed when asked; the consent is on record.
    referred = Champion.objects.filter(person__isnull=False)
    assert referred.exists()
    for champion in referred:
        invitation = VolunteerInvitation.objects.get(champion=champion)
        assert invitation.state == InvitationState.ACCEPTED
        assert invitation.person_id == champion.person_id
        assert invitation.consent_wording and invitation.consent_recorded_at
    # Nothing logged in the future.
    assert not Event.objects.filter(Q(on__gt=timezone.localdate())).exists()

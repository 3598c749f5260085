"""Django admin pages for volunteers render (catches broken list_display and inlines)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from champions.models import InvitationState, VolunteerInvitation
from tests.champions.factories import EventFactory, HoursLogFactory, TrainingRecordFactory
from tests.socialrx.factories import AdminFactory

pytestmark = pytest.mark.django_db


def test_admin_pages_render(client_for, champion, person_a, link_worker):
    superuser = AdminFactory(username="root", is_superuser=True)
    TrainingRecordFactory(champion=champion)
    HoursLogFactory(champion=champion)
    EventFactory(champion=champion)
    invitation = VolunteerInvitation.objects.create(
        person=person_a,
        invited_by=link_worker,
        role="health_champion",
        state=InvitationState.PENDING,
    )
    client = client_for(superuser)
    for name in ["champion", "hourslog", "event", "volunteerinvitation"]:
        url = reverse(f"admin:champions_{name}_changelist")
        assert client.get(url).status_code == 200, url
    assert (
        client.get(reverse("admin:champions_champion_change", args=[champion.pk])).status_code
        == 200
    )
    # The consent record is evidence: no one adds one by hand.
    assert client.get(reverse("admin:champions_volunteerinvitation_add")).status_code == 403
    page = client.get(reverse("admin:champions_volunteerinvitation_change", args=[invitation.pk]))
    assert page.status_code == 200
    assert 'name="consent_wording"' not in page.content.decode()

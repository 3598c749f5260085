"""Community referrals show status only; inviting a referred person to volunteer."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from champions.models import Champion, InvitationState, VolunteerInvitation
from referrals.models import ReferralStatus
from socialrx.models import AuditLog, Role, User
from tests.champions.factories import ChampionFactory
from tests.referrals.factories import ConversationFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def test_volunteer_sees_status_only_of_their_community_referrals(
    client_for, volunteer, community_referral, person_a
):
    community_referral.status = ReferralStatus.CONTACTED
    community_referral.save()
    ConversationFactory(
        person=person_a, what_matters="Private: my son is in prison", notes="Case note text"
    )
    # Someone else's referral of a different person is not listed.
    ReferralFactory(person__given_name="Zed", person__practice=None)
    response = client_for(volunteer).get(reverse("champions:referrals"))
    content = response.content.decode()
    assert "Hana Referred" in content
    assert "Contacted" in content
    assert "Secret reason" not in content
    assert "my son is in prison" not in content
    assert "Case note text" not in content
    assert "Zed" not in content
    assert person_a.postcode not in content


def test_referrals_query_defers_the_case(volunteer, community_referral):
    from champions.selectors import community_referrals_for

    referral = community_referrals_for(user=volunteer, champion=volunteer.champion).get()
    assert "reason" in referral.get_deferred_fields()


def test_another_volunteer_does_not_see_my_referrals(
    client_for, other_volunteer, community_referral
):
    content = client_for(other_volunteer).get(reverse("champions:referrals")).content.decode()
    assert "Hana" not in content
    assert "No community referrals yet." in content


def test_staff_detail_lists_only_referrals_their_team_holds(
    client_for, link_worker, other_link_worker, champion, community_referral
):
    url = reverse("champions:detail", args=[champion.pk])
    assert "Hana Referred" in client_for(link_worker).get(url).content.decode()
    content = client_for(other_link_worker).get(url).content.decode()
    assert "Hana Referred" not in content
    assert "Secret reason" not in content


# --- invitation ------------------------------------------------------------------------------


def _invite_url(person):
    return reverse("champions:invite", args=[person.pk])


def test_link_worker_sees_the_invite_page_with_the_wording(client_for, link_worker, person_a):
    response = client_for(link_worker).get(_invite_url(person_a))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Invite to volunteer" in content
    assert "You can stop at any time" in content
    assert AuditLog.objects.filter(user=link_worker, action="view", person_id=person_a.pk).exists()


def test_other_teams_person_is_not_found(client_for, link_worker, person_b):
    assert client_for(link_worker).get(_invite_url(person_b)).status_code == 404
    response = client_for(link_worker).post(
        _invite_url(person_b),
        {"role": "health_champion", "state": "accepted", "consent_confirmed": "on"},
    )
    assert response.status_code == 404
    assert not Champion.objects.filter(person=person_b).exists()


@pytest.mark.parametrize("persona", ["volunteer", "practice_staff", "commissioner"])
def test_only_link_workers_invite(request, client_for, person_a, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(_invite_url(person_a)).status_code == 404
    response = client.post(
        _invite_url(person_a),
        {"role": "health_champion", "state": "accepted", "consent_confirmed": "on"},
    )
    assert response.status_code == 404
    assert not VolunteerInvitation.objects.exists()


def test_anonymous_visitor_cannot_invite(anon_client, person_a):
    response = anon_client.get(_invite_url(person_a))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_accepting_records_consent_and_links_a_champion(
    client_for, link_worker, person_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(link_worker).post(
            _invite_url(person_a),
            {
                "role": "group_leader",
                "state": "accepted",
                "consent_confirmed": "on",
                "login_email": "Hana@Example.org",
            },
        )
    champion = Champion.objects.get(person=person_a)
    assert response.status_code == 302
    assert response["Location"] == reverse("champions:detail", args=[champion.pk])
    assert champion.role == "group_leader"
    assert champion.given_name == "Hana"
    invitation = VolunteerInvitation.objects.get(person=person_a)
    assert invitation.state == InvitationState.ACCEPTED
    assert invitation.champion == champion
    assert invitation.consent_recorded_by == link_worker
    assert invitation.consent_recorded_at is not None
    assert "group leader" in invitation.consent_wording
    assert "You can stop at any time" in invitation.consent_wording
    # A volunteer login with no usable password, and an email to choose one.
    user = User.objects.get(username="hana@example.org")
    assert user.role == Role.VOLUNTEER
    assert not user.has_usable_password()
    assert champion.user == user
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hana@example.org"]
    assert "/accounts/reset/" in mail.outbox[0].body
    assert AuditLog.objects.filter(
        object_type="champions.champion", action="create", person_id=person_a.pk
    ).exists()
    # The volunteer detail shows the consent that was recorded.
    content = client_for(link_worker).get(response["Location"]).content.decode()
    assert "Consent to volunteer" in content
    assert "You can stop at any time" in content


def test_accepting_without_a_login_sends_no_email(client_for, link_worker, person_a):
    client_for(link_worker).post(
        _invite_url(person_a),
        {"role": "health_champion", "state": "accepted", "consent_confirmed": "on"},
    )
    champion = Champion.objects.get(person=person_a)
    assert champion.user is None
    assert mail.outbox == []


def test_accepting_needs_the_consent_confirmation(client_for, link_worker, person_a):
    response = client_for(link_worker).post(
        _invite_url(person_a), {"role": "health_champion", "state": "accepted"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content
    assert "Confirm that you read the wording and the person agreed" in content
    assert not Champion.objects.exists()
    assert not VolunteerInvitation.objects.exists()


def test_a_login_email_already_in_use_is_refused(client_for, link_worker, person_a, volunteer):
    User.objects.create(username="hana@example.org", role=Role.VOLUNTEER)
    response = client_for(link_worker).post(
        _invite_url(person_a),
        {
            "role": "health_champion",
            "state": "accepted",
            "consent_confirmed": "on",
            "login_email": "hana@example.org",
        },
    )
    assert response.status_code == 200
    assert "already a login with this email" in response.content.decode()
    assert not Champion.objects.filter(person=person_a).exists()
    assert not VolunteerInvitation.objects.exists()


def test_thinking_about_it_is_recorded_without_a_champion(client_for, link_worker, person_a):
    response = client_for(link_worker).post(
        _invite_url(person_a), {"role": "health_champion", "state": "pending"}
    )
    assert response.status_code == 302
    invitation = VolunteerInvitation.objects.get(person=person_a)
    assert invitation.state == InvitationState.PENDING
    assert invitation.consent_recorded_at is None
    assert not Champion.objects.exists()
    content = client_for(link_worker).get(_invite_url(person_a)).content.decode()
    assert "Earlier invitations" in content


def test_a_person_who_already_volunteers_is_not_invited_twice(client_for, link_worker, person_a):
    existing = ChampionFactory(person=person_a)
    response = client_for(link_worker).post(
        _invite_url(person_a),
        {"role": "health_champion", "state": "accepted", "consent_confirmed": "on"},
    )
    assert response.status_code == 200
    assert "already a volunteer" in response.content.decode()
    assert Champion.objects.filter(person=person_a).get() == existing
    assert not VolunteerInvitation.objects.exists()


def test_database_refuses_accepted_invitation_without_consent(person_a, link_worker):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        VolunteerInvitation.objects.create(
            person=person_a, invited_by=link_worker, role="health_champion", state="accepted"
        )


def test_person_page_links_to_the_invitation(client_for, link_worker, person_a):
    content = client_for(link_worker).get(reverse("referrals:person", args=[person_a.pk]))
    assert f'href="{_invite_url(person_a)}"' in content.content.decode()

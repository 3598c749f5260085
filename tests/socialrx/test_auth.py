from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse


def test_login_page_shows_nhs_form(anon_client, db):
    response = anon_client.get(reverse("login"))
    assert response.status_code == 200
    assert b'<label class="nhsuk-label" for="id_username">' in response.content


def test_bad_password_shows_error_summary_and_does_not_sign_in(anon_client, link_worker):
    response = anon_client.post(reverse("login"), {"username": "lw_anna", "password": "wrong"})
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert "_auth_user_id" not in anon_client.session


def test_login_with_right_password_signs_in(anon_client, link_worker):
    response = anon_client.post(reverse("login"), {"username": "lw_anna", "password": "pass12345!"})
    assert response.status_code == 302
    assert anon_client.session["_auth_user_id"] == str(link_worker.pk)


def test_logout_needs_post_and_signs_out(client_for, link_worker):
    client = client_for(link_worker)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_home_for_visitors_is_the_public_front_door_not_the_sign_in(anon_client, db):
    # The site root used to send visitors to the staff sign-in; it now welcomes the public.
    response = anon_client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'href="{reverse("login")}">sign in</a>' in body
    assert f'href="{reverse("assets:public_directory")}">Find something near you</a>' in body
    assert (
        f'href="{reverse("referrals:self_referral")}">Ask for a conversation with a link worker</a>'
        in body
    )
    assert f'href="{reverse("assets:suggest")}">Suggest a group</a>' in body


def test_public_home_shows_the_phone_and_drop_in_when_set(anon_client, db, settings):
    settings.SERVICE_PHONE = "0161 000 0000"
    settings.SERVICE_DROP_IN = "Tuesdays at the Riverside Centre"
    body = anon_client.get(reverse("home")).content.decode()
    assert "0161 000 0000" in body
    assert "Tuesdays at the Riverside Centre" in body
    settings.SERVICE_PHONE = settings.SERVICE_DROP_IN = ""
    body = anon_client.get(reverse("home")).content.decode()
    # Without a phone or drop-in, the page still says how else to get in touch.
    assert "Other ways to get in touch" in body
    assert "At your GP practice" in body
    assert "Phone:" not in body and "Drop in:" not in body


@pytest.mark.parametrize(
    ("persona", "start"),
    [
        ("link_worker", "referrals:my_day"),
        ("practice_staff", "referrals:practice_referrals"),
        ("volunteer", "champions:home"),
    ],
)
def test_signed_in_users_at_the_root_still_go_to_their_start_page(
    request, client_for, persona, start
):
    response = client_for(request.getfixturevalue(persona)).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(start)


def test_the_logo_leads_visitors_to_the_public_front_door(anon_client, db):
    body = anon_client.get(reverse("assets:public_directory")).content.decode()
    assert f'<a class="nhsuk-header__service-logo" href="{reverse("home")}"' in body


def test_password_reset_sends_a_link_only_for_known_addresses(anon_client, link_worker):
    anon_client.post(reverse("password_reset"), {"email": link_worker.email})
    anon_client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


@pytest.mark.parametrize("persona", ["link_worker", "practice_staff", "volunteer", "commissioner"])
def test_admin_pages_are_not_found_for_other_roles(request, client_for, persona):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(reverse("socialrx:admin_home")).status_code == 404


def test_admin_home_opens_for_administrator(client_for, admin_user):
    response = client_for(admin_user).get(reverse("socialrx:admin_home"))
    assert response.status_code == 200
    assert b"Administration" in response.content

"""Sign-in lockout, the password-reset rate limit, idle sessions and the headers on pages."""

from __future__ import annotations

import time

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from socialrx import checks
from socialrx.models import AuditLog
from socialrx.ratelimit import client_address

RIGHT = "pass12345!"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _sign_in(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


# --- lockout -------------------------------------------------------------------------------


def test_twenty_five_wrong_passwords_then_the_right_one_does_not_sign_in(link_worker):
    client = Client()
    for _ in range(25):
        _sign_in(client, "lw_anna", "wrong")
    response = _sign_in(client, "lw_anna", RIGHT)
    assert response.status_code == 429
    assert b"Sign-in is locked for now" in response.content
    assert "_auth_user_id" not in client.session


def test_wrong_passwords_below_the_limit_do_not_lock(link_worker):
    client = Client()
    for _ in range(4):
        _sign_in(client, "lw_anna", "wrong")
    assert _sign_in(client, "lw_anna", RIGHT).status_code == 302
    assert client.session["_auth_user_id"] == str(link_worker.pk)


def test_a_username_is_locked_whatever_address_the_guesses_come_from(link_worker):
    for n in range(5):
        _sign_in(Client(), "lw_anna", "wrong", address=f"10.0.1.{n}")
    client = Client()
    assert _sign_in(client, "lw_anna", RIGHT, address="10.0.2.1").status_code == 429
    assert "_auth_user_id" not in client.session


def test_an_address_guessing_many_usernames_is_locked(link_worker):
    for n in range(5):
        _sign_in(Client(), f"someone{n}", "wrong", address="10.0.3.3")
    client = Client()
    assert _sign_in(client, "lw_anna", RIGHT, address="10.0.3.3").status_code == 429
    assert "_auth_user_id" not in client.session


def test_administrator_sees_failures_and_unlocks_a_user(link_worker, admin_user, client_for):
    for _ in range(6):
        _sign_in(Client(), "lw_anna", "wrong")
    admin = client_for(admin_user)
    page = admin.get(reverse("socialrx:user_edit", args=[link_worker.pk]))
    assert b"Unlock sign-in" in page.content
    response = admin.post(reverse("socialrx:user_unlock", args=[link_worker.pk]))
    assert response.status_code == 302
    client = Client()
    assert _sign_in(client, "lw_anna", RIGHT).status_code == 302
    assert client.session["_auth_user_id"] == str(link_worker.pk)
    entry = AuditLog.objects.get(detail="sign-in unlocked")
    assert (entry.user_id, entry.object_id) == (admin_user.pk, str(link_worker.pk))


def test_unlock_is_post_only(link_worker, admin_user, client_for):
    url = reverse("socialrx:user_unlock", args=[link_worker.pk])
    assert client_for(admin_user).get(url).status_code == 405


@pytest.mark.parametrize("persona", ["link_worker", "practice_staff", "volunteer", "commissioner"])
def test_other_roles_cannot_unlock(request, client_for, other_link_worker, persona):
    for _ in range(6):
        _sign_in(Client(), "lw_ben", "wrong")
    user = request.getfixturevalue(persona)
    url = reverse("socialrx:user_unlock", args=[other_link_worker.pk])
    assert client_for(user).post(url).status_code == 404
    assert _sign_in(Client(), "lw_ben", RIGHT).status_code == 429


def test_anonymous_cannot_unlock(anon_client, link_worker):
    for _ in range(6):
        _sign_in(Client(), "lw_anna", "wrong")
    response = anon_client.post(reverse("socialrx:user_unlock", args=[link_worker.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert _sign_in(Client(), "lw_anna", RIGHT).status_code == 429


def test_api_token_still_works_and_is_not_counted_as_a_sign_in(commissioner):
    client = APIClient()
    token = Token.objects.create(user=commissioner)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/metrics/").status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/v1/metrics/").status_code == 401


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_client_address_behind_one_proxy_is_the_last_forwarded_entry():
    request = RequestFactory().get(
        "/", REMOTE_ADDR="172.17.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    assert client_address(request) == "203.0.113.9"


def test_client_address_ignores_forwarded_for_without_a_trusted_proxy():
    request = RequestFactory().get("/", REMOTE_ADDR="172.17.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_address(request) == "172.17.0.2"


# --- password reset ------------------------------------------------------------------------


def _reset(email: str, address: str = "10.0.0.1"):
    return Client().post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


@override_settings(PASSWORD_RESET_RATE_LIMIT_EMAIL=3)
def test_password_reset_emails_for_one_address_are_limited(link_worker):
    responses = [_reset(link_worker.email, address=f"10.0.4.{n}") for n in range(6)]
    assert len(mail.outbox) == 3
    # Same answer, whether or not the email was sent.
    assert {r.status_code for r in responses} == {302}
    assert {r["Location"] for r in responses} == {reverse("password_reset_done")}


@override_settings(PASSWORD_RESET_RATE_LIMIT_ADDRESS=4)
def test_password_resets_from_one_client_address_are_limited(link_worker):
    for n in range(4):
        _reset(f"nobody{n}@example.org", address="10.0.5.5")
    response = _reset(link_worker.email, address="10.0.5.5")
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 0
    _reset(link_worker.email, address="10.0.5.6")
    assert len(mail.outbox) == 1


def test_password_reset_answers_the_same_for_unknown_addresses(link_worker):
    known = _reset(link_worker.email)
    unknown = _reset("nobody@example.org")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    done = Client().get(known["Location"])
    assert done.status_code == 200


@override_settings(
    REQUIRE_EMAIL_DELIVERY=True, EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend"
)
def test_production_refuses_an_email_backend_that_prints_mail():
    ids = [p.id for p in checks.socialrx_settings(None)]
    assert "socialrx.E002" in ids


@override_settings(
    REQUIRE_EMAIL_DELIVERY=True, EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend"
)
def test_production_accepts_an_smtp_backend():
    assert "socialrx.E002" not in [p.id for p in checks.socialrx_settings(None)]


# --- sessions ------------------------------------------------------------------------------


def test_idle_session_is_signed_out(client_for, link_worker):
    client = client_for(link_worker)
    assert client.get(reverse("home")).status_code == 302  # to the caseload
    session = client.session
    session["last_seen"] = int(time.time()) - 31 * 60
    session.save()
    response = client.get(reverse("referrals:caseload"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_idle_htmx_request_is_sent_to_sign_in_whole(client_for, link_worker):
    client = client_for(link_worker)
    client.get(reverse("home"))
    session = client.session
    session["last_seen"] = int(time.time()) - 31 * 60
    session.save()
    response = client.get(reverse("referrals:caseload"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_active_session_within_the_idle_limit_stays_signed_in(client_for, link_worker):
    client = client_for(link_worker)
    client.get(reverse("home"))
    session = client.session
    session["last_seen"] = int(time.time()) - 29 * 60
    session.save()
    assert client.get(reverse("referrals:caseload")).status_code == 200
    assert client.session["last_seen"] >= int(time.time()) - 5


def test_session_cookie_ends_with_the_browser(link_worker):
    client = Client()
    _sign_in(client, "lw_anna", RIGHT)
    cookie = client.cookies["sessionid"]
    assert not cookie["max-age"]
    assert not cookie["expires"]
    assert client.session.get_expire_at_browser_close()


# --- headers -------------------------------------------------------------------------------


def test_pages_for_signed_in_users_are_not_stored(client_for, link_worker):
    response = client_for(link_worker).get(reverse("referrals:caseload"))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_every_page_switches_off_unused_browser_features(anon_client, db):
    response = anon_client.get(reverse("login"))
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_content_security_policy_allows_scripts_from_the_site_only(anon_client, db):
    response = anon_client.get(reverse("login"))
    header = response.get("Content-Security-Policy-Report-Only") or response.get(
        "Content-Security-Policy"
    )
    assert "script-src 'self'" in header
    assert "frame-ancestors 'none'" in header

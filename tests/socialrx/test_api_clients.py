"""API clients: hashed, expiring, revocable tokens with scopes; a rate limit per client; the
administrators' pages and the command; the referral list with modified_after and feedback."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from referrals.models import Feedback, Referral, ReferralStatus
from referrals.services.status import referral_status_change
from socialrx.api_clients import (
    api_client_create,
    api_client_revoke,
    api_token_issue,
    api_token_revoke,
)
from socialrx.models import ApiClient, ApiScope, ApiToken, AuditLog, User
from tests.referrals.factories import PersonFactory, ReferralFactory

pytestmark = pytest.mark.django_db

LIST = reverse("api_referral_create")


def detail_url(pk: int) -> str:
    return reverse("api_referral_detail", args=[pk])


@pytest.fixture
def client_app(practice_a, admin_user):
    return api_client_create(
        name="EMIS at Practice A",
        organisation=practice_a,
        scopes=[ApiScope.REFERRALS_READ, ApiScope.REFERRALS_WRITE, ApiScope.WEBHOOKS_MANAGE],
        by=admin_user,
    )


def bearer(secret: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return api


@pytest.fixture
def secret(client_app, admin_user) -> str:
    return api_token_issue(client=client_app, by=admin_user).secret


def referral_for(practice, **kw) -> Referral:
    return ReferralFactory(
        person=PersonFactory(practice=practice), referring_practice=practice, **kw
    )


# --- tokens ---------------------------------------------------------------------------------


def test_token_is_kept_only_as_a_hash_and_shown_once(client_app, admin_user):
    issued = api_token_issue(client=client_app, by=admin_user, days=30)
    token = ApiToken.objects.get()
    assert issued.secret.startswith(f"sxk_{token.prefix}_")
    assert issued.secret not in token.token_hash
    assert len(token.token_hash) == 64
    assert token.expires_at - timezone.now() > dt.timedelta(days=29)
    issued_entry = AuditLog.objects.get(object_type="socialrx.apitoken", action="create")
    assert issued_entry.user == admin_user
    assert issued.secret not in issued_entry.detail


def test_client_acts_as_practice_staff_account_that_cannot_sign_in(client_app, practice_a):
    account = client_app.user
    assert account.role == "practice_staff"
    assert account.practice == practice_a
    assert not account.has_usable_password()


def test_valid_token_lists_the_practice_referrals_only(secret, practice_a, practice_b):
    ours = referral_for(practice_a)
    referral_for(practice_b)
    response = bearer(secret).get(LIST)
    assert response.status_code == 200, response.json()
    assert [r["id"] for r in response.json()["results"]] == [ours.pk]
    assert ApiToken.objects.get().last_used_at is not None


def test_other_practice_referral_is_not_found(secret, practice_b):
    theirs = referral_for(practice_b)
    response = bearer(secret).get(detail_url(theirs.pk))
    assert response.status_code == 404


def test_no_credentials_is_401_with_the_token_challenge(db):
    response = APIClient().get(LIST)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("presented", ["nonsense", "sxk_abc_def", "sxk_"])
def test_unknown_token_is_401(secret, presented):
    response = bearer(presented).get(LIST)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "The token is not valid."


def test_a_token_with_one_character_changed_is_401(secret):
    tampered = secret[:-1] + ("a" if secret[-1] != "a" else "b")
    assert bearer(tampered).get(LIST).status_code == 401


def test_expired_token_is_401(secret):
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = bearer(secret).get(LIST)
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]


def test_revoked_token_is_401_and_audited(secret, admin_user):
    api_token_revoke(token=ApiToken.objects.get(), by=admin_user)
    response = bearer(secret).get(LIST)
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]
    assert AuditLog.objects.filter(
        object_type="socialrx.apitoken", action="update", detail__contains="revoked"
    ).exists()


def test_revoking_the_client_stops_every_token(client_app, secret, admin_user):
    second = api_token_issue(client=client_app, by=admin_user).secret
    api_client_revoke(client=client_app, by=admin_user)
    assert bearer(secret).get(LIST).status_code == 401
    assert bearer(second).get(LIST).status_code == 401
    assert not User.objects.get(pk=client_app.user_id).is_active
    with pytest.raises(Exception, match="revoked"):
        api_token_issue(client=client_app, by=admin_user)


def test_people_tokens_still_work(practice_staff, practice_a):
    ours = referral_for(practice_a)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=practice_staff).key}")
    response = api.get(LIST)
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [ours.pk]


# --- scopes ---------------------------------------------------------------------------------


def _client_with(practice, scopes, admin_user, name="Scoped") -> str:
    client = api_client_create(name=name, organisation=practice, scopes=scopes, by=admin_user)
    return api_token_issue(client=client, by=admin_user).secret


def test_reading_without_the_read_scope_is_403(practice_a, admin_user):
    secret = _client_with(practice_a, [ApiScope.REFERRALS_WRITE], admin_user)
    referral = referral_for(practice_a)
    for url in (LIST, detail_url(referral.pk)):
        response = bearer(secret).get(url)
        assert response.status_code == 403
        assert response.json()["error"]["message"] == (
            "This API client does not have the scope referrals:read."
        )


def test_sending_without_the_write_scope_is_403_and_makes_nothing(practice_a, admin_user):
    secret = _client_with(practice_a, [ApiScope.REFERRALS_READ], admin_user)
    response = bearer(secret).post(
        LIST,
        {"person": {"given_name": "Jo"}, "reason": "Isolated", "consent_confirmed": True},
        format="json",
    )
    assert response.status_code == 403
    assert "referrals:write" in response.json()["error"]["message"]
    assert not Referral.objects.exists()


def test_client_with_write_scope_sends_a_referral_as_itself(secret, client_app):
    response = bearer(secret).post(
        LIST,
        {
            "person": {"given_name": "Jo", "family_name": "Bloggs", "nhs_number": "9434765919"},
            "reason": "Isolated",
            "consent_confirmed": True,
            "source": "gp",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    referral = Referral.objects.get()
    assert referral.referred_by == client_app.user
    assert referral.referring_practice == client_app.organisation


def test_webhooks_without_the_scope_is_403(practice_a, admin_user):
    secret = _client_with(practice_a, [ApiScope.REFERRALS_READ], admin_user)
    response = bearer(secret).get(reverse("api_webhook_list"))
    assert response.status_code == 403
    assert "webhooks:manage" in response.json()["error"]["message"]


def test_client_tokens_are_refused_where_no_scope_is_named(secret):
    response = bearer(secret).get(reverse("metric-list"))
    # The metrics API takes people's tokens and sessions only.
    assert response.status_code in {401, 403}


def test_every_client_view_names_its_scopes():
    """Each API view reachable with a client token names a scope for each method it has."""
    from django.urls import get_resolver

    from socialrx.api_auth import ApiClientAuthentication, ApiClientScope

    checked = 0
    for pattern in get_resolver().url_patterns:
        if not str(pattern.pattern).startswith("api/v1/"):
            continue
        for inner in _flatten(pattern):
            view = getattr(inner.callback, "view_class", None) or getattr(
                inner.callback, "cls", None
            )
            if view is None:
                continue
            auth = [a if isinstance(a, type) else type(a) for a in view.authentication_classes]
            if ApiClientAuthentication not in auth:
                continue
            assert ApiClientScope in view.permission_classes, view
            methods = {m.upper() for m in view.http_method_names if hasattr(view, m)} - {
                "OPTIONS",
                "HEAD",
            }
            assert methods <= set(getattr(view, "required_scopes", {})), view
            checked += 1
    assert checked >= 5


def _flatten(entry):
    if hasattr(entry, "url_patterns"):
        for inner in entry.url_patterns:
            yield from _flatten(inner)
    else:
        yield entry


# --- throttling -----------------------------------------------------------------------------


@pytest.fixture
def client_rate():
    """Set the per-client rate for one test (the throttle reads its rates once, at import)."""
    from socialrx.api_auth import ApiClientRateThrottle

    saved = ApiClientRateThrottle.THROTTLE_RATES

    def set_rate(rate: str) -> None:
        ApiClientRateThrottle.THROTTLE_RATES = {**saved, "api_client": rate}

    yield set_rate
    ApiClientRateThrottle.THROTTLE_RATES = saved


def test_client_over_its_rate_gets_429_with_retry_after(
    secret, practice_a, admin_user, client_rate
):
    client_rate("2/min")
    api = bearer(secret)
    assert api.get(LIST).status_code == 200
    assert api.get(LIST).status_code == 200
    refused = api.get(LIST)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "throttled" in refused.json()["error"]["message"].lower()
    # Another client has its own count.
    other = _client_with(practice_a, [ApiScope.REFERRALS_READ], admin_user, "Other")
    assert bearer(other).get(LIST).status_code == 200


def test_people_are_not_counted_by_the_client_rate(practice_staff, client_rate):
    client_rate("1/min")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=practice_staff).key}")
    assert [api.get(LIST).status_code for _ in range(3)] == [200, 200, 200]


# --- the list: modified_after, order, pages, feedback -----------------------------------------


def test_modified_after_keeps_referrals_changed_since(secret, practice_a, link_worker):
    old = referral_for(practice_a, link_worker=link_worker)
    new = referral_for(practice_a)
    long_ago = timezone.now() - dt.timedelta(days=3)
    Referral.objects.filter(pk=old.pk).update(updated_at=long_ago)
    Referral.objects.filter(pk=new.pk).update(updated_at=long_ago)
    since = timezone.now() - dt.timedelta(hours=1)
    assert bearer(secret).get(LIST, {"modified_after": since.isoformat()}).json()["results"] == []

    referral_status_change(
        referral=Referral.objects.get(pk=old.pk), to_status=ReferralStatus.CONTACTED, by=link_worker
    )
    body = bearer(secret).get(LIST, {"modified_after": since.isoformat()}).json()
    assert [r["id"] for r in body["results"]] == [old.pk]
    assert body["results"][0]["status"] == "contacted"
    assert dt.datetime.fromisoformat(body["results"][0]["modified_at"]) > since


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", "12345"])
def test_bad_modified_after_is_400_with_a_clear_message(secret, value):
    response = bearer(secret).get(LIST, {"modified_after": value})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["modified_after"] == [
        "Give modified_after as an ISO 8601 date and time, such as 2026-03-01T09:00:00Z."
    ]


def test_list_is_ordered_by_change_then_id_and_paged(secret, practice_a):
    made = [referral_for(practice_a) for _ in range(3)]
    same = timezone.now() - dt.timedelta(hours=2)
    Referral.objects.filter(pk__in=[r.pk for r in made]).update(updated_at=same)
    api = bearer(secret)
    seen = []
    url = f"{LIST}?page_size=2"
    while url:
        body = api.get(url).json()
        seen += [r["id"] for r in body["results"]]
        url = body["next"]
    assert seen == sorted(r.pk for r in made)


def test_feedback_comes_with_its_snomed_code(secret, practice_a, link_worker):
    from referrals.services.feedback import feedback_send

    referral = referral_for(practice_a, link_worker=link_worker)
    feedback_send(
        referral=referral,
        by=link_worker,
        snomed_code=Feedback.Snomed.DECLINED,
        needs_and_concerns="Lonely.",
        support_offered="Offered a walking group; declined.",
    )
    body = bearer(secret).get(detail_url(referral.pk)).json()
    assert len(body["feedback"]) == 1
    letter = body["feedback"][0]
    assert letter["snomed"] == {
        "system": "http://snomed.info/sct",
        "code": "871711000000103",
        "display": "Social prescribing declined",
    }
    assert letter["support_offered"] == "Offered a walking group; declined."
    assert "given_name" not in str(body) and referral.person.given_name not in str(body)


def test_referral_list_is_audited_as_a_list_view(secret):
    bearer(secret).get(LIST)
    entry = AuditLog.objects.get(action="view", object_type="referrals.referral")
    assert entry.object_id == "list"
    assert entry.actor_username.startswith("api-")


# --- administrators' pages ------------------------------------------------------------------


def test_admin_creates_a_client_issues_a_token_and_revokes_it(client_for, admin_user, practice_a):
    browser = client_for(admin_user)
    response = browser.post(
        reverse("socialrx:api_client_create"),
        {"name": "Partner system", "organisation": practice_a.pk, "scopes": ["referrals:read"]},
    )
    client = ApiClient.objects.get(name="Partner system")
    assert response.status_code == 302
    assert client.scopes == ["referrals:read"]

    page = browser.post(reverse("socialrx:api_token_issue", args=[client.pk]), {"days": "7"})
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]
    token = ApiToken.objects.get(client=client)
    secret = page.context["issued"].secret
    assert secret in page.content.decode()
    assert bearer(secret).get(LIST).status_code == 200

    detail = browser.get(reverse("socialrx:api_client_detail", args=[client.pk])).content.decode()
    assert secret not in detail
    assert f"sxk_{token.prefix}_" in detail

    browser.post(reverse("socialrx:api_token_revoke", args=[token.pk]))
    assert bearer(secret).get(LIST).status_code == 401


def test_admin_form_refuses_a_client_without_scopes(client_for, admin_user, practice_a):
    response = client_for(admin_user).post(
        reverse("socialrx:api_client_create"), {"name": "X", "organisation": practice_a.pk}
    )
    assert response.status_code == 200
    assert "Choose at least one thing the client may do" in response.content.decode()
    assert not ApiClient.objects.exists()


def test_token_days_out_of_range_is_refused(client_for, admin_user, client_app):
    response = client_for(admin_user).post(
        reverse("socialrx:api_token_issue", args=[client_app.pk]), {"days": "9999"}
    )
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("role", ["practice_staff", "link_worker", "commissioner", "volunteer"])
def test_only_administrators_see_the_client_pages(request, client_for, role, client_app):
    browser = client_for(request.getfixturevalue(role))
    assert browser.get(reverse("socialrx:api_client_list")).status_code == 404
    assert browser.get(reverse("socialrx:webhook_delivery_list")).status_code == 404
    response = browser.post(reverse("socialrx:api_token_issue", args=[client_app.pk]))
    assert response.status_code == 404
    assert not ApiToken.objects.exists()


# --- the command ----------------------------------------------------------------------------


def test_command_creates_issues_lists_and_revokes(practice_a):
    out = StringIO()
    call_command(
        "api_client",
        "create",
        "--name",
        "Cmd client",
        "--practice",
        practice_a.ods_code,
        "--scope",
        "referrals:read",
        stdout=out,
    )
    client = ApiClient.objects.get(name="Cmd client")
    out = StringIO()
    call_command("api_client", "token", str(client.pk), "--days", "5", stdout=out)
    secret = out.getvalue().strip().splitlines()[-1]
    assert bearer(secret).get(LIST).status_code == 200
    out = StringIO()
    call_command("api_client", "list", stdout=out)
    assert "Cmd client" in out.getvalue() and secret not in out.getvalue()
    call_command("api_client", "revoke", str(client.pk), stdout=StringIO())
    assert bearer(secret).get(LIST).status_code == 401


def test_command_refuses_an_unknown_practice(db):
    with pytest.raises(CommandError, match="No practice"):
        call_command(
            "api_client", "create", "--name", "X", "--practice", "ZZZ", "--scope", "referrals:read"
        )
    assert not ApiClient.objects.exists()


def test_service_refuses_unknown_scopes(practice_a, admin_user):
    with pytest.raises(Exception, match="Unknown scopes"):
        api_client_create(name="X", organisation=practice_a, scopes=["everything"], by=admin_user)
    assert not ApiClient.objects.exists()


@pytest.mark.parametrize(
    ("params", "field"),
    [({"modified_after": ""}, "modified_after"), ({"page_size": "0"}, "page_size")],
)
def test_empty_or_out_of_range_list_parameters_are_400(secret, params, field):
    response = bearer(secret).get(LIST, params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_an_invalid_cursor_is_404(secret):
    response = bearer(secret).get(LIST, {"cursor": "not-a-cursor"})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Invalid cursor"


def test_the_list_costs_the_same_queries_for_2_or_10_referrals(secret, practice_a, link_worker):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from referrals.services.feedback import feedback_send

    def add(n: int) -> None:
        for _ in range(n):
            referral = referral_for(practice_a, link_worker=link_worker)
            referral_status_change(
                referral=referral, to_status=ReferralStatus.CONTACTED, by=link_worker
            )
            feedback_send(
                referral=referral,
                by=link_worker,
                snomed_code=Feedback.Snomed.REFERRED,
                needs_and_concerns="x",
                support_offered="y",
            )

    def count() -> int:
        ApiToken.objects.update(last_used_at=None)  # both calls write the last use
        with CaptureQueriesContext(connection) as queries:
            assert bearer(secret).get(LIST).status_code == 200
        return len(queries)

    add(2)
    few = count()
    add(8)
    assert count() == few

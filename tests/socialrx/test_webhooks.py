"""Webhooks: subscriptions by API clients, signed deliveries on a referral's status change or
feedback, retries with exponential backoff, the delivery log, and refused targets (SSRF)."""

from __future__ import annotations

import json
import re
import socket
import time
from pathlib import Path
from unittest import mock

import pytest
import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from referrals.models import Feedback, ReferralStatus
from referrals.services.feedback import feedback_send
from referrals.services.status import referral_status_change
from socialrx.api_clients import api_client_create, api_client_revoke, api_token_issue
from socialrx.integration_models import DeliveryOutcome, WebhookDelivery, WebhookSubscription
from socialrx.models import ApiScope, WebhookEvent
from socialrx.tasks import webhook_deliver_task
from socialrx.webhooks import (
    retry_delay,
    webhook_body,
    webhook_deliver,
    webhook_signature,
    webhook_signature_verify,
    webhook_target_check,
)
from tests.referrals.factories import PersonFactory, ReferralFactory

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.215.14"
HOOKS = reverse("api_webhook_list")


def _resolver(address: str):
    def resolve(host, port, *args, **kwargs):
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    return resolve


@pytest.fixture
def public_dns(monkeypatch):
    """Every host name resolves to a public address (no network in tests)."""
    monkeypatch.setattr("socialrx.webhooks.socket.getaddrinfo", _resolver(PUBLIC))


@pytest.fixture
def client_app(practice_a, admin_user):
    return api_client_create(
        name="Practice A system", organisation=practice_a, scopes=list(ApiScope), by=admin_user
    )


@pytest.fixture
def api(client_app, admin_user) -> APIClient:
    client = APIClient()
    secret = api_token_issue(client=client_app, by=admin_user).secret
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def subscription(client_app):
    return WebhookSubscription.objects.create(
        client=client_app,
        target_url="https://hooks.example.org/socialrx",
        events=list(WebhookEvent.values),
        secret="whsec_test",
    )


def ok(status: int = 200):
    return mock.Mock(status_code=status)


# --- signatures -----------------------------------------------------------------------------


def test_signature_verifies_and_tampering_fails():
    body = webhook_body({"id": "x", "type": "referral.status_changed"})
    now = int(time.time())
    header = webhook_signature(secret="s3cret", timestamp=now, body=body)
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header)
    assert webhook_signature_verify(secret="s3cret", header=header, body=body)
    assert not webhook_signature_verify(secret="other", header=header, body=body)
    assert not webhook_signature_verify(secret="s3cret", header=header, body=body + b" ")
    assert not webhook_signature_verify(secret="s3cret", header="nonsense", body=body)
    stale = webhook_signature(secret="s3cret", timestamp=now - 3600, body=body)
    assert not webhook_signature_verify(secret="s3cret", header=stale, body=body)


def test_the_documented_receiver_example_verifies_a_real_delivery():
    """docs/api.md's Python example, run against a signature made here."""
    text = (Path(settings.BASE_DIR) / "docs" / "api.md").read_text()
    code = re.search(r"<!-- verify-example -->\s*```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "docs/api.md", "exec"), namespace)  # noqa: S102 (our own documentation)
    body = webhook_body({"id": "e1"})
    header = webhook_signature(secret="whsec_x", timestamp=int(time.time()), body=body)
    assert namespace["verify"](body, header, "whsec_x") is True
    assert namespace["verify"](body + b"x", header, "whsec_x") is False


# --- targets --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.2.3", "192.168.0.5", "169.254.169.254", "::1", "fd00::1"]
)
def test_targets_on_private_or_local_addresses_are_refused(monkeypatch, address):
    monkeypatch.setattr("socialrx.webhooks.socket.getaddrinfo", _resolver(address))
    with pytest.raises(ValidationError, match="private or local network"):
        webhook_target_check(url="https://looks-public.example.org/hook")


def test_plain_http_is_refused_unless_allowed(public_dns):
    with pytest.raises(ValidationError, match="https"):
        webhook_target_check(url="http://hooks.example.org/")
    with override_settings(WEBHOOK_ALLOW_HTTP=True):
        webhook_target_check(url="http://hooks.example.org/")


def test_credentials_in_the_address_are_refused(public_dns):
    with pytest.raises(ValidationError, match="user names"):
        webhook_target_check(url="https://me:pw@hooks.example.org/")


def test_local_targets_are_allowed_only_by_the_setting(monkeypatch):
    monkeypatch.setattr("socialrx.webhooks.socket.getaddrinfo", _resolver("127.0.0.1"))
    with override_settings(WEBHOOK_ALLOW_HTTP=True, WEBHOOK_ALLOW_PRIVATE_ADDRESSES=True):
        webhook_target_check(url="http://localhost:8001/hook")


# --- the subscriptions API ------------------------------------------------------------------


def test_client_subscribes_and_sees_the_secret_once(api, public_dns, client_app):
    response = api.post(
        HOOKS,
        {"target_url": "https://hooks.example.org/in", "events": ["referral.status_changed"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    subscription = WebhookSubscription.objects.get()
    assert body["secret"] == subscription.secret and body["secret"].startswith("whsec_")
    assert subscription.client == client_app
    listed = api.get(HOOKS).json()
    assert [s["id"] for s in listed] == [subscription.pk]
    assert "secret" not in listed[0]
    assert "secret" not in api.get(reverse("api_webhook_detail", args=[subscription.pk])).json()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"target_url": "http://hooks.example.org/in", "events": ["referral.status_changed"]},
            "target_url",
            "Use an https:// address",
        ),
        ({"target_url": "https://hooks.example.org/in", "events": []}, "events", None),
        ({"target_url": "https://hooks.example.org/in", "events": ["everything"]}, "events", None),
        ({"target_url": "not a url", "events": ["referral.status_changed"]}, "target_url", None),
    ],
)
def test_bad_subscriptions_are_400_and_make_nothing(api, public_dns, data, field, message):
    response = api.post(HOOKS, data, format="json")
    assert response.status_code == 400
    errors = response.json()["error"]["fields"]
    assert field in errors
    if message:
        assert errors[field] == [message]
    assert not WebhookSubscription.objects.exists()


def test_subscription_to_a_private_address_is_400(api, monkeypatch):
    monkeypatch.setattr("socialrx.webhooks.socket.getaddrinfo", _resolver("10.0.0.8"))
    response = api.post(
        HOOKS,
        {"target_url": "https://intranet.example.org/", "events": ["referral.feedback_sent"]},
        format="json",
    )
    assert response.status_code == 400
    assert "private or local" in response.json()["error"]["fields"]["target_url"][0]
    assert not WebhookSubscription.objects.exists()


def test_another_clients_subscription_is_not_found(api, practice_b, admin_user):
    other = api_client_create(
        name="Practice B system", organisation=practice_b, scopes=list(ApiScope), by=admin_user
    )
    theirs = WebhookSubscription.objects.create(
        client=other, target_url="https://b.example.org/", events=["referral.status_changed"]
    )
    assert api.get(reverse("api_webhook_detail", args=[theirs.pk])).status_code == 404
    assert api.delete(reverse("api_webhook_detail", args=[theirs.pk])).status_code == 404
    assert api.get(reverse("api_webhook_deliveries", args=[theirs.pk])).status_code == 404
    assert WebhookSubscription.objects.filter(pk=theirs.pk).exists()
    assert api.get(HOOKS).json() == []


def test_client_unsubscribes(api, subscription):
    response = api.delete(reverse("api_webhook_detail", args=[subscription.pk]))
    assert response.status_code == 204
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize("role", ["practice_staff", "admin_user", "link_worker"])
def test_people_cannot_use_the_webhooks_api(request, role, subscription):
    user = request.getfixturevalue(role)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    response = client.get(HOOKS)
    assert response.status_code == 403
    assert "belong to API clients" in response.json()["error"]["message"]
    assert client.delete(reverse("api_webhook_detail", args=[subscription.pk])).status_code == 403


def test_anonymous_gets_401(subscription):
    assert APIClient().get(HOOKS).status_code == 401


# --- events on status changes and feedback --------------------------------------------------


def _referral(practice, link_worker):
    return ReferralFactory(
        person=PersonFactory(practice=practice, link_worker=link_worker),
        referring_practice=practice,
        link_worker=link_worker,
    )


def test_status_change_posts_a_signed_event_after_commit(
    subscription, practice_a, link_worker, public_dns, django_capture_on_commit_callbacks
):
    referral = _referral(practice_a, link_worker)
    with mock.patch("socialrx.webhooks.requests.post", return_value=ok()) as post:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            referral_status_change(
                referral=referral, to_status=ReferralStatus.CONTACTED, by=link_worker
            )
        assert post.call_count == 0  # nothing leaves before the change is committed
        for callback in callbacks:
            callback()
    assert post.call_count == 1
    (url,), kwargs = post.call_args
    assert url == subscription.target_url
    assert kwargs["allow_redirects"] is False
    body = kwargs["data"]
    headers = kwargs["headers"]
    assert webhook_signature_verify(
        secret=subscription.secret, header=headers["X-Socialrx-Signature"], body=body
    )
    event = json.loads(body)
    assert headers["X-Socialrx-Event-Id"] == event["id"]
    assert event["type"] == "referral.status_changed"
    assert set(event) == {"id", "type", "occurred_at", "data"}
    assert set(event["data"]) == {"referral_id", "status", "previous_status", "changed_at"}
    assert event["data"]["referral_id"] == referral.pk
    assert event["data"]["status"] == "contacted"
    assert event["data"]["previous_status"] == "received"
    log = WebhookDelivery.objects.get()
    assert (log.outcome, log.attempt, log.status_code) == (DeliveryOutcome.DELIVERED, 1, 200)
    assert log.duration_ms is not None and log.next_retry_at is None


def test_feedback_posts_an_event_with_its_code(
    subscription, practice_a, link_worker, public_dns, django_capture_on_commit_callbacks
):
    referral = _referral(practice_a, link_worker)
    with (
        mock.patch("socialrx.webhooks.requests.post", return_value=ok(204)) as post,
        django_capture_on_commit_callbacks(execute=True),
    ):
        feedback = feedback_send(
            referral=referral,
            by=link_worker,
            snomed_code=Feedback.Snomed.REFERRED,
            needs_and_concerns="Lonely.",
            support_offered="Walking group.",
        )
    event = json.loads(post.call_args.kwargs["data"])
    assert event["type"] == "referral.feedback_sent"
    assert event["data"]["feedback_id"] == feedback.pk
    assert event["data"]["snomed_code"] == "871731000000106"
    assert "Lonely" not in post.call_args.kwargs["data"].decode()


def test_no_event_for_other_practices_revoked_clients_or_other_events(
    subscription,
    client_app,
    admin_user,
    practice_a,
    practice_b,
    link_worker,
    other_link_worker,
    public_dns,
    django_capture_on_commit_callbacks,
):
    theirs = _referral(practice_b, other_link_worker)
    with (
        mock.patch("socialrx.webhooks.requests.post", return_value=ok()) as post,
        django_capture_on_commit_callbacks(execute=True),
    ):
        referral_status_change(
            referral=theirs, to_status=ReferralStatus.CONTACTED, by=other_link_worker
        )
        subscription.events = ["referral.feedback_sent"]
        subscription.save()
        ours = _referral(practice_a, link_worker)
        referral_status_change(referral=ours, to_status=ReferralStatus.CONTACTED, by=link_worker)
        subscription.events = list(WebhookEvent.values)
        subscription.save()
        api_client_revoke(client=client_app, by=admin_user)
        referral_status_change(referral=ours, to_status=ReferralStatus.ACTIVE, by=link_worker)
    assert post.call_count == 0
    assert not WebhookDelivery.objects.exists()


# --- retries --------------------------------------------------------------------------------


def _payload(event_id: str = "6f1c1f0e-2d2b-4a53-9d7e-0c2c7f6f0a11") -> dict:
    return {
        "id": event_id,
        "type": "referral.status_changed",
        "occurred_at": "2026-03-01T09:00:00+00:00",
        "data": {"referral_id": 1, "status": "contacted"},
    }


def test_backoff_doubles_and_is_capped():
    delays = [retry_delay(n) for n in range(1, 9)]
    assert delays[:4] == [30, 60, 120, 240]
    assert delays == sorted(delays)
    assert max(delays) <= settings.WEBHOOK_RETRY_BACKOFF_MAX_SECONDS


def test_failed_attempts_are_logged_with_the_next_try_then_given_up(subscription, public_dns):
    post = mock.Mock(side_effect=requests.ConnectionError("refused"))
    results = [
        webhook_deliver(subscription_id=subscription.pk, payload=_payload(), attempt=n, post=post)
        for n in range(1, settings.WEBHOOK_MAX_ATTEMPTS + 1)
    ]
    assert [r.outcome for r in results] == [DeliveryOutcome.RETRYING] * (
        settings.WEBHOOK_MAX_ATTEMPTS - 1
    ) + [DeliveryOutcome.GAVE_UP]
    assert [r.retry_in for r in results[:3]] == [30, 60, 120]
    logs = list(WebhookDelivery.objects.order_by("attempt"))
    assert [d.attempt for d in logs] == list(range(1, settings.WEBHOOK_MAX_ATTEMPTS + 1))
    assert logs[0].error == "Could not connect (ConnectionError)"
    assert logs[0].next_retry_at is not None and logs[-1].next_retry_at is None
    delay = (logs[1].next_retry_at - logs[1].attempted_at).total_seconds()
    assert 59 <= delay <= 61


def test_a_receiver_error_is_retried_and_logged_with_its_status(subscription, public_dns):
    result = webhook_deliver(
        subscription_id=subscription.pk, payload=_payload(), attempt=1, post=lambda *a, **k: ok(503)
    )
    assert result.retry_in == 30
    log = WebhookDelivery.objects.get()
    assert (log.status_code, log.error) == (503, "The receiver answered 503")


def test_an_attempt_run_twice_posts_once(subscription, public_dns):
    post = mock.Mock(return_value=ok(500))
    webhook_deliver(subscription_id=subscription.pk, payload=_payload(), attempt=1, post=post)
    webhook_deliver(subscription_id=subscription.pk, payload=_payload(), attempt=1, post=post)
    assert post.call_count == 1
    post.return_value = ok(200)
    webhook_deliver(subscription_id=subscription.pk, payload=_payload(), attempt=2, post=post)
    webhook_deliver(subscription_id=subscription.pk, payload=_payload(), attempt=3, post=post)
    assert post.call_count == 2  # delivered at attempt 2: never sent again


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_the_task_retries_through_celery_until_delivered(subscription, public_dns, monkeypatch):
    """Celery's own retry (apply() runs each retry at once instead of after the countdown)."""
    monkeypatch.setitem(webhook_deliver_task.app.conf, "task_eager_propagates", False)
    answers = [requests.Timeout(), ok(502), ok(200)]
    with (
        mock.patch("socialrx.webhooks.requests.post", side_effect=answers) as post,
        mock.patch.object(webhook_deliver_task, "retry", wraps=webhook_deliver_task.retry) as retry,
    ):
        webhook_deliver_task.apply(
            kwargs={"subscription_id": subscription.pk, "payload": _payload()}, throw=False
        )
    assert post.call_count == 3
    assert [c.kwargs["countdown"] for c in retry.call_args_list] == [30, 60]
    logs = list(WebhookDelivery.objects.order_by("attempt"))
    assert [(d.attempt, d.outcome) for d in logs] == [
        (1, DeliveryOutcome.RETRYING),
        (2, DeliveryOutcome.RETRYING),
        (3, DeliveryOutcome.DELIVERED),
    ]
    assert logs[0].error == "No answer in time"


def test_a_target_that_now_resolves_privately_is_not_posted(subscription, monkeypatch):
    monkeypatch.setattr("socialrx.webhooks.socket.getaddrinfo", _resolver("169.254.169.254"))
    post = mock.Mock()
    result = webhook_deliver(
        subscription_id=subscription.pk, payload=_payload(), attempt=1, post=post
    )
    assert result.outcome == DeliveryOutcome.REFUSED and result.retry_in is None
    assert post.call_count == 0
    assert WebhookDelivery.objects.get().outcome == DeliveryOutcome.REFUSED


def test_the_delivery_log_holds_no_personal_data(
    subscription, practice_a, link_worker, public_dns, django_capture_on_commit_callbacks
):
    """The log's fields are ids, codes, times and our own error wording; the payload has ids
    and statuses only."""
    fields = {f.name for f in WebhookDelivery._meta.get_fields()}
    assert fields == {
        "id",
        "subscription",
        "event_id",
        "event_type",
        "payload",
        "attempt",
        "attempted_at",
        "outcome",
        "status_code",
        "duration_ms",
        "error",
        "next_retry_at",
    }
    referral = _referral(practice_a, link_worker)
    person = referral.person
    with (
        mock.patch("socialrx.webhooks.requests.post", return_value=ok(500)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        referral_status_change(
            referral=referral, to_status=ReferralStatus.CONTACTED, by=link_worker
        )
    logged = list(WebhookDelivery.objects.values())
    # In-process (no broker): one attempt, given up at once rather than retried in the request.
    assert [d["outcome"] for d in logged] == [DeliveryOutcome.GAVE_UP]
    text = json.dumps(logged, default=str)
    for value in (person.given_name, person.family_name, person.nhs_number, person.postcode):
        assert not value or value not in text
    assert set(logged[0]["payload"]["data"]) == {
        "referral_id",
        "status",
        "previous_status",
        "changed_at",
    }


# --- the log for administrators and the client ----------------------------------------------


def test_admin_sees_the_delivery_log_and_the_client_its_own(
    client_for, admin_user, api, subscription, public_dns
):
    webhook_deliver(
        subscription_id=subscription.pk, payload=_payload(), attempt=1, post=lambda *a, **k: ok(500)
    )
    page = client_for(admin_user).get(reverse("socialrx:webhook_delivery_list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "The receiver answered 500" in text and subscription.target_url in text
    filtered = client_for(admin_user).get(
        reverse("socialrx:webhook_delivery_list"), {"outcome": "delivered"}
    )
    assert "The receiver answered 500" not in filtered.content.decode()

    body = api.get(reverse("api_webhook_deliveries", args=[subscription.pk])).json()
    assert [(d["attempt"], d["outcome"], d["status_code"]) for d in body["results"]] == [
        (1, "retrying", 500)
    ]
    assert body["results"][0]["next_retry_at"] is not None


def test_the_log_is_pruned_after_its_days(subscription, public_dns):
    import datetime as dt

    from django.utils import timezone

    from socialrx.webhooks import webhook_deliveries_prune

    for attempt in (1, 2):
        webhook_deliver(
            subscription_id=subscription.pk,
            payload=_payload(),
            attempt=attempt,
            post=lambda *a, **k: ok(500),
        )
    WebhookDelivery.objects.filter(attempt=1).update(
        attempted_at=timezone.now() - dt.timedelta(days=settings.WEBHOOK_LOG_DAYS + 1)
    )
    assert webhook_deliveries_prune() == 1
    assert list(WebhookDelivery.objects.values_list("attempt", flat=True)) == [2]


def test_the_beat_schedule_prunes_the_log_nightly():
    from socialrx.celery import app

    entry = app.conf.beat_schedule["socialrx-webhook-log-prune"]
    assert entry["task"] == webhook_deliveries_prune_task_name()


def webhook_deliveries_prune_task_name() -> str:
    from socialrx.tasks import webhook_deliveries_prune_task

    return webhook_deliveries_prune_task.name

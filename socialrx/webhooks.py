"""Webhooks: events posted to the addresses API clients subscribe, signed, retried, logged.

An app publishes an event with :func:`webhook_event_publish` (inside its transaction); after
commit one Celery task per subscription posts it (:func:`webhook_deliver`). Each attempt is a
:class:`~socialrx.models.WebhookDelivery` row. A failed attempt (no answer, or not 2xx) is
tried again after ``WEBHOOK_RETRY_BACKOFF_SECONDS``, doubling each time up to
``WEBHOOK_RETRY_BACKOFF_MAX_SECONDS``, ``WEBHOOK_MAX_ATTEMPTS`` times in all.

The body is JSON with ids, a status and a time: no personal data. The signature header is
``X-Socialrx-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from .audit import audit_record
from .integration_models import (
    ApiClient,
    DeliveryOutcome,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from .models import AuditLog

SIGNATURE_HEADER = "X-Socialrx-Signature"
EVENT_ID_HEADER = "X-Socialrx-Event-Id"
USER_AGENT = "socialrx-webhooks/1"


# --- targets ---------------------------------------------------------------------------------


def _address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def webhook_target_check(*, url: str) -> None:
    """Refuse a target the service must not post to: not https (unless WEBHOOK_ALLOW_HTTP), with
    credentials, or naming or resolving to a private, loopback, link-local or otherwise
    non-public address (unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES)."""
    parts = urlsplit(url)
    allowed_schemes = {"https", "http"} if settings.WEBHOOK_ALLOW_HTTP else {"https"}
    if parts.scheme not in allowed_schemes:
        raise ValidationError("Use an https:// address", code="webhook_scheme")
    if not parts.hostname:
        raise ValidationError("Enter a full address, such as https://example.org/hooks")
    if parts.username or parts.password:
        raise ValidationError("Leave user names and passwords out of the address")
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise ValidationError("The address's port is not valid") from exc
    try:
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise ValidationError("The address's host name could not be found") from exc
    addresses = {str(info[4][0]) for info in infos}
    if not addresses or not all(_address_allowed(a) for a in addresses):
        raise ValidationError(
            "The address is on a private or local network: use a public address",
            code="webhook_private",
        )


# --- subscriptions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NewSubscription:
    subscription: WebhookSubscription
    # Shown once, when the subscription is made.
    secret: str


def webhook_subscribe(
    *, client: ApiClient, target_url: str, events: list[str], by: Any
) -> NewSubscription:
    if not events:
        raise ValidationError({"events": "Choose at least one event"})
    unknown = sorted(set(events) - set(WebhookEvent.values))
    if unknown:
        raise ValidationError({"events": f"Unknown events: {', '.join(unknown)}"})
    try:
        webhook_target_check(url=target_url)
    except ValidationError as exc:
        raise ValidationError({"target_url": exc.messages}) from exc
    secret = "whsec_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            client=client, target_url=target_url, events=sorted(set(events)), secret=secret
        )
        audit_record(
            user=by,
            action=AuditLog.Action.CREATE,
            obj=subscription,
            detail="events: " + ", ".join(subscription.events),
        )
    return NewSubscription(subscription=subscription, secret=secret)


def webhook_unsubscribe(*, subscription: WebhookSubscription, by: Any) -> None:
    with transaction.atomic():
        audit_record(user=by, action=AuditLog.Action.DELETE, obj=subscription)
        subscription.delete()


# --- events ----------------------------------------------------------------------------------


def webhook_event_publish(
    *, organisation_id: int | None, event_type: str, data: dict[str, Any]
) -> uuid.UUID | None:
    """Post ``data`` (ids and statuses, nothing personal) to every live subscription of the
    API clients of practice ``organisation_id`` that asked for ``event_type``, after the
    current transaction commits. Returns the event's id (None when no one subscribed)."""
    if organisation_id is None:
        return None
    subscriptions = [
        s.pk
        for s in WebhookSubscription.objects.filter(
            client__organisation_id=organisation_id, client__revoked_at__isnull=True
        ).only("pk", "events")
        if event_type in (s.events or [])
    ]
    if not subscriptions:
        return None
    event_id = uuid.uuid4()
    payload = {
        "id": str(event_id),
        "type": event_type,
        "occurred_at": timezone.now().isoformat(),
        "data": data,
    }
    from .tasks import webhook_deliver_task

    for pk in subscriptions:
        transaction.on_commit(partial(_enqueue, webhook_deliver_task, pk, payload))
    return event_id


def _enqueue(task: Any, subscription_id: int, payload: dict[str, Any]) -> None:
    task.delay(subscription_id=subscription_id, payload=payload)


# --- delivery --------------------------------------------------------------------------------


def webhook_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def webhook_signature_verify(
    *, secret: str, header: str, body: bytes, tolerance: int = 300, now: float | None = None
) -> bool:
    """What a receiver does (docs/api.md has the same in a few lines)."""
    try:
        fields = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = webhook_signature(secret=secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected, f"t={timestamp},v1={fields.get('v1', '')}")


def retry_delay(attempt: int) -> int:
    """Seconds to wait after failed attempt ``attempt`` (1, 2, ...): doubling, capped."""
    return int(
        min(
            settings.WEBHOOK_RETRY_BACKOFF_SECONDS * 2 ** (attempt - 1),
            settings.WEBHOOK_RETRY_BACKOFF_MAX_SECONDS,
        )
    )


@dataclass(frozen=True)
class AttemptResult:
    outcome: str | None  # None: nothing was attempted (already done, or nothing to send to)
    retry_in: int | None = None


def webhook_deliver(
    *,
    subscription_id: int,
    payload: dict[str, Any],
    attempt: int,
    post: Any = None,
    final: bool = False,
) -> AttemptResult:
    """Make attempt ``attempt`` to post ``payload`` to the subscription and log it. Safe to run
    twice: an attempt already logged, or an event already delivered, is not sent again.
    ``final``: no retry will follow whatever happens (tasks run in-process, without a worker)."""
    post = post or requests.post
    subscription = (
        WebhookSubscription.objects.select_related("client")
        .filter(pk=subscription_id, client__revoked_at__isnull=True)
        .first()
    )
    if subscription is None:
        return AttemptResult(outcome=None)
    event_id = uuid.UUID(payload["id"])
    done = WebhookDelivery.objects.filter(subscription=subscription, event_id=event_id)
    if (
        done.filter(attempt=attempt).exists()
        or done.filter(outcome=DeliveryOutcome.DELIVERED).exists()
    ):
        return AttemptResult(outcome=None)
    log: dict[str, Any] = {
        "subscription": subscription,
        "event_id": event_id,
        "event_type": payload["type"],
        "payload": payload,
        "attempt": attempt,
        "attempted_at": timezone.now(),
    }
    try:
        webhook_target_check(url=subscription.target_url)
    except ValidationError as exc:
        _log(log, outcome=DeliveryOutcome.REFUSED, error=exc.messages[0])
        return AttemptResult(outcome=DeliveryOutcome.REFUSED)
    body = webhook_body(payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: webhook_signature(
            secret=subscription.secret, timestamp=int(time.time()), body=body
        ),
        EVENT_ID_HEADER: str(event_id),
    }
    started = time.monotonic()
    status_code: int | None = None
    error = ""
    try:
        response = post(
            subscription.target_url,
            data=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
        status_code = int(response.status_code)
        if not 200 <= status_code < 300:
            error = f"The receiver answered {status_code}"
    except requests.Timeout:
        error = "No answer in time"
    except requests.RequestException as exc:
        error = f"Could not connect ({type(exc).__name__})"
    duration_ms = int((time.monotonic() - started) * 1000)
    if not error:
        _log(log, outcome=DeliveryOutcome.DELIVERED, status_code=status_code, ms=duration_ms)
        return AttemptResult(outcome=DeliveryOutcome.DELIVERED)
    if final or attempt >= settings.WEBHOOK_MAX_ATTEMPTS:
        _log(
            log,
            outcome=DeliveryOutcome.GAVE_UP,
            status_code=status_code,
            ms=duration_ms,
            error=error,
        )
        return AttemptResult(outcome=DeliveryOutcome.GAVE_UP)
    delay = retry_delay(attempt)
    _log(
        log,
        outcome=DeliveryOutcome.RETRYING,
        status_code=status_code,
        ms=duration_ms,
        error=error,
        next_retry_at=timezone.now() + dt.timedelta(seconds=delay),
    )
    return AttemptResult(outcome=DeliveryOutcome.RETRYING, retry_in=delay)


def _log(
    log: dict[str, Any],
    *,
    outcome: str,
    status_code: int | None = None,
    ms: int | None = None,
    error: str = "",
    next_retry_at: dt.datetime | None = None,
) -> None:
    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(
                **log,
                outcome=outcome,
                status_code=status_code,
                duration_ms=ms,
                error=error[:300],
                next_retry_at=next_retry_at,
            )
    except IntegrityError:  # the same attempt logged by a second run of the task
        pass


def webhook_deliveries_prune(*, days: int | None = None) -> int:
    """Delete delivery log rows older than ``days`` (WEBHOOK_LOG_DAYS). Returns how many."""
    days = settings.WEBHOOK_LOG_DAYS if days is None else days
    cutoff = timezone.now() - dt.timedelta(days=days)
    deleted, _ = WebhookDelivery.objects.filter(attempted_at__lt=cutoff).delete()
    return deleted

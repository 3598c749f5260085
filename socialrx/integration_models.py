"""Systems that use the API: API clients, their tokens, and the webhooks they subscribe to.

An API client is a practice's system (a GP clinical system integration, a partner's case
system), not a person. It acts through an account of its own (``ApiClient.user``, practice
staff of its practice, with no password), so every scope rule for practice staff applies to it
unchanged, and what it does is recorded under its own name. Imported into ``models``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from .models import Practice


class ApiScope(models.TextChoices):
    """What a client's tokens may do. Each API view names the scope each method needs."""

    REFERRALS_READ = "referrals:read", "Read the practice's referrals and their status"
    REFERRALS_WRITE = "referrals:write", "Send referrals"
    WEBHOOKS_MANAGE = "webhooks:manage", "Subscribe to webhooks and read their delivery log"


class ApiClient(models.Model):
    name = models.CharField(max_length=100, unique=True)
    organisation = models.ForeignKey(
        Practice,
        on_delete=models.PROTECT,
        related_name="api_clients",
        help_text="The practice the client acts for: it sees and sends that practice's referrals.",
    )
    # The account the client acts as (role practice staff, no password: it cannot sign in).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client"
    )
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


def token_hash(token: str) -> str:
    """Tokens are 256 random bits: a plain SHA-256 is enough (nothing to guess)."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A client's bearer token: ``sxk_<prefix>_<secret>``. Only the prefix (to find the row)
    and the SHA-256 of the whole token are kept; the token is shown once, when issued."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="tokens")
    prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.client} token {self.prefix}"

    def usable(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return (
            self.revoked_at is None
            and self.client.revoked_at is None
            and self.expires_at > now
            and self.client.user.is_active
        )


class WebhookEvent(models.TextChoices):
    REFERRAL_STATUS_CHANGED = "referral.status_changed", "A referral's status changed"
    FEEDBACK_SENT = "referral.feedback_sent", "Feedback was sent for a referral"


class WebhookSubscription(models.Model):
    """Where a client wants events posted. The secret signs every delivery (HMAC-SHA256); it is
    kept as it is (signing needs it) and shown to the client once, when they subscribe."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="webhooks")
    target_url = models.URLField(max_length=500)
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=100, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.client}: {self.target_url}"


class DeliveryOutcome(models.TextChoices):
    DELIVERED = "delivered", "Delivered"
    RETRYING = "retrying", "Failed: will retry"
    GAVE_UP = "gave_up", "Failed: no more retries"
    REFUSED = "refused", "Not sent: the address is not allowed"


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one subscription. No personal data: the event
    holds ids, a status and a time, and the log keeps the answer's status code and an error
    message of our own wording (never the receiver's body)."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(db_index=True)
    event_type = models.CharField(max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField()
    attempt = models.PositiveSmallIntegerField()
    attempted_at = models.DateTimeField(default=timezone.now, db_index=True)
    outcome = models.CharField(max_length=10, choices=DeliveryOutcome.choices)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    next_retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-attempted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id", "attempt"], name="webhook_delivery_attempt_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} attempt {self.attempt}: {self.outcome}"

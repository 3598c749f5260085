"""Feedback to the referrer: the letter with its SNOMED CT code, and the email saying it is
waiting."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from socialrx.audit import acting_user
from socialrx.models import WebhookEvent
from socialrx.webhooks import webhook_event_publish

from ..models import ConnectionOutcome, Feedback, Person, Referral, ReferralStatus
from .activity import person_touch


def feedback_snomed_for(*, referral: Referral) -> str:
    """The code practices record: declined when the person declined, else referred."""
    if referral.status == ReferralStatus.DECLINED:
        return Feedback.Snomed.DECLINED
    return Feedback.Snomed.REFERRED


def feedback_support_prefill(*, person: Person) -> str:
    """Support offered and activities referred to, from the person's connections."""
    lines = []
    for c in person.connections.select_related("asset").order_by("made_on", "id"):
        kind = c.get_kind_display().split(" (")[0].lower()
        line = f"{c.asset.name}: {kind}, {c.made_on:%-d %B %Y}"
        if c.outcome != ConnectionOutcome.PENDING:
            line += f" ({c.get_outcome_display().lower()})"
        lines.append(line)
    return "\n".join(lines)


@acting_user("by")
def feedback_send(
    *,
    referral: Referral,
    by: Any,
    snomed_code: str,
    needs_and_concerns: str,
    support_offered: str,
    outcomes: str = "",
) -> Feedback:
    """Save the message back to the referrer and, when the referral gave an email address,
    tell them it is there (the email names the referral id only)."""
    if snomed_code not in Feedback.Snomed.values:
        raise ValidationError("Choose the SNOMED CT code", code="snomed_code")
    if not needs_and_concerns.strip() or not support_offered.strip():
        raise ValidationError(
            "Enter the needs and concerns, and the support offered", code="feedback_required"
        )
    with transaction.atomic():
        feedback = Feedback.objects.create(
            referral=referral,
            snomed_code=snomed_code,
            needs_and_concerns=needs_and_concerns.strip(),
            support_offered=support_offered.strip(),
            outcomes=outcomes.strip(),
            sent_by=by if getattr(by, "is_authenticated", False) else None,
        )
        person_touch(referral.person)
        # The feedback is part of the referral's API answer: the referral has changed.
        Referral.objects.filter(pk=referral.pk).update(updated_at=timezone.now())
        webhook_event_publish(
            organisation_id=referral.referring_practice_id,
            event_type=WebhookEvent.FEEDBACK_SENT,
            data={
                "referral_id": referral.pk,
                "feedback_id": feedback.pk,
                "snomed_code": feedback.snomed_code,
                "sent_at": feedback.sent_at.isoformat(),
            },
        )
        if referral.referrer_email:
            from ..tasks import feedback_notice_send_task

            feedback_id = feedback.pk
            transaction.on_commit(lambda: feedback_notice_send_task.delay(feedback_id=feedback_id))
    return feedback


def feedback_notice_send(*, feedback_id: int) -> bool:
    """Email the referrer that feedback is waiting. No personal data: the referral id only.
    Returns False when there is nothing to send (feedback gone, no address)."""
    feedback = Feedback.objects.select_related("referral").filter(pk=feedback_id).first()
    if feedback is None or not feedback.referral.referrer_email:
        return False
    referral_id = feedback.referral_id
    # The page the email is about: a practice's referrer reads the feedback on the referral's
    # page under "Our referrals"; anyone else signs in from the front page.
    if feedback.referral.referring_practice_id:
        path = reverse("referrals:practice_referral_detail", kwargs={"pk": referral_id})
    else:
        path = "/"
    send_mail(
        subject=f"Social prescribing feedback for referral {referral_id}",
        message=(
            f"There is feedback for referral {referral_id}, sign in to read it.\n\n"
            f"{settings.SITE_URL.rstrip('/')}{path}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[feedback.referral.referrer_email],
    )
    return True

"""Recording a person's consent, per purpose. Each answer that differs from the current one
(or answers a purpose never asked) becomes a new row, so who recorded what and when is kept;
nothing is ever overwritten. Every row written is in the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from socialrx.audit import audit_record
from socialrx.models import AuditLog

from ..access import people_for
from ..models import Consent, ConsentPurpose, ConsentSource, Person, Referral
from ..selectors.consent import consent_current

# Answers per purpose (a ``ConsentPurpose`` value); None means "not asked", and records nothing.
ConsentAnswers = Mapping[str, bool | None]


def consent_record(
    *,
    person: Person,
    answers: ConsentAnswers,
    by: Any | None,
    source: str,
    referral: Referral | None = None,
    at: dt.datetime | None = None,
) -> list[Consent]:
    """Record the answers given through ``source``; returns the rows written (none when every
    answer is the one already recorded). ``by`` is empty only for a self-referral."""
    unknown = set(answers) - set(ConsentPurpose.values)
    if unknown:
        raise ValidationError(f"Unknown consent purpose: {', '.join(sorted(unknown))}")
    if source not in ConsentSource.values:
        raise ValidationError("Unknown consent source")
    user = by if getattr(by, "is_authenticated", False) else None
    current = consent_current(person=person)
    when = at or timezone.now()
    written: list[Consent] = []
    with transaction.atomic():
        for purpose in ConsentPurpose.values:
            given = answers.get(purpose)
            if given is None:
                continue
            before = current[purpose]
            if before is not None and before.given == given:
                continue
            row = Consent.objects.create(
                person=person,
                purpose=purpose,
                given=given,
                recorded_by=user,
                recorded_at=when,
                source=source,
                referral=referral,
            )
            audit_record(
                user=user,
                action=AuditLog.Action.CREATE,
                obj=row,
                person_id=person.pk,
                detail=f"consent {purpose} via {source}",
                changes={"given": [before.given if before else None, given]},
            )
            written.append(row)
    return written


def consent_change(*, person: Person, answers: ConsentAnswers, by: Any) -> list[Consent]:
    """The link worker records what the person said in a conversation. Only someone who may
    open the person's record may change it (their team's link workers, administrators)."""
    if not people_for(user=by).filter(pk=person.pk).exists():
        raise PermissionDenied
    return consent_record(person=person, answers=answers, by=by, source=ConsentSource.CONVERSATION)

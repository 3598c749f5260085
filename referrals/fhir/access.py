"""Who may read what through the FHIR interface. A referral, its Task and its message back
are the referrer's: the staff of the practice that made it (and administrators). Wellbeing
answers are the case's: the link workers of the person's team (and administrators), as on the
pages. Out of scope is 404."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from socialrx.http import get_in_scope_or_404
from socialrx.models import Role

from ..access import people_for, referrals_for
from ..models import Feedback, Person, Referral


def referrals_for_referrer(*, user: Any) -> QuerySet[Referral]:
    if not getattr(user, "is_authenticated", False):
        return Referral.objects.none()
    if not (user.is_admin or user.role == Role.PRACTICE_STAFF):
        return Referral.objects.none()
    return (
        referrals_for(user=user)
        .select_related("referring_practice", "team", "person", "joined_case")
        .prefetch_related("status_changes", "feedback")
    )


def referral_get_for_referrer(*, user: Any, pk: int) -> Referral:
    return get_in_scope_or_404(referrals_for_referrer(user=user), what="referral", pk=pk)


def feedback_get_for_referrer(*, user: Any, pk: int) -> Feedback:
    scope = Feedback.objects.filter(referral__in=referrals_for_referrer(user=user)).select_related(
        "referral__referring_practice", "referral__person", "sent_by"
    )
    return get_in_scope_or_404(scope, what="feedback", pk=pk)


def person_get_for_casework(*, user: Any, pk: int) -> Person:
    return get_in_scope_or_404(people_for(user=user), what="person", pk=pk)

"""Reads for referral intake: the practice's referrals, a volunteer's referrals (status only),
closed-route enquiries."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery

from assets.models import Asset
from socialrx.http import get_in_scope_or_404
from socialrx.validators import normalise_nhs_number

from ..access import referrals_for
from ..models import ClosedRouteEnquiry, Feedback, Referral, ReferralStatusChange, Source


def practice_referral_list(*, user: Any, status: str = "", query: str = "") -> QuerySet[Referral]:
    """The referrals ``user`` may see (practice staff: their practice's), newest first, with
    the named link worker and the latest feedback's date and SNOMED code in the same query.
    ``query`` (a name or an NHS number) matches the person as the list shows them: as the
    referrer typed them, or the person's record where nothing was typed and the person is
    registered at the practice that referred (``Referral.as_referred``)."""
    latest = Feedback.objects.filter(referral=OuterRef("pk")).order_by("-sent_at", "-id")
    qs = (
        referrals_for(user=user)
        .select_related("person", "link_worker")
        .annotate(
            latest_feedback_at=Subquery(latest.values("sent_at")[:1]),
            latest_feedback_code=Subquery(latest.values("snomed_code")[:1]),
        )
        .order_by("-received_on", "-id")
    )
    if status:
        qs = qs.filter(status=status)
    query = query.strip()
    if query:
        qs = qs.filter(_as_referred_matches(query))
    return qs


def _as_referred_matches(query: str) -> Q:
    # The person's record stands in only where the list shows it (see Referral.as_referred).
    record_shown = Q(entered_given_name="") & (
        Q(referring_practice__isnull=True) | Q(person__practice_id=F("referring_practice_id"))
    )
    digits = normalise_nhs_number(query)
    if digits.isdigit() and len(digits) == 10:
        return Q(entered_nhs_number=digits) | (record_shown & Q(person__nhs_number=digits))
    match = Q()
    for term in re.split(r"\s+", query)[:4]:
        typed = Q(entered_given_name__icontains=term) | Q(entered_family_name__icontains=term)
        recorded = Q(person__given_name__icontains=term) | Q(person__family_name__icontains=term)
        match &= typed | (record_shown & recorded)
    return match


def practice_referral_get(*, user: Any, pk: int) -> Referral:
    """One referral in ``user``'s scope with its status history and feedback letters; nothing
    of the case itself (notes, conversations, goals) is loaded."""
    scope = (
        referrals_for(user=user)
        .select_related("person", "link_worker", "team", "referring_practice")
        .prefetch_related(
            Prefetch(
                "status_changes",
                queryset=ReferralStatusChange.objects.select_related("by").order_by("at", "id"),
            ),
            Prefetch(
                "feedback",
                queryset=Feedback.objects.select_related("sent_by").order_by("-sent_at", "-id"),
            ),
        )
    )
    return get_in_scope_or_404(scope, what="referral", pk=pk)


def referral_confirmation_get(*, user: Any, pk: int) -> Referral:
    """A referral just made, for its confirmation page: in ``user``'s scope, or made by them
    (a link worker may record a referral for another team's area, which they cannot see)."""
    scope = Referral.objects.filter(
        Q(pk__in=referrals_for(user=user).values("pk")) | Q(referred_by=user)
    ).select_related("team", "link_worker")
    return get_in_scope_or_404(scope, what="referral", pk=pk)


def community_referrals_for(*, user: Any) -> QuerySet[Referral]:
    """A volunteer's own community referrals, for showing their status only: the person is
    not loaded and must not be shown (a volunteer sees no one's case)."""
    if not getattr(user, "is_authenticated", False):
        return Referral.objects.none()
    return (
        Referral.objects.filter(referred_by=user, source=Source.COMMUNITY)
        .only("id", "received_on", "status", "source", "referrer_organisation")
        .order_by("-received_on", "-id")
    )


def community_referral_assets_for(*, user: Any) -> QuerySet[Asset]:
    """Groups a volunteer may refer on behalf of: the directory listings they keep."""
    if not getattr(user, "is_authenticated", False):
        return Asset.objects.none()
    return Asset.objects.filter(maintainers=user, ended_on__isnull=True).order_by("name")


def closed_route_enquiry_list(*, handled: bool | None = None) -> QuerySet[ClosedRouteEnquiry]:
    qs = ClosedRouteEnquiry.objects.select_related("submitted_by", "handled_by").order_by(
        "handled", "-received_at", "-id"
    )
    if handled is not None:
        qs = qs.filter(handled=handled)
    return qs

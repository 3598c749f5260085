"""Who may reach which people and referrals. Every view, API view and selector goes through
these; out of scope is 404 (``Http404``), never a hint that the record exists."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from socialrx.http import get_in_scope_or_404
from socialrx.models import Role

from .models import Person, Referral


def people_for(*, user: Any) -> QuerySet[Person]:
    """People whose case records ``user`` may open: administrators all, link workers their
    team's. Practice staff, volunteers and commissioners open no case record."""
    if not getattr(user, "is_authenticated", False):
        return Person.objects.none()
    if user.is_admin:
        return Person.objects.all()
    if user.role == Role.LINK_WORKER and user.team_id:
        return Person.objects.filter(team_id=user.team_id)
    return Person.objects.none()


def person_get_for(*, user: Any, pk: int) -> Person:
    return get_in_scope_or_404(people_for(user=user), what="person", pk=pk)


def referrals_for(*, user: Any) -> QuerySet[Referral]:
    """Referrals ``user`` may see: administrators all; link workers those of their team's
    people; practice staff those their practice made; volunteers those they made."""
    if not getattr(user, "is_authenticated", False):
        return Referral.objects.none()
    if user.is_admin:
        return Referral.objects.all()
    if user.role == Role.LINK_WORKER and user.team_id:
        return Referral.objects.filter(person__team_id=user.team_id)
    if user.role == Role.PRACTICE_STAFF and user.practice_id:
        return Referral.objects.filter(referring_practice_id=user.practice_id)
    if user.role == Role.VOLUNTEER:
        return Referral.objects.filter(referred_by=user)
    return Referral.objects.none()


def referral_get_for(*, user: Any, pk: int) -> Referral:
    return get_in_scope_or_404(referrals_for(user=user), what="referral", pk=pk)

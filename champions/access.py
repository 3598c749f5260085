"""Who may reach which volunteer records. Out of scope is 404, never a hint that the record
exists. A volunteer reaches only their own record and what hangs off it; link workers and
administrators see every volunteer (volunteers are not on a team's caseload); practice staff
and commissioners see no individual volunteer."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from socialrx.http import get_in_scope_or_404
from socialrx.models import Role

from .models import Champion, Event, HoursLog


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_see_volunteers(user: Any) -> bool:
    return _signed_in(user) and (user.is_admin or user.role == Role.LINK_WORKER)


def can_manage_champions(user: Any) -> bool:
    """Create and edit champion records: administrators only."""
    return _signed_in(user) and user.is_admin


def champions_for(*, user: Any) -> QuerySet[Champion]:
    if can_see_volunteers(user):
        return Champion.objects.all()
    return Champion.objects.none()


def champion_get_for(*, user: Any, pk: int) -> Champion:
    scope = champions_for(user=user).select_related("home_practice", "user")
    return get_in_scope_or_404(scope, what="volunteer", pk=pk)


def own_champion(*, user: Any) -> Champion:
    """The signed-in volunteer's own record; 404 for anyone else or before it is set up."""
    if not _signed_in(user) or user.role != Role.VOLUNTEER:
        raise Http404("Not a volunteer")
    champion = Champion.objects.select_related("home_practice").filter(user=user).first()
    if champion is None:
        raise Http404("No volunteer record")
    return champion


def hours_log_get_for(*, user: Any, pk: int) -> HoursLog:
    """A volunteer's own hours entry. Another volunteer's entry is not found."""
    scope = HoursLog.objects.filter(champion__user=user, champion__user__isnull=False)
    return get_in_scope_or_404(scope, what="entry", pk=pk)


def event_get_for(*, user: Any, pk: int) -> Event:
    scope = Event.objects.filter(champion__user=user, champion__user__isnull=False)
    return get_in_scope_or_404(scope, what="event", pk=pk)

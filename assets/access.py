"""Who may reach which listings and gaps. Views, API views and selectors all go through these;
out of scope is 404, never a hint that the record exists."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from socialrx.http import get_in_scope_or_404
from socialrx.models import Role

from .models import Asset, Gap, ListingStatus


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def assets_visible_to(*, user: Any) -> QuerySet[Asset]:
    """Listings ``user`` may open: approved ones for everyone (the directory is public); pending
    or rejected ones only for administrators, the listing's keepers and whoever proposed it."""
    approved = Q(listing_status=ListingStatus.APPROVED)
    if not _signed_in(user):
        return Asset.objects.filter(approved)
    if user.is_admin:
        return Asset.objects.all()
    return Asset.objects.filter(approved | Q(maintainers=user) | Q(proposed_by=user)).distinct()


def asset_get_visible(*, user: Any, pk: int) -> Asset:
    return get_in_scope_or_404(assets_visible_to(user=user), what="listing", pk=pk)


def assets_kept_by(*, user: Any) -> QuerySet[Asset]:
    """Listings ``user`` keeps (may edit, confirm and update): administrators all, anyone else
    only those they maintain."""
    if not _signed_in(user):
        return Asset.objects.none()
    if user.is_admin:
        return Asset.objects.all()
    return Asset.objects.filter(maintainers=user)


def asset_get_kept(*, user: Any, pk: int) -> Asset:
    """A listing ``user`` keeps; any other listing is out of their scope (404)."""
    return get_in_scope_or_404(assets_kept_by(user=user), what="listing", pk=pk)


def can_see_keepers(*, user: Any) -> bool:
    """Link workers and administrators see who keeps a listing, to reach them about a person."""
    return _signed_in(user) and (user.is_admin or user.role == Role.LINK_WORKER)


def can_log_gaps(*, user: Any) -> bool:
    return _signed_in(user) and (user.is_admin or user.role == Role.LINK_WORKER)


def gaps_for(*, user: Any) -> QuerySet[Gap]:
    if not can_log_gaps(user=user):
        return Gap.objects.none()
    return Gap.objects.all()


def gap_get_for(*, user: Any, pk: int) -> Gap:
    return get_in_scope_or_404(gaps_for(user=user), what="gap", pk=pk)

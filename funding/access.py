"""Who may see and change which organisation's money (docs/funding.md, "Who sees what").

- Administrators: everything, exact figures.
- Commissioners: every award, post and the aggregate figures (small numbers withheld); they
  record and change only the awards and posts their own funding body pays for
  (``CommissionerFunder``), which is how far their area reaches for money.
- A group's keeper (a volunteer): their own listings' figures and the awards to those
  listings or their organisations. Nobody else's.
- Link workers: the current places and referrals of any listing in the directory, not money.
Out of scope is 404; seeing but not being allowed to change is 403."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from assets.models import Asset, ListingStatus
from socialrx.models import Role

from .models import Award, CommissionerFunder, LinkWorkerPost


def is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_admin", False))


def is_commissioning(user: Any) -> bool:
    return is_admin(user) or getattr(user, "role", None) == Role.COMMISSIONER


def funding_body_id(user: Any) -> int | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        CommissionerFunder.objects.filter(user=user)
        .values_list("organisation_id", flat=True)
        .first()
    )


def may_change_award(*, user: Any, funder_id: int | None) -> bool:
    if is_admin(user):
        return True
    if getattr(user, "role", None) != Role.COMMISSIONER:
        return False
    own = funding_body_id(user)
    return own is not None and own == funder_id


may_change_post = may_change_award


def kept_listings(*, user: Any) -> QuerySet[Asset]:
    """The listings a volunteer keeps."""
    if not getattr(user, "is_authenticated", False):
        return Asset.objects.none()
    return Asset.objects.filter(maintainers=user)


def awards_visible_to(*, user: Any) -> QuerySet[Award]:
    if is_commissioning(user):
        return Award.objects.all()
    if getattr(user, "role", None) == Role.VOLUNTEER:
        kept = kept_listings(user=user)
        return Award.objects.filter(
            Q(listings__in=kept)
            | Q(recipient__in=kept.exclude(organisation=None).values("organisation"))
        ).distinct()
    return Award.objects.none()


def posts_visible_to(*, user: Any) -> QuerySet[LinkWorkerPost]:
    if is_commissioning(user):
        return LinkWorkerPost.objects.all()
    return LinkWorkerPost.objects.none()


def capacity_listings_for(*, user: Any) -> QuerySet[Asset]:
    """Listings whose current places and referrals ``user`` may see."""
    if is_admin(user):
        return Asset.objects.all()
    role = getattr(user, "role", None)
    if role == Role.LINK_WORKER:
        return Asset.objects.filter(listing_status=ListingStatus.APPROVED)
    if role == Role.VOLUNTEER:
        return kept_listings(user=user)
    return Asset.objects.none()

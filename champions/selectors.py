"""Reads for the volunteers' pages. Scope is decided here and in ``champions.access``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from assets.models import Asset
from referrals.access import referrals_for
from referrals.models import Referral

from .models import Champion, Event, HoursLog, TrainingRecord

_ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=9, decimal_places=1))


def _sum_subquery(model: type[HoursLog] | type[Event]) -> Coalesce:
    """Total hours per champion as a correlated subquery: two sums over two joins would
    multiply each other, a subquery each keeps the list to one query."""
    totals = (
        model.objects.filter(champion=OuterRef("pk"))
        .order_by()
        .values("champion")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    return Coalesce(
        Subquery(totals, output_field=DecimalField(max_digits=9, decimal_places=1)), _ZERO
    )


def champion_list(*, query: str = "", role: str = "", active: str = "") -> QuerySet[Champion]:
    """Volunteers for the staff list, with their total hours, filtered as asked."""
    qs = (
        Champion.objects.select_related("home_practice", "user")
        .annotate(logged_hours=_sum_subquery(HoursLog), event_hours=_sum_subquery(Event))
        .annotate(total_hours=F("logged_hours") + F("event_hours"))
    )
    query = query.strip()
    if query:
        for word in query.split():
            qs = qs.filter(
                Q(given_name__icontains=word)
                | Q(family_name__icontains=word)
                | Q(home_organisation__icontains=word)
                | Q(home_practice__name__icontains=word)
            )
    if role:
        qs = qs.filter(role=role)
    if active == "yes":
        qs = qs.filter(active=True)
    elif active == "no":
        qs = qs.filter(active=False)
    return qs.order_by("given_name", "family_name", "pk")


def champion_for_user(*, user: Any) -> Champion | None:
    """The signed-in volunteer's own record, if one has been set up."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Champion.objects.select_related("home_practice").filter(user=user).first()


@dataclass(frozen=True)
class HoursSummary:
    logged: Decimal
    events: Decimal
    training: Decimal
    first_on: Any
    last_on: Any

    @property
    def volunteering(self) -> Decimal:
        return self.logged + self.events


def champion_hours_summary(*, champion: Champion) -> HoursSummary:
    logs = HoursLog.objects.filter(champion=champion).aggregate(
        total=Sum("hours"), first=Min("on"), last=Max("on")
    )
    events = Event.objects.filter(champion=champion).aggregate(
        total=Sum("hours"), first=Min("on"), last=Max("on")
    )
    training = TrainingRecord.objects.filter(champion=champion).aggregate(total=Sum("hours"))
    firsts = [d for d in (logs["first"], events["first"]) if d]
    lasts = [d for d in (logs["last"], events["last"]) if d]
    return HoursSummary(
        logged=logs["total"] or Decimal("0"),
        events=events["total"] or Decimal("0"),
        training=training["total"] or Decimal("0"),
        first_on=min(firsts) if firsts else None,
        last_on=max(lasts) if lasts else None,
    )


def hours_for(*, champion: Champion) -> QuerySet[HoursLog]:
    return HoursLog.objects.filter(champion=champion).select_related("asset")


def events_for(*, champion: Champion) -> QuerySet[Event]:
    return Event.objects.filter(champion=champion).select_related("asset")


def training_for(*, champion: Champion) -> QuerySet[TrainingRecord]:
    return TrainingRecord.objects.filter(champion=champion)


def groups_for(*, champion: Champion) -> QuerySet[Asset]:
    """The groups this volunteer keeps (``Asset.maintainers``) or started (as a volunteer, or
    earlier as a person who was referred)."""
    runs = Q(pk__in=[])
    if champion.user_id:
        runs |= Q(maintainers=champion.user_id) | Q(started_by_user=champion.user_id)
    if champion.person_id:
        runs |= Q(started_by_referred__person=champion.person_id)
    # A subquery keeps the maintainers join from repeating a group.
    return Asset.objects.filter(pk__in=Asset.objects.filter(runs).values("pk")).order_by("name")


def group_choices_for(*, champion: Champion) -> QuerySet[Asset]:
    """Groups a volunteer may tag their hours with: the ones they keep."""
    return groups_for(champion=champion).only("id", "name")


def community_referrals_for(*, user: Any, champion: Champion) -> QuerySet[Referral]:
    """Community referrals this volunteer made, as ``user`` may see them: status and the name
    given only. ``only`` keeps the case (reason, notes, outcomes) out of memory altogether."""
    if not champion.user_id:
        return Referral.objects.none()
    return (
        referrals_for(user=user)
        .filter(referred_by_id=champion.user_id)
        .select_related("person")
        .only(
            "id",
            "received_on",
            "status",
            "referred_by_id",
            "person_id",
            "person__given_name",
            "person__family_name",
        )
        .order_by("-received_on", "-id")
    )

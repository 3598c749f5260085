"""The commissioner's view (docs/funding.md): per organisation and period, referrals against
money, the unfunded referral load, awards by route, groups started by people who were referred
that later received funding, and the service's own staffing beside the published benchmarks.

Connection counts come from the monthly capacity snapshots, so the page reads a few hundred
rows whatever the number of connections. Counts that come from people's referrals follow the
small-number rule of every dashboard (``socialrx.disclosure``: 1 to 7 withheld, with enough
others withheld that none can be worked out); awards and posts are records of public money,
listed one by one on the awards register, so their counts and amounts are shown as they are."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, Sum

from assets.models import Asset, LedBy, OrganisationKind
from champions.models import GroupStartedByPerson
from referrals.models import Referral
from socialrx.disclosure import Table, protect

from .models import Award, CapacitySnapshot, LinkWorkerPost, Route
from .periods import month_end, month_start

# Published benchmarks, shown as context only (docs/funding.md).
BENCHMARK_PER_10000 = Decimal("1")
BENCHMARK_REFERRALS_PER_FTE = 250
UNFUNDED_SHOWN = 20
NO_ORGANISATION = 0

SMALL_KINDS = (OrganisationKind.COMMUNITY_GROUP, OrganisationKind.FAITH_GROUP)


@dataclass
class Period:
    start: dt.date  # first day of the first month
    end: dt.date  # last day of the last month

    @classmethod
    def of_months(cls, first: dt.date, last: dt.date) -> Period:
        return cls(start=month_start(first), end=month_end(last))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass
class Figures:
    period: Period
    exact: bool
    organisations: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)
    unfunded: list[dict[str, Any]] = field(default_factory=list)
    routes: list[dict[str, Any]] = field(default_factory=list)
    started: dict[str, Any] = field(default_factory=dict)
    staffing: dict[str, Any] = field(default_factory=dict)
    any_withheld: bool = False


def overlap_days(award: Award, period: Period) -> int:
    first = max(award.starts_on, period.start)
    last = min(award.ends_on, period.end)
    return max((last - first).days + 1, 0)


def award_share(award: Award, period: Period) -> Decimal:
    """The part of an award that falls in the period, pro rata by days."""
    return award.amount * Decimal(overlap_days(award, period)) / Decimal(award.days)


def _awards_in(period: Period) -> list[Award]:
    return list(
        Award.objects.filter(starts_on__lte=period.end, ends_on__gte=period.start)
        .select_related("recipient", "funder")
        .prefetch_related("listings")
        .order_by("pk")
    )


def small_or_user_led_ids() -> set[int]:
    """Organisations counted as small or user-led: community and faith groups, and any
    organisation with a citizen-led listing (run by local people, no paid staff)."""
    from assets.models import Organisation

    citizen = Asset.objects.filter(organisation=OuterRef("pk"), led_by=LedBy.CITIZEN)
    return set(
        Organisation.objects.filter(Q(kind__in=SMALL_KINDS) | Exists(citizen)).values_list(
            "pk", flat=True
        )
    )


def commissioning_figures(*, period: Period, exact: bool) -> Figures:
    figures = Figures(period=period, exact=exact)
    snapshots = (
        CapacitySnapshot.objects.filter(month__gte=period.start, month__lte=period.end)
        .values("asset_id", "asset__name", "asset__organisation_id", "asset__organisation__name")
        .annotate(received=Sum("received"), funded=Sum("funded"), unfunded=Sum("unfunded"))
        .order_by("asset_id")
    )
    orgs: dict[int, dict[str, Any]] = {}
    listings: list[dict[str, Any]] = []
    for snap in snapshots:
        org_id = snap["asset__organisation_id"] or NO_ORGANISATION
        org = orgs.setdefault(
            org_id,
            {
                "id": org_id,
                "name": snap["asset__organisation__name"] or "Listings with no organisation",
                "connections": 0,
                "funded": 0,
                "unfunded": 0,
                "funding": Decimal(0),
            },
        )
        org["connections"] += int(snap["received"] or 0)
        org["funded"] += int(snap["funded"] or 0)
        org["unfunded"] += int(snap["unfunded"] or 0)
        if snap["unfunded"]:
            listings.append(
                {
                    "asset_id": snap["asset_id"],
                    "name": snap["asset__name"],
                    "organisation": org["name"],
                    "org_id": org_id,
                    "unfunded": int(snap["unfunded"]),
                }
            )
    awards = _awards_in(period)
    names = {a.recipient_id: a.recipient.name for a in awards}
    for award in awards:
        org = orgs.setdefault(
            award.recipient_id,
            {
                "id": award.recipient_id,
                "name": names[award.recipient_id],
                "connections": 0,
                "funded": 0,
                "unfunded": 0,
                "funding": Decimal(0),
            },
        )
        org["funding"] += award_share(award, period)
    shown_orgs = sorted(
        (o for o in orgs.values() if o["connections"] or o["funding"]),
        key=lambda o: (-o["connections"], o["name"], o["id"]),
    )
    listings.sort(key=lambda r: (-r["unfunded"], r["name"], r["asset_id"]))
    top = listings[:UNFUNDED_SHOWN]

    table = Table.empty()
    for org in shown_orgs:
        for name in ("connections", "funded", "unfunded"):
            table.values[("org", org["id"], name)] = org[name]
    for item in top:
        table.values[("listing", item["asset_id"])] = item["unfunded"]
    totals = {
        name: sum(o[name] for o in shown_orgs) for name in ("connections", "funded", "unfunded")
    }
    for name, value in totals.items():
        table.values[("total", name)] = value
    for org in shown_orgs:
        table.add_sum(
            ("org", org["id"], "connections"),
            [("org", org["id"], "funded"), ("org", org["id"], "unfunded")],
            residual=("org", org["id"], "unknown"),
        )
        table.add_sum(
            ("org", org["id"], "unfunded"),
            [("listing", r["asset_id"]) for r in top if r["org_id"] == org["id"]],
            residual=("org", org["id"], "unlisted"),
        )
    for name in ("connections", "funded", "unfunded"):
        table.add_sum(
            ("total", name),
            [("org", o["id"], name) for o in shown_orgs],
            residual=("total", name, "rest"),
        )
    table.add_sum(
        ("total", "connections"),
        [("total", "funded"), ("total", "unfunded")],
        residual=("total", "unknown"),
    )
    started = _started_by_referred(period=period)
    table.values[("started", "groups")] = started["groups"]
    table.values[("started", "funded")] = started["funded"]
    table.add_sum(
        ("started", "groups"), [("started", "funded")], residual=("started", "not_funded")
    )
    staffing = _staffing(period=period)
    table.values[("staffing", "referrals")] = staffing["referrals"]
    withheld = set() if exact else protect(table)

    for org in shown_orgs:
        org["withheld"] = {
            n for n in ("connections", "funded", "unfunded") if ("org", org["id"], n) in withheld
        }
        if "connections" in org["withheld"] or not org["connections"]:
            org["per_connection"] = None
        else:
            org["per_connection"] = org["funding"] / org["connections"]
        if "connections" in org["withheld"]:
            org["withheld"].add("per_connection")
    figures.organisations = shown_orgs
    figures.totals = {
        **totals,
        "funding": sum((o["funding"] for o in shown_orgs), Decimal(0)),
        "withheld": {n for n in totals if ("total", n) in withheld},
    }
    figures.totals["per_connection"] = (
        figures.totals["funding"] / totals["connections"]
        if totals["connections"] and "connections" not in figures.totals["withheld"]
        else None
    )
    for item in top:
        item["withheld"] = ("listing", item["asset_id"]) in withheld
    figures.unfunded = top
    figures.routes = _routes(awards=awards, period=period)
    started["withheld"] = {n for n in ("groups", "funded") if ("started", n) in withheld}
    figures.started = started
    staffing["withheld"] = {"referrals"} if ("staffing", "referrals") in withheld else set()
    if staffing["withheld"]:
        staffing["referrals_per_fte"] = None
    figures.staffing = staffing
    figures.any_withheld = bool(
        any(o["withheld"] for o in shown_orgs)
        or figures.totals["withheld"]
        or any(r["withheld"] for r in top)
        or started["withheld"]
        or staffing["withheld"]
    )
    return figures


def _routes(*, awards: list[Award], period: Period) -> list[dict[str, Any]]:
    """Awards starting in the period, by route: how many, how much, how many were competitive
    and how many (and how much) went to small or user-led groups."""
    small = small_or_user_led_ids()
    rows: dict[Route, dict[str, Any]] = {
        route: {
            "route": route.value,
            "label": route.label,
            "awards": 0,
            "amount": Decimal(0),
            "competitive": 0,
            "small_awards": 0,
            "small_amount": Decimal(0),
        }
        for route in Route
    }
    for award in awards:
        if not period.start <= award.starts_on <= period.end:
            continue
        row = rows[Route(award.route)]
        row["awards"] += 1
        row["amount"] += award.amount
        row["competitive"] += int(award.competitive)
        if award.recipient_id in small:
            row["small_awards"] += 1
            row["small_amount"] += award.amount
    return list(rows.values())


def _started_by_referred(*, period: Period) -> dict[str, Any]:
    """Groups started by a person who was referred, started by the period's end, and those of
    them with an award (to the listing, or to its organisation for all its listings) starting
    on or after the group started and by the period's end."""
    started = GroupStartedByPerson.objects.filter(
        Q(asset__started_on__isnull=True) | Q(asset__started_on__lte=period.end)
    )
    funding_it = Award.objects.filter(starts_on__lte=period.end).filter(
        Q(listings=OuterRef("asset_id"))
        | Q(listings__isnull=True, recipient__assets=OuterRef("asset_id"))
    )
    after_start = funding_it.filter(starts_on__gte=OuterRef("asset__started_on"))
    funded = started.filter(
        Exists(after_start) | (Q(asset__started_on__isnull=True) & Exists(funding_it))
    )
    amount = (
        Award.objects.filter(starts_on__lte=period.end)
        .filter(
            Q(listings__started_by_referred__in=funded)
            | Q(listings__isnull=True, recipient__assets__started_by_referred__in=funded)
        )
        .distinct()
    )
    return {
        "groups": started.count(),
        "funded": funded.count(),
        "amount": sum((a.amount for a in amount), Decimal(0)),
    }


def _staffing(*, period: Period) -> dict[str, Any]:
    """Posts in place on the period's last day; referrals received in the period, per FTE,
    scaled to a year (× 365 / days in the period)."""
    posts = list(
        LinkWorkerPost.objects.filter(starts_on__lte=period.end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=period.end))
        .select_related("host", "funder")
    )
    fte = sum((p.fte for p in posts), Decimal(0))
    population = sum(p.population_covered for p in posts)
    referrals = Referral.objects.filter(
        received_on__gte=period.start, received_on__lte=period.end
    ).count()
    per_10000 = fte / population * 10000 if population else None
    per_fte = Decimal(referrals) / fte * Decimal(365) / Decimal(period.days) if fte else None
    return {
        "posts": posts,
        "fte": fte,
        "population": population,
        "per_10000": per_10000,
        "referrals": referrals,
        "referrals_per_fte": per_fte,
        "benchmark_per_10000": BENCHMARK_PER_10000,
        "benchmark_referrals_per_fte": BENCHMARK_REFERRALS_PER_FTE,
    }


def chart(
    *,
    labels: list[str],
    values: list[float | None],
    withheld: list[bool],
    dataset: str,
    x_title: str,
    y_title: str,
    description: str,
) -> dict[str, Any]:
    """Chart data in the shape the dashboards' chart script draws (static/js/outcomes-chart.js)."""
    hidden = [label for label, w in zip(labels, withheld, strict=True) if w]
    if hidden:
        description += f"; withheld: {', '.join(hidden)}"
    return {
        "labels": labels,
        "datasets": [
            {
                "label": dataset,
                "data": [None if w else v for v, w in zip(values, withheld, strict=True)],
            }
        ],
        "withheld": withheld,
        "intervals": [None] * len(labels),
        "any_withheld": any(withheld),
        "any_interval": False,
        "x_title": x_title,
        "y_title": y_title,
        "description": description,
    }


def charts(figures: Figures) -> dict[str, dict[str, Any]]:
    orgs = [o for o in figures.organisations if o["connections"] or "connections" in o["withheld"]][
        :12
    ]
    return {
        "per_connection": chart(
            labels=[o["name"] for o in orgs],
            values=[
                float(round(o["per_connection"], 2)) if o["per_connection"] is not None else 0.0
                for o in orgs
            ],
            withheld=["per_connection" in o["withheld"] for o in orgs],
            dataset="Funding per connection (£)",
            x_title="Organisation",
            y_title="Pounds per connection",
            description="funding received per connection, by organisation",
        ),
        "unfunded": chart(
            labels=[r["name"] for r in figures.unfunded[:10]],
            values=[float(r["unfunded"]) for r in figures.unfunded[:10]],
            withheld=[r["withheld"] for r in figures.unfunded[:10]],
            dataset="Connections while unfunded",
            x_title="Group",
            y_title="Connections",
            description="connections to groups with no current award, by group",
        ),
        "routes": chart(
            labels=[r["label"] for r in figures.routes],
            values=[float(r["amount"]) for r in figures.routes],
            withheld=[False] * len(figures.routes),
            dataset="Awarded (£)",
            x_title="Route",
            y_title="Pounds awarded",
            description="money awarded by route",
        ),
    }

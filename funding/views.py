"""Funding pages: the commissioner's view and its CSVs, the awards register and link-worker
posts, the keeper's view of their groups, and a listing's current places for link workers."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from assets.models import Asset
from socialrx.access import role_required
from socialrx.concurrency import EditConflict
from socialrx.http import form_add_service_errors, get_in_scope_or_404
from socialrx.models import Role

from . import services
from .access import (
    awards_visible_to,
    capacity_listings_for,
    funding_body_id,
    is_admin,
    kept_listings,
    may_change_award,
    may_change_post,
    posts_visible_to,
)
from .figures import Figures, Period, charts, commissioning_figures
from .forms import AwardForm, PeriodForm, PlacesForm, PostForm, award_shown, post_shown
from .models import Award, CapacitySnapshot, LinkWorkerPost
from .periods import add_months, month_end, month_start

PAGE_SIZE = 50
CSV_TABLES = ("organisations", "unfunded", "routes", "staffing", "started")


def _period(request: HttpRequest) -> tuple[PeriodForm, Period | None]:
    if {"first", "last"} & set(request.GET):
        form = PeriodForm(request.GET)
        if not form.is_valid():
            return form, None
        data = form.cleaned_data
    else:
        data = PeriodForm.default_initial()
        form = PeriodForm(initial=data)
    return form, Period.of_months(data["first"], data["last"])


@role_required(Role.COMMISSIONER)
@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    form, period = _period(request)
    figures = charts_data = None
    if period is not None:
        figures = commissioning_figures(period=period, exact=is_admin(request.user))
        charts_data = charts(figures)
    computed = (
        CapacitySnapshot.objects.order_by("-computed_at")
        .values_list("computed_at", flat=True)
        .first()
    )
    return render(
        request,
        "funding/dashboard.html",
        {
            "form": form,
            "period": period,
            "figures": figures,
            "charts": charts_data,
            "computed_at": computed,
            "csv_tables": CSV_TABLES,
            "query": request.GET.urlencode(),
        },
        status=200 if period is not None else 400,
    )


def _shown(value: Any, withheld: bool) -> Any:
    if withheld:
        return "*"
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def csv_rows(table: str, figures: Figures) -> list[list[Any]]:
    if table == "organisations":
        rows: list[list[Any]] = [
            [
                "organisation",
                "connections",
                "funded",
                "unfunded",
                "funding",
                "funding_per_connection",
            ]
        ]
        for o in figures.organisations:
            w = o["withheld"]
            rows.append(
                [
                    o["name"],
                    _shown(o["connections"], "connections" in w),
                    _shown(o["funded"], "funded" in w),
                    _shown(o["unfunded"], "unfunded" in w),
                    _shown(o["funding"], False),
                    _shown(o["per_connection"], "per_connection" in w),
                ]
            )
        return rows
    if table == "unfunded":
        rows = [["rank", "group", "organisation", "connections_while_unfunded"]]
        for i, r in enumerate(figures.unfunded, start=1):
            rows.append([i, r["name"], r["organisation"], _shown(r["unfunded"], r["withheld"])])
        return rows
    if table == "routes":
        rows = [
            [
                "route",
                "awards",
                "amount",
                "competitive",
                "to_small_or_user_led",
                "amount_to_small_or_user_led",
            ]
        ]
        for r in figures.routes:
            rows.append(
                [
                    r["route"],
                    r["awards"],
                    _shown(r["amount"], False),
                    r["competitive"],
                    r["small_awards"],
                    _shown(r["small_amount"], False),
                ]
            )
        return rows
    if table == "started":
        s = figures.started
        return [
            ["groups_started_by_referred_people", "of_them_later_funded", "amount_awarded"],
            [
                _shown(s["groups"], "groups" in s["withheld"]),
                _shown(s["funded"], "funded" in s["withheld"]),
                _shown(s["amount"], False),
            ],
        ]
    s = figures.staffing
    return [
        ["figure", "value", "published_benchmark"],
        ["posts", len(s["posts"]), ""],
        ["fte", _shown(s["fte"], False), ""],
        ["registered_patients_covered", s["population"], ""],
        [
            "link_workers_per_10000_patients",
            _shown(s["per_10000"], False),
            s["benchmark_per_10000"],
        ],
        ["referrals", _shown(s["referrals"], "referrals" in s["withheld"]), ""],
        [
            "referrals_per_fte_per_year",
            _shown(s["referrals_per_fte"], "referrals" in s["withheld"]),
            s["benchmark_referrals_per_fte"],
        ],
    ]


@role_required(Role.COMMISSIONER)
@require_http_methods(["GET"])
def dashboard_csv(request: HttpRequest, table: str) -> HttpResponse:
    if table not in CSV_TABLES:
        raise Http404("No such table")
    form, period = _period(request)
    if period is None:
        return HttpResponse(
            "; ".join(str(e) for errors in form.errors.values() for e in errors),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    figures = commissioning_figures(period=period, exact=is_admin(request.user))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="funding-{table}-{period.start:%Y-%m}-{period.end:%Y-%m}.csv"'
    )
    writer = csv.writer(response)
    writer.writerows(csv_rows(table, figures))
    return response


# --- awards ---------------------------------------------------------------------------------


@role_required(Role.COMMISSIONER)
@require_http_methods(["GET"])
def awards(request: HttpRequest) -> HttpResponse:
    scope = awards_visible_to(user=request.user).select_related("funder", "recipient")
    page = Paginator(scope.order_by("-starts_on", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    own = funding_body_id(request.user)
    return render(
        request,
        "funding/awards.html",
        {
            "page": page,
            "may_record": is_admin(request.user) or own is not None,
            "own_body": own,
            "is_admin": is_admin(request.user),
            "posts": posts_visible_to(user=request.user).select_related("host", "funder"),
        },
    )


@dataclass(frozen=True)
class _Editable:
    """What differs between the award and the post forms."""

    what: str
    form_class: Any
    template: str
    create: Callable[..., Any]
    update: Callable[..., Any]
    shown: Callable[[Any], dict[str, Any]]
    may_change: Callable[..., bool]
    refused: str
    created: str
    more_values: Callable[[Any], dict[str, Any]] = lambda form: {}


def _funding_form_page(request: HttpRequest, *, obj: Any, kind: _Editable) -> HttpResponse:
    """Record or change an award or a post: only for the funding body the commissioner acts
    for (administrators: any), with the check that nobody else saved in between."""
    user = request.user
    own = None if is_admin(user) else funding_body_id(user)
    if obj is None and not is_admin(user) and own is None:
        raise PermissionDenied("An administrator must first set the funding body you act for")
    if obj is not None and not kind.may_change(user=user, funder_id=obj.funder_id):
        raise PermissionDenied(kind.refused)
    if request.method == "POST":
        form = kind.form_class(request.POST, instance=obj, funder_id=own)
        if form.is_valid():
            try:
                if obj is None:
                    kind.create(by=user, **kind.more_values(form), **form.values())
                    messages.success(request, kind.created)
                else:
                    kind.update(
                        obj,
                        by=user,
                        version=form.cleaned_data["version"],
                        **kind.more_values(form),
                        **form.values(),
                    )
                    messages.success(request, f"{kind.what.capitalize()} saved.")
                return redirect("funding:awards")
            except EditConflict as exc:
                if obj is None or exc.current is None:
                    raise Http404(f"{kind.what.capitalize()} not found") from exc
                obj.refresh_from_db()
                form.show_conflict(version=obj.version, values=kind.shown(obj))
            except ValidationError as exc:
                form_add_service_errors(form, exc)
    else:
        form = kind.form_class(instance=obj, funder_id=own)
        if obj is not None:
            form.load(version=obj.version, values=kind.shown(obj))
        else:
            form.initial["version"] = 0
    status = 400 if request.method == "POST" else 200
    return render(request, kind.template, {"form": form, kind.what: obj}, status=status)


AWARD = _Editable(
    what="award",
    form_class=AwardForm,
    template="funding/award_form.html",
    create=services.award_create,
    update=lambda award, **kw: services.award_update(award=award, **kw),
    shown=award_shown,
    may_change=may_change_award,
    refused="You may change awards only of your own funding body",
    created="Award recorded.",
    more_values=lambda form: {"listings": form.cleaned_data["listings"]},
)
POST = _Editable(
    what="post",
    form_class=PostForm,
    template="funding/post_form.html",
    create=services.post_create,
    update=lambda post, **kw: services.post_update(post=post, **kw),
    shown=post_shown,
    may_change=may_change_post,
    refused="You may change posts only that your own funding body pays for",
    created="Post saved.",
)


def _award_form_page(request: HttpRequest, *, award: Award | None) -> HttpResponse:
    return _funding_form_page(request, obj=award, kind=AWARD)


@role_required(Role.COMMISSIONER)
@require_http_methods(["GET", "POST"])
def award_create(request: HttpRequest) -> HttpResponse:
    return _award_form_page(request, award=None)


@role_required(Role.COMMISSIONER)
@require_http_methods(["GET", "POST"])
def award_edit(request: HttpRequest, pk: int) -> HttpResponse:
    award = get_in_scope_or_404(awards_visible_to(user=request.user), pk=pk, what="award")
    return _award_form_page(request, award=award)


# --- link-worker posts ----------------------------------------------------------------------


def _post_form_page(request: HttpRequest, *, post: LinkWorkerPost | None) -> HttpResponse:
    return _funding_form_page(request, obj=post, kind=POST)


@role_required(Role.COMMISSIONER)
@require_http_methods(["GET", "POST"])
def post_create(request: HttpRequest) -> HttpResponse:
    return _post_form_page(request, post=None)


@role_required(Role.COMMISSIONER)
@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_in_scope_or_404(posts_visible_to(user=request.user), pk=pk, what="post")
    return _post_form_page(request, post=post)


# --- the keeper's view ----------------------------------------------------------------------


def _listing_rows(asset: Asset, months: int = 12) -> list[dict[str, Any]]:
    this = month_start(timezone.localdate())
    first = add_months(this, -(months - 1))
    stored = {s.month: s for s in CapacitySnapshot.objects.filter(asset=asset, month__gte=first)}
    rows = []
    month = this
    while month >= first:
        rows.append({"month": month, "snapshot": stored.get(month)})
        month = add_months(month, -1)
    return rows


@role_required(Role.VOLUNTEER)
@require_http_methods(["GET"])
def keeper(request: HttpRequest) -> HttpResponse:
    listings = list(
        kept_listings(user=request.user).select_related("organisation").order_by("name")
    )
    today = timezone.localdate()
    groups = [
        {
            "asset": asset,
            "current": _current(asset),
            "rows": _listing_rows(asset),
            "form": PlacesForm(initial={"from_month": month_start(today)}, prefix=f"a{asset.pk}"),
        }
        for asset in listings
    ]
    return render(
        request,
        "funding/keeper.html",
        {
            "groups": groups,
            "awards": awards_visible_to(user=request.user).select_related("funder", "recipient"),
        },
    )


@role_required(Role.VOLUNTEER)
@require_POST
def keeper_places(request: HttpRequest, pk: int) -> HttpResponse:
    asset = get_in_scope_or_404(kept_listings(user=request.user), pk=pk, what="listing")
    form = PlacesForm(request.POST, prefix=f"a{asset.pk}")
    if form.is_valid():
        services.places_set(
            asset=asset,
            from_month=form.cleaned_data["from_month"],
            places=form.cleaned_data["places"],
            by=request.user,
        )
        messages.success(request, f"Places for {asset.name} saved.")
        return redirect("funding:keeper")
    return render(
        request,
        "funding/places_form.html",
        {"form": form, "asset": asset},
        status=400,
    )


# --- a listing's current places, for link workers --------------------------------------------


def _current(asset: Asset) -> dict[str, Any]:
    """This month so far, worked out now (not from the nightly snapshot)."""
    today = timezone.localdate()
    start, end = month_start(today), month_end(today)
    figures = services.capacity_figures(start=start, end=end, asset_ids=[asset.pk]).get(
        asset.pk, dict.fromkeys(services.FIGURES, 0)
    )
    places = services.places_for_month(month=start, asset_ids=[asset.pk]).get(asset.pk)
    declined = (
        figures["declined_full"]
        + figures["declined_not_suitable"]
        + figures["declined_too_complex"]
    )
    return {
        "month": start,
        "places": places,
        "left": None
        if places is None
        else max(places - figures["accepted"] - figures["waiting"], 0),
        "declined": declined,
        "funded_now": services.listing_funded_on(asset_id=asset.pk, on=today),
        **figures,
    }


@role_required(Role.LINK_WORKER, Role.VOLUNTEER)
@require_http_methods(["GET"])
def listing_capacity(request: HttpRequest, pk: int) -> HttpResponse:
    asset = get_in_scope_or_404(capacity_listings_for(user=request.user), pk=pk, what="listing")
    return render(
        request,
        "funding/listing_capacity.html",
        {"asset": asset, "current": _current(asset), "rows": _listing_rows(asset, months=6)},
    )

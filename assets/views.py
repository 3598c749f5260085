"""Directory pages: the public directory and listings, suggesting a group, volunteers keeping
their listings, the signed "still running" link, moderation, gaps."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from socialrx.access import role_required
from socialrx.concurrency import EditConflict
from socialrx.http import SignedInRequest, get_in_scope_or_404, render_page, wants_partial
from socialrx.models import Role
from socialrx.ratelimit import client_address

from . import freshness, selectors, services
from .access import (
    asset_get_kept,
    asset_get_visible,
    can_see_keepers,
    gap_get_for,
)
from .forms import (
    CapacityForm,
    DirectorySearchForm,
    GapForm,
    GapStatusForm,
    ListingEditForm,
    ReportForm,
    SessionFormSet,
    SuggestForm,
)
from .gap_figures import gaps_summary_exact_for, gaps_summary_shown
from .models import Asset, AssetChange, GapStatus, ListingNotice, ListingReport

PAGE_SIZE = 20


# --- public directory -----------------------------------------------------------------------


# The same URL answers with a page or a partial: browsers must not cache one for the other.
@vary_on_headers("HX-Request")
@require_http_methods(["GET"])
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectorySearchForm(request.GET or None)
    page = None
    distance_message = ""
    by_distance = False
    searched = bool(request.GET)
    if form.is_bound and not form.is_valid():
        results = None
    else:
        search = form.to_search() if form.is_bound else selectors.DirectorySearch()
        results = selectors.directory_search(search=search)
        results.assets = freshness.shown_to(results.assets, user=request.user)
        distance_message = results.distance_message
        by_distance = results.by_distance
        pages = results.pages(per_page=PAGE_SIZE, page=request.GET.get("page"))
        paginator = Paginator(pages, PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        for asset in page.object_list:
            asset.distance_miles = selectors.distance_miles(asset)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "active_filters": _active_filters(form, query) if form.is_bound else [],
        "words": form.cleaned_data.get("q", "") if form.is_bound and not form.errors else "",
        "form": form,
        "page": page,
        "searched": searched,
        "distance_message": distance_message,
        "by_distance": by_distance,
        "query_string": query.urlencode(),
        "staff_view": request.user.is_authenticated,
    }
    return render_page(request, "assets/directory.html", "results", context)


# The search words are not a filter: an empty search suggests other words instead.
_FILTERS = ("category", "postcode", "within", "day", "free", "citizen", "needs")


def _active_filters(form: DirectorySearchForm, query: QueryDict) -> list[tuple[str, str]]:
    """Each filter in use, with the query string of the same search without it."""
    active = []
    for name in _FILTERS:
        values = [v for v in query.getlist(name) if v]
        if not values:
            continue
        field = form[name]
        shown = dict(getattr(field.field, "choices", ()))
        for value in values:
            without = query.copy()
            without.setlist(name, [v for v in values if v != value])
            if name == "postcode":
                without.pop("within", None)
            label = f"{field.label}: {shown.get(value, value)}" if value != "on" else field.label
            active.append((str(label), without.urlencode()))
    return active


def asset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    asset = asset_get_visible(user=request.user, pk=pk)
    show_keepers = can_see_keepers(user=request.user)
    can_keep = request.user.is_authenticated and (
        request.user.is_admin or asset.maintainers.filter(pk=request.user.pk).exists()
    )
    if asset.hidden_unconfirmed and not show_keepers and not can_keep:
        # Not "gone": it may still run, so say it is being checked; but it is not found.
        return render(request, "assets/being_checked.html", {}, status=404)
    context = {
        "asset": asset,
        "sessions": list(asset.sessions.all()),
        "keepers": list(asset.maintainers.filter(is_active=True)) if show_keepers else [],
        "show_keepers": show_keepers,
        "warnings": asset.connection_warnings() if show_keepers else [],
        "can_keep": can_keep,
        "can_report": request.user.is_authenticated
        and request.user.role == Role.LINK_WORKER
        and asset.listing_status == "approved",
    }
    return render(request, "assets/detail.html", context)


@require_http_methods(["GET"])
def leaflet(request: HttpRequest, pk: int) -> HttpResponse:
    """A one-page printable leaflet about one listing, for anyone (the directory is public):
    only approved listings that are still running, so no one is handed a leaflet for a group
    that has stopped."""
    listings = freshness.shown_to(selectors.directory_base(), user=request.user)
    asset = get_in_scope_or_404(listings, what="listing", pk=pk)
    return render(
        request, "assets/leaflet.html", {"asset": asset, "sessions": list(asset.sessions.all())}
    )


@require_http_methods(["GET", "POST"])
def suggest(request: HttpRequest) -> HttpResponse:
    form = SuggestForm(request.POST or None, prefix="listing")
    formset = SessionFormSet(request.POST or None, instance=Asset(), prefix="sessions")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        if not request.user.is_authenticated and services.suggestion_rate_limited(
            client_address=client_address(request)
        ):
            form.add_error(
                None,
                "You have sent several suggestions in the last hour. Please try again later.",
            )
            return render(
                request, "assets/suggest.html", {"form": form, "formset": formset}, status=429
            )
        asset = form.save(commit=False)
        sessions = [
            s
            for s in formset.save(commit=False)
            if s.weekday is not None and s.starts_at is not None
        ]
        services.asset_propose(
            asset=asset,
            sessions=sessions,
            by=request.user,
            proposer_email=form.cleaned_data.get("proposer_email") or "",
        )
        return redirect("assets:suggest_done")
    status = 400 if request.method == "POST" else 200
    return render(request, "assets/suggest.html", {"form": form, "formset": formset}, status=status)


def suggest_done(request: HttpRequest) -> HttpResponse:
    return render(request, "assets/suggest_done.html")


def print_directory(request: HttpRequest) -> HttpResponse:
    """The directory on paper, by area (postcode district) and category."""
    areas: dict[str, dict[str, list[Asset]]] = {}
    for asset in freshness.shown_to(selectors.assets_for_print(), user=request.user):
        district = asset.postcode.split(" ")[0] if asset.postcode else "Area not given"
        areas.setdefault(district, {}).setdefault(asset.get_category_display(), []).append(asset)
    ordered = [(area, sorted(categories.items())) for area, categories in sorted(areas.items())]
    return render(request, "assets/print.html", {"areas": ordered})


@require_http_methods(["GET", "POST"])
def confirm_link(request: HttpRequest, token: str) -> HttpResponse:
    """The one-click links in a reminder email: still running, stopped, or full for now. GET
    shows one button and changes nothing (mail scanners open links); POST records the answer."""
    answer = request.POST.get("answer") or request.GET.get("answer") or services.RUNNING
    if answer not in services.ANSWERS:
        answer = services.RUNNING
    try:
        asset_id, user_id = services.confirm_token_read(token=token)
    except signing.SignatureExpired:
        return render(request, "assets/confirm_link.html", {"state": "expired"}, status=410)
    except signing.BadSignature:
        return render(request, "assets/confirm_link.html", {"state": "invalid"}, status=400)
    asset = Asset.objects.filter(pk=asset_id, maintainers__pk=user_id).first()
    if asset is None:
        return render(request, "assets/confirm_link.html", {"state": "invalid"}, status=400)
    context = {"asset": asset, "answer": answer}
    if request.method == "POST":
        try:
            asset = services.asset_confirm_by_token(token=token, answer=answer)
        except signing.BadSignature:
            return render(request, "assets/confirm_link.html", {"state": "invalid"}, status=400)
        return render(request, "assets/confirm_link.html", {**context, "state": "done"})
    return render(request, "assets/confirm_link.html", {**context, "state": "ask"})


@role_required(Role.LINK_WORKER, admin_ok=False)
@require_http_methods(["GET", "POST"])
def listing_report(request: SignedInRequest, pk: int) -> HttpResponse:
    """A link worker tells the keepers and moderators that a listing has stopped or is wrong."""
    asset = get_in_scope_or_404(selectors.directory_base(), what="listing", pk=pk)
    form = ReportForm(request.POST or None, prefix="report")
    if request.method == "POST" and form.is_valid():
        services.listing_report(
            asset=asset,
            kind=form.cleaned_data["kind"],
            note=form.cleaned_data["note"].strip(),
            by=request.user,
        )
        messages.success(
            request, f"Thank you. The keepers of {asset.name} and the moderators have been told."
        )
        return redirect("assets:detail", pk=asset.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "assets/report.html", {"asset": asset, "form": form}, status=status)


# --- volunteers keep their listings ---------------------------------------------------------


@login_required
def my_listings(request: SignedInRequest) -> HttpResponse:
    assets = list(selectors.listings_kept(user=request.user))
    if not assets and not request.user.is_volunteer and not request.user.is_admin:
        raise Http404("No listings")
    notices = list(
        ListingNotice.objects.filter(user=request.user, read_at__isnull=True).select_related(
            "asset"
        )[:20]
    )
    response = render(
        request,
        "assets/my_listings.html",
        {"assets": assets, "notices": notices, "capacity_forms": _capacity_forms(assets)},
    )
    services.notices_mark_read(user=request.user)
    return response


def _capacity_forms(assets: list[Asset]) -> dict[int, CapacityForm]:
    forms = {}
    for a in assets:
        form = CapacityForm(
            initial={"capacity": a.capacity, "member_count": a.member_count}, prefix=f"a{a.pk}"
        )
        form.load(version=a.version, values=services.capacity_snapshot(a))
        forms[a.pk] = form
    return forms


def _to_row(asset: Asset) -> HttpResponse:
    """A plain link to an action (other pages link here) lands on the listing's row, where the
    action is a button: a GET never changes a listing."""
    return redirect(reverse("assets:my_listings") + f"#listing-{asset.pk}")


def _row(
    request: SignedInRequest, asset: Asset, form: CapacityForm | None = None, *, done: str = ""
) -> HttpResponse:
    # Access was checked by the caller (asset_get_kept); fetch the row fresh with its sessions.
    asset = Asset.objects.prefetch_related("sessions").get(pk=asset.pk)
    form = form or _capacity_forms([asset])[asset.pk]
    return render(
        request,
        "assets/_listing_row.html",
        {"asset": asset, "capacity_form": form, "done": done},
    )


@login_required
@require_http_methods(["GET", "POST"])
def listing_confirm(request: SignedInRequest, pk: int) -> HttpResponse:
    asset = asset_get_kept(user=request.user, pk=pk)
    if request.method == "GET":
        return _to_row(asset)
    services.asset_confirm(asset=asset, by=request.user)
    if wants_partial(request):
        return _row(request, asset, done="Confirmed as still running. Thank you.")
    messages.success(request, f"Thank you: {asset.name} is confirmed as still running.")
    return redirect("assets:my_listings")


@login_required
@require_http_methods(["GET", "POST"])
def listing_capacity(request: SignedInRequest, pk: int) -> HttpResponse:
    asset = asset_get_kept(user=request.user, pk=pk)
    if request.method == "GET":
        return _to_row(asset)
    form = CapacityForm(request.POST, prefix=f"a{asset.pk}")
    if form.is_valid():
        try:
            services.asset_capacity_update(
                asset=asset,
                capacity=form.cleaned_data["capacity"],
                member_count=form.cleaned_data["member_count"],
                version=form.cleaned_data["version"],
                by=request.user,
            )
        except EditConflict:
            current = asset_get_kept(user=request.user, pk=pk)
            form.show_conflict(
                version=current.version,
                values=services.capacity_snapshot(current),
                labels={"capacity": "Places", "member_count": "Members now"},
            )
    if form.errors:
        if wants_partial(request):
            # htmx swaps only successful answers: the row comes back with its errors.
            return _row(request, asset, form)
        assets = list(selectors.listings_kept(user=request.user))
        forms = _capacity_forms(assets)
        forms[asset.pk] = form
        return render(
            request,
            "assets/my_listings.html",
            {"assets": assets, "notices": [], "capacity_forms": forms, "error_form": form},
            status=409 if form.non_field_errors() else 400,
        )
    if wants_partial(request):
        return _row(request, asset, done="Places and members updated.")
    messages.success(request, f"{asset.name} is updated.")
    return redirect("assets:my_listings")


@login_required
@require_http_methods(["GET", "POST"])
def listing_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    asset = asset_get_kept(user=request.user, pk=pk)
    before = services.asset_snapshot(asset)
    form = ListingEditForm(request.POST or None, instance=asset, prefix="listing")
    formset = SessionFormSet(request.POST or None, instance=asset, prefix="sessions")
    status = 400 if request.method == "POST" else 200
    if request.method == "GET":
        form.load(version=asset.version, values=before)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.asset_edit(
                asset=asset,
                before=before,
                form=form,
                formset=formset,
                version=form.cleaned_data["version"],
                by=request.user,
            )
        except EditConflict:
            # Whoever may edit the listing may see it: they see what the other save put in it.
            current = asset_get_kept(user=request.user, pk=pk)
            form.show_conflict(
                version=current.version,
                values=services.asset_snapshot(current),
                labels={"sessions": "When it meets (sessions)"},
            )
            status = 409
        else:
            messages.success(request, f"{asset.name} is updated.")
            return redirect("assets:my_listings")
    return render(
        request,
        "assets/edit.html",
        {"form": form, "formset": formset, "asset": asset},
        status=status,
    )


@login_required
def listing_history(request: SignedInRequest, pk: int) -> HttpResponse:
    asset = asset_get_kept(user=request.user, pk=pk)
    changes = asset.changes.select_related("by", "reviewed_by")
    counts = asset.member_counts.order_by("-counted_on")[:24]
    return render(
        request,
        "assets/history.html",
        {"asset": asset, "changes": changes, "member_counts": counts},
    )


# --- moderation (administrators) ------------------------------------------------------------


@role_required()
def moderation(request: SignedInRequest) -> HttpResponse:
    return render(
        request,
        "assets/moderation.html",
        {
            "pending": selectors.moderation_queue(),
            "changes": selectors.changes_to_review(),
            "reports": selectors.open_reports(),
        },
    )


@role_required()
@require_POST
def moderation_decide(request: SignedInRequest, pk: int, decision: str) -> HttpResponse:
    asset = get_in_scope_or_404(Asset.objects.all(), what="listing", pk=pk)
    if decision == "approve":
        services.asset_approve(asset=asset, by=request.user)
        messages.success(request, f"{asset.name} is approved and now in the directory.")
    elif decision == "reject":
        services.asset_reject(asset=asset, by=request.user)
        messages.success(request, f"{asset.name} was rejected.")
    else:
        raise Http404("Unknown decision")
    return redirect("assets:moderation")


@role_required()
@require_POST
def change_reviewed(request: SignedInRequest, pk: int) -> HttpResponse:
    change = get_in_scope_or_404(
        AssetChange.objects.filter(needs_review=True), what="change", pk=pk
    )
    services.change_mark_reviewed(change=change, by=request.user)
    if wants_partial(request):
        return HttpResponse("")
    return redirect("assets:moderation")


# --- gaps -----------------------------------------------------------------------------------


@role_required(Role.LINK_WORKER)
@vary_on_headers("HX-Request")
def gaps(request: SignedInRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status and status not in GapStatus.values:
        status = ""
    context = {
        "gaps": selectors.gaps_list(status=status),
        "status": status,
        "statuses": GapStatus.choices,
    }
    return render_page(request, "assets/gaps.html", "gap_list", context)


@role_required(Role.LINK_WORKER)
@require_http_methods(["GET", "POST"])
def gap_new(request: SignedInRequest) -> HttpResponse:
    form = GapForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.gap_log(gap=form.save(commit=False), by=request.user)
        messages.success(request, "The gap is logged. Thank you.")
        return redirect("assets:gaps")
    status = 400 if request.method == "POST" else 200
    return render(request, "assets/gap_form.html", {"form": form}, status=status)


@role_required(Role.LINK_WORKER)
@require_POST
def gap_status(request: SignedInRequest, pk: int) -> HttpResponse:
    gap = gap_get_for(user=request.user, pk=pk)
    form = GapStatusForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Choose a status.", status=400)
    services.gap_status_set(gap=gap, status=form.cleaned_data["status"], by=request.user)
    if wants_partial(request):
        gap = selectors.gaps_list().get(pk=gap.pk)
        return render(
            request, "assets/gaps.html#gap_row", {"gap": gap, "statuses": GapStatus.choices}
        )
    return redirect("assets:gaps")


@role_required(Role.COMMISSIONER, Role.LINK_WORKER)
def gaps_summary(request: SignedInRequest) -> HttpResponse:
    summary = gaps_summary_shown(
        selectors.gaps_summary(), exact=gaps_summary_exact_for(request.user)
    )
    return render(request, "assets/gaps_summary.html", {"summary": summary})


@role_required()
@require_POST
def report_dealt_with(request: SignedInRequest, pk: int) -> HttpResponse:
    report = get_in_scope_or_404(
        ListingReport.objects.select_related("asset"), what="report", pk=pk
    )
    services.report_mark_dealt_with(report=report, by=request.user)
    messages.success(request, f"The report on {report.asset.name} is marked dealt with.")
    return redirect(reverse("assets:moderation") + "#reports")

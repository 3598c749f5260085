"""Referral intake pages: practice staff, the public, volunteers, other services; the practice's
own referrals; the administrators' closed-route enquiries."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from socialrx.access import role_required
from socialrx.audit import audit_record
from socialrx.models import AuditLog, Role, StaffType

from ..access import referral_get_for
from ..forms.intake import (
    CommunityReferralForm,
    OtherServiceReferralForm,
    PracticeReferralForm,
    SelfReferralForm,
)
from ..models import ClosedRouteEnquiry, Referral, ReferralStatus, Source
from ..selectors.intake import (
    closed_route_enquiry_list,
    community_referral_assets_for,
    practice_referral_get,
    practice_referral_list,
)
from ..services.intake import (
    CREATE_NEW,
    PersonDetails,
    RouteClosedError,
    closed_route_enquiry_create,
    closed_route_enquiry_mark_handled,
    person_match_auto,
    person_resolve,
    referral_submit,
    route_is_open,
    self_referral_rate_limited,
)

T = "referrals/intake/"


def _add_service_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _closed_route(request: HttpRequest, *, route: str, form: Any) -> HttpResponse:
    closed_route_enquiry_create(route=route, data=form.enquiry_data(), by=request.user)
    return redirect("referrals:enquiry_received")


def _candidate_row(person: Any) -> dict[str, Any]:
    """Enough to tell whether it is the same person, and no more: the postcode's area only."""
    return {
        "pk": person.pk,
        "name": person.full_name,
        "date_of_birth": person.date_of_birth,
        "area": (person.postcode or "").split(" ")[0],
        "practice": person.practice.name if person.practice_id else "",
    }


def _staff_intake(
    request: HttpRequest,
    *,
    form: PracticeReferralForm,
    template: str,
    source: str,
    details: PersonDetails,
    referral_fields: dict[str, Any],
    context: dict[str, Any],
) -> HttpResponse:
    """The staff routes' shared step: the duplicate warning, then one service call."""
    if not route_is_open(route=source):
        return _closed_route(request, route=source, form=form)
    choice = request.POST.get("duplicate_choice", "")
    try:
        resolution = person_resolve(details=details, choice=choice)
    except ValidationError as exc:
        _add_service_errors(form, exc)
        return render(request, template, {"form": form, **context})
    if resolution.needs_choice:
        return render(
            request,
            template,
            {
                "form": form,
                "candidates": [_candidate_row(p) for p in resolution.candidates],
                "create_new": CREATE_NEW,
                # Asked before and still no valid answer: say so.
                "choice_error": bool(choice or request.POST.get("duplicate_asked")),
                **context,
            },
        )
    try:
        referral = referral_submit(
            details=details,
            person=resolution.person,
            source=source,
            by=request.user,
            consent_confirmed=form.cleaned_data["consent_confirmed"],
            reason=form.cleaned_data["reason"],
            **referral_fields,
        )
    except RouteClosedError:
        return _closed_route(request, route=source, form=form)
    except ValidationError as exc:
        _add_service_errors(form, exc)
        return render(request, template, {"form": form, **context})
    return redirect("referrals:referral_confirmation", pk=referral.pk)


@role_required(Role.PRACTICE_STAFF, admin_ok=False)
@require_http_methods(["GET", "POST"])
def practice_referral_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    template = T + "practice_referral_form.html"
    form = PracticeReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        source = Source.GP if user.staff_type == StaffType.GP else Source.PRACTICE_STAFF
        return _staff_intake(
            request,
            form=form,
            template=template,
            source=source,
            details=form.person_details(practice=user.practice),
            referral_fields={
                "referring_practice": user.practice,
                "referrer_name": user.get_full_name(),
                "referrer_organisation": user.practice.name,
                "referrer_email": user.email,
            },
            context={},
        )
    return render(request, template, {"form": form})


@role_required(Role.LINK_WORKER)
@require_http_methods(["GET", "POST"])
def other_referral_create(request: HttpRequest) -> HttpResponse:
    template = T + "other_referral_form.html"
    form = OtherServiceReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        return _staff_intake(
            request,
            form=form,
            template=template,
            source=data["source"],
            details=form.person_details(),
            referral_fields={
                "referrer_name": data["referrer_name"],
                "referrer_organisation": data["referrer_organisation"],
                "referrer_email": data["referrer_email"],
            },
            context={},
        )
    return render(request, template, {"form": form})


@login_required
def referral_confirmation(request: HttpRequest, pk: int) -> HttpResponse:
    """After a staff or volunteer referral. The maker may see it even when the referral went to
    a team they cannot see (a link worker recording for another team's area)."""
    try:
        referral = referral_get_for(user=request.user, pk=pk)
    except Http404:
        referral = get_object_or_404(Referral, pk=pk, referred_by=request.user)
    referral = Referral.objects.select_related("team", "link_worker").get(pk=referral.pk)
    audit_record(
        user=request.user,
        action=AuditLog.Action.VIEW,
        obj=referral,
        person_id=referral.person_id,
        detail="confirmation",
    )
    return render(request, T + "referral_confirmation.html", {"referral": referral})


def enquiry_received(request: HttpRequest) -> HttpResponse:
    return render(request, T + "enquiry_received.html")


@role_required(Role.PRACTICE_STAFF)
@vary_on_headers("HX-Request")
def practice_referrals(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in ReferralStatus.values:
        status = ""
    referrals = practice_referral_list(user=request.user, status=status)
    page = Paginator(referrals, 25).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "statuses": ReferralStatus.choices}
    template = T + "practice_referrals.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#results"
    return render(request, template, context)


@role_required(Role.PRACTICE_STAFF)
def practice_referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = practice_referral_get(user=request.user, pk=pk)
    audit_record(
        user=request.user,
        action=AuditLog.Action.VIEW,
        obj=referral,
        person_id=referral.person_id,
        detail="practice view",
    )
    return render(request, T + "practice_referral_detail.html", {"referral": referral})


@require_http_methods(["GET", "POST"])
def self_referral(request: HttpRequest) -> HttpResponse:
    """ "Ask for a conversation" without an account. Whatever happens, the public learns
    nothing about anyone's record."""
    template = T + "self_referral_form.html"
    form = SelfReferralForm(request.POST or None)
    if request.method != "POST":
        return render(request, template, {"form": form})
    if form.is_bot:
        # The same page a person sees, so the bot learns nothing; nothing is saved.
        self_referral_rate_limited(client_address=request.META.get("REMOTE_ADDR", ""))
        return redirect("referrals:self_referral_done")
    if not form.is_valid():
        return render(request, template, {"form": form})
    if self_referral_rate_limited(client_address=request.META.get("REMOTE_ADDR", "")):
        return render(request, T + "self_referral_busy.html", status=429)
    if not route_is_open(route=Source.SELF):
        return _closed_route(request, route=Source.SELF, form=form)
    details = form.person_details()
    try:
        referral_submit(
            details=details,
            person=person_match_auto(details=details),
            source=Source.SELF,
            by=None,
            consent_confirmed=True,  # the person is asking for themselves
            reason=form.cleaned_data["reason"],
        )
    except RouteClosedError:
        return _closed_route(request, route=Source.SELF, form=form)
    except ValidationError as exc:
        _add_service_errors(form, exc)
        return render(request, template, {"form": form})
    return redirect("referrals:self_referral_done")


def self_referral_done(request: HttpRequest) -> HttpResponse:
    return render(request, T + "self_referral_done.html")


@role_required(Role.VOLUNTEER)
@require_http_methods(["GET", "POST"])
def community_referral_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    template = T + "community_referral_form.html"
    assets = community_referral_assets_for(user=user)
    form = CommunityReferralForm(request.POST or None, assets=assets)
    context = {"form": form, "has_groups": assets.exists()}
    if request.method != "POST" or not form.is_valid():
        return render(request, template, context)
    if not route_is_open(route=Source.COMMUNITY):
        return _closed_route(request, route=Source.COMMUNITY, form=form)
    data = form.cleaned_data
    asset = data.get("referring_asset")
    details = form.person_details()
    try:
        referral = referral_submit(
            details=details,
            person=person_match_auto(details=details),
            source=Source.COMMUNITY,
            by=user,
            consent_confirmed=data["consent_confirmed"],
            reason=data["reason"],
            referring_asset=asset,
            referrer_name=user.get_full_name() or user.username,
            referrer_organisation=asset.name if asset else data.get("organisation_name", ""),
            referrer_email=user.email,
        )
    except RouteClosedError:
        return _closed_route(request, route=Source.COMMUNITY, form=form)
    except ValidationError as exc:
        _add_service_errors(form, exc)
        return render(request, template, context)
    return redirect("referrals:referral_confirmation", pk=referral.pk)


def _with_rows(enquiry: ClosedRouteEnquiry) -> ClosedRouteEnquiry:
    """What was sent, as readable label/value pairs (one level of nesting flattened, for
    enquiries that came through the API)."""
    rows: list[tuple[str, Any]] = []

    def label(key: str) -> str:
        return key.replace("_", " ").capitalize()

    data = enquiry.data if isinstance(enquiry.data, dict) else {"data": enquiry.data}
    for key, value in data.items():
        if isinstance(value, dict):
            rows.extend((f"{label(key)}: {label(k).lower()}", v) for k, v in value.items())
        else:
            rows.append((label(key), value))
    enquiry.rows = rows  # type: ignore[attr-defined]
    return enquiry


@role_required(Role.ADMIN)
def closed_route_enquiries(request: HttpRequest) -> HttpResponse:
    page = Paginator(closed_route_enquiry_list(), 50).get_page(request.GET.get("page"))
    page.object_list = [_with_rows(e) for e in page.object_list]
    return render(request, T + "closed_route_enquiries.html", {"page": page})


@role_required(Role.ADMIN)
@require_POST
def closed_route_enquiry_handled(request: HttpRequest, pk: int) -> HttpResponse:
    enquiry = get_object_or_404(ClosedRouteEnquiry, pk=pk)
    enquiry = closed_route_enquiry_mark_handled(enquiry=enquiry, by=request.user)
    if request.htmx:  # type: ignore[attr-defined]
        enquiry = _with_rows(closed_route_enquiry_list().get(pk=enquiry.pk))
        return render(request, T + "closed_route_enquiries.html#enquiry_row", {"enquiry": enquiry})
    return redirect("referrals:closed_route_enquiries")

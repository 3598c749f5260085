"""Referral intake pages: practice staff, the public, volunteers, other services; the practice's
own referrals; the administrators' closed-route enquiries."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from socialrx.access import role_required
from socialrx.http import (
    HtmxRequest,
    SignedInRequest,
    form_add_service_errors,
    get_in_scope_or_404,
    render_page,
    url_with_id,
    wants_partial,
)
from socialrx.models import Role, StaffType
from socialrx.ratelimit import client_address

from ..forms.intake import (
    CommunityReferralForm,
    OtherServiceReferralForm,
    PracticeReferralForm,
    PracticeReferralSearchForm,
    SelfReferralForm,
)
from ..models import ClosedRouteEnquiry, Person, ReferralStatus, Source
from ..selectors.intake import (
    closed_route_enquiry_list,
    community_referral_assets_for,
    practice_referral_get,
    practice_referral_list,
    referral_confirmation_get,
)
from ..services.enquiries import closed_route_enquiry_mark_handled
from ..services.intake import (
    CandidatesToConfirm,
    EnquiryKept,
    ReferralDetails,
    referral_intake,
    self_referral_rate_limited,
)
from ..services.matching import CREATE_NEW, Matching, PersonDetails

T = "referrals/intake/"


def _candidate_row(person: Person) -> dict[str, Any]:
    """Enough to tell whether it is the same person, and no more: the postcode's area only."""
    return {
        "pk": person.pk,
        "name": person.full_name,
        "date_of_birth": person.date_of_birth,
        "area": (person.postcode or "").split(" ")[0],
        "practice": person.practice.name if person.practice is not None else "",
    }


def _staff_intake(
    request: SignedInRequest,
    *,
    form: PracticeReferralForm,
    template: str,
    route: str,
    person: PersonDetails,
    referrer: dict[str, Any],
) -> HttpResponse:
    """The staff routes: the user confirms who the person is when they may already have a
    record."""
    choice = request.POST.get("duplicate_choice", "")
    try:
        result = referral_intake(
            route=route,
            person=person,
            referral=ReferralDetails(
                reason=form.cleaned_data["reason"],
                consent_confirmed=form.cleaned_data["consent_confirmed"],
                consents=form.consent_answers(),
                **referrer,
            ),
            by=request.user,
            matching=Matching.CONFIRM,
            choice=choice,
            enquiry_data=form.enquiry_data(),
            submission_token=form.cleaned_data.get("submission_token", ""),
        )
    except ValidationError as exc:
        form_add_service_errors(form, exc)
        return render(request, template, {"form": form})
    if isinstance(result, EnquiryKept):
        return redirect("referrals:enquiry_received")
    if isinstance(result, CandidatesToConfirm):
        return render(
            request,
            template,
            {
                "form": form,
                "candidates": [_candidate_row(p) for p in result.candidates],
                "create_new": CREATE_NEW,
                # Asked before and still no valid answer: say so.
                "choice_error": bool(choice or request.POST.get("duplicate_asked")),
            },
        )
    return redirect("referrals:referral_confirmation", pk=result.referral.pk)


@role_required(Role.PRACTICE_STAFF, admin_ok=False)
@require_http_methods(["GET", "POST"])
def practice_referral_create(request: SignedInRequest) -> HttpResponse:
    user = request.user
    template = T + "practice_referral_form.html"
    form = PracticeReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _staff_intake(
            request,
            form=form,
            template=template,
            route=Source.GP if user.staff_type == StaffType.GP else Source.PRACTICE_STAFF,
            person=form.person_details(practice=user.practice),
            referrer={
                "referring_practice": user.practice,
                "referrer_name": user.get_full_name(),
                "referrer_email": user.email,
            },
        )
    return render(request, template, {"form": form})


@role_required(Role.LINK_WORKER)
@require_http_methods(["GET", "POST"])
def other_referral_create(request: SignedInRequest) -> HttpResponse:
    template = T + "other_referral_form.html"
    form = OtherServiceReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        return _staff_intake(
            request,
            form=form,
            template=template,
            route=data["source"],
            person=form.person_details(),
            referrer={
                "referrer_name": data["referrer_name"],
                "referrer_organisation": data["referrer_organisation"],
                "referrer_email": data["referrer_email"],
            },
        )
    return render(request, template, {"form": form})


@login_required
def referral_confirmation(request: SignedInRequest, pk: int) -> HttpResponse:
    """After a staff or volunteer referral. The maker may see it even when the referral went to
    a team they cannot see (a link worker recording for another team's area)."""
    referral = referral_confirmation_get(user=request.user, pk=pk)
    return render(request, T + "referral_confirmation.html", {"referral": referral})


def enquiry_received(request: HttpRequest) -> HttpResponse:
    return render(request, T + "enquiry_received.html")


@role_required(Role.PRACTICE_STAFF)
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def practice_referrals(request: SignedInRequest) -> HttpResponse:
    """The status filter is a GET; a search by name or NHS number is a POST, so what was typed
    never appears in a URL, the browser history or a server log."""
    data = request.POST if request.method == "POST" else request.GET
    status = data.get("status", "")
    if status not in ReferralStatus.values:
        status = ""
    # An empty search clears the search rather than complaining about it.
    searching = request.method == "POST" and bool(request.POST.get("q", "").strip())
    search_form = PracticeReferralSearchForm(request.POST if searching else None)
    query = search_form.cleaned_data["q"] if searching and search_form.is_valid() else ""
    referrals = practice_referral_list(user=request.user, status=status, query=query)
    page = Paginator(referrals, 25).get_page(data.get("page"))
    referral_url = url_with_id("referrals:practice_referral_detail")
    for referral in page.object_list:
        referral.page_url = referral_url(referral.pk)  # type: ignore[attr-defined]
    context = {
        "page": page,
        "status": status,
        "statuses": ReferralStatus.choices,
        "search_form": search_form,
        "query": query,
    }
    return render_page(request, T + "practice_referrals.html", "results", context)


@role_required(Role.PRACTICE_STAFF)
def practice_referral_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    referral = practice_referral_get(user=request.user, pk=pk)
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
        self_referral_rate_limited(client_address=client_address(request))
        return redirect("referrals:self_referral_done")
    if not form.is_valid():
        return render(request, template, {"form": form})
    if self_referral_rate_limited(client_address=client_address(request)):
        return render(request, T + "self_referral_busy.html", status=429)
    try:
        result = referral_intake(
            route=Source.SELF,
            person=form.person_details(),
            # The person is asking for themselves, and answered for each purpose.
            referral=ReferralDetails(
                reason=form.cleaned_data["reason"],
                consent_confirmed=form.cleaned_data["consent_confirmed"],
                consents=form.consent_answers(),
            ),
            by=None,
            # The public never attaches to a record: a match is a possible match.
            matching=Matching.SUGGEST,
            enquiry_data=form.enquiry_data(),
            submission_token=form.cleaned_data.get("submission_token", ""),
        )
    except ValidationError as exc:
        form_add_service_errors(form, exc)
        return render(request, template, {"form": form})
    if isinstance(result, EnquiryKept):
        return redirect("referrals:enquiry_received")
    return redirect("referrals:self_referral_done")


def self_referral_done(request: HttpRequest) -> HttpResponse:
    return render(request, T + "self_referral_done.html")


@role_required(Role.VOLUNTEER)
@require_http_methods(["GET", "POST"])
def community_referral_create(request: SignedInRequest) -> HttpResponse:
    user = request.user
    template = T + "community_referral_form.html"
    assets = community_referral_assets_for(user=user)
    form = CommunityReferralForm(request.POST or None, assets=assets)
    context = {"form": form, "has_groups": assets.exists()}
    if request.method != "POST" or not form.is_valid():
        return render(request, template, context)
    data = form.cleaned_data
    asset = data.get("referring_asset")
    try:
        result = referral_intake(
            route=Source.COMMUNITY,
            person=form.person_details(),
            referral=ReferralDetails(
                reason=data["reason"],
                consent_confirmed=data["consent_confirmed"],
                consents=form.consent_answers(),
                referring_asset=asset,
                referrer_name=user.get_full_name() or user.username,
                referrer_organisation=asset.name if asset else data.get("organisation_name", ""),
                referrer_email=user.email,
            ),
            by=user,
            matching=Matching.AUTOMATIC,
            enquiry_data=form.enquiry_data(),
            submission_token=form.cleaned_data.get("submission_token", ""),
        )
    except ValidationError as exc:
        form_add_service_errors(form, exc)
        return render(request, template, context)
    if isinstance(result, EnquiryKept):
        return redirect("referrals:enquiry_received")
    if isinstance(result, CandidatesToConfirm):  # automatic matching never asks
        raise TypeError("automatic matching asked to confirm a candidate")
    return redirect("referrals:referral_confirmation", pk=result.referral.pk)


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
def closed_route_enquiry_handled(request: HtmxRequest, pk: int) -> HttpResponse:
    enquiry = get_in_scope_or_404(ClosedRouteEnquiry.objects.all(), what="enquiry", pk=pk)
    enquiry = closed_route_enquiry_mark_handled(enquiry=enquiry, by=request.user)
    if wants_partial(request):
        enquiry = _with_rows(closed_route_enquiry_list().get(pk=enquiry.pk))
        return render(request, T + "closed_route_enquiries.html#enquiry_row", {"enquiry": enquiry})
    return redirect("referrals:closed_route_enquiries")

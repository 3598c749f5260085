"""Volunteers' own pages (mobile first), and the staff pages for volunteers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from referrals.access import people_for, person_get_for
from socialrx.access import role_required
from socialrx.http import SignedInRequest, form_add_service_errors, render_page, wants_partial
from socialrx.models import Role

from . import selectors, services
from .access import (
    can_manage_champions,
    champion_get_for,
    event_get_for,
    hours_log_get_for,
    own_champion,
)
from .forms import (
    ChampionFilterForm,
    ChampionForm,
    EventForm,
    HoursForm,
    InviteForm,
    LoginForm,
    ProfileForm,
    TrainingForm,
)
from .models import Champion, ChampionRole, InvitationState, VolunteerInvitation

volunteer_only = role_required(Role.VOLUNTEER, admin_ok=False)
staff_only = role_required(Role.LINK_WORKER)
admin_only = role_required(Role.ADMIN)

# Recent entries shown under the log forms; the certificate carries the totals.
RECENT = 20
PAGE_SIZE = 50


# --- the volunteer's own pages ------------------------------------------------------------


@role_required(Role.VOLUNTEER, Role.LINK_WORKER)
def home(request: SignedInRequest) -> HttpResponse:
    user = request.user
    if user.role != Role.VOLUNTEER:
        return redirect("champions:list")
    champion = selectors.champion_for_user(user=user)
    if champion is None:
        return render(request, "champions/home.html", {"champion": None})
    return render(
        request,
        "champions/home.html",
        {
            "champion": champion,
            "summary": selectors.champion_hours_summary(champion=champion),
            "recent_hours": list(selectors.hours_for(champion=champion)[:3]),
            "groups": list(selectors.groups_for(champion=champion)),
            "referral_count": selectors.community_referrals_for(
                user=user, champion=champion
            ).count(),
        },
    )


@volunteer_only
def profile(request: SignedInRequest) -> HttpResponse:
    champion = own_champion(user=request.user)
    form = ProfileForm(request.POST or None, instance=champion)
    if request.method == "POST" and form.is_valid():
        # The form changed the instance in memory; the service writes only what changed.
        fresh = Champion.objects.get(pk=champion.pk)
        services.champion_contact_update(champion=fresh, by=request.user, data=form.cleaned_data)
        messages.success(request, "Your details have been saved.")
        return redirect("champions:home")
    return render(request, "champions/profile.html", {"champion": champion, "form": form})


@volunteer_only
def training(request: SignedInRequest) -> HttpResponse:
    champion = own_champion(user=request.user)
    return render(
        request,
        "champions/training.html",
        {"champion": champion, "records": selectors.training_for(champion=champion)},
    )


def _activity_page(
    request: SignedInRequest,
    *,
    form_class: type[HoursForm] | type[EventForm],
    create: Callable[..., Any],
    entries: Callable[..., QuerySet[Any]],
    template: str,
    partial: str,
    saved: str,
) -> HttpResponse:
    """Log hours or an event: the full page, or with htmx the panel (form and list) only.
    Without JavaScript a successful POST redirects back (post/redirect/get)."""
    champion = own_champion(user=request.user)
    groups = selectors.group_choices_for(champion=champion)
    just_saved = None
    if request.method == "POST":
        form = form_class(request.POST, groups=groups)
        if form.is_valid():
            try:
                just_saved = create(champion=champion, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                if not wants_partial(request):
                    messages.success(request, saved)
                    return redirect(request.path)
                form = form_class(groups=groups)
    else:
        form = form_class(groups=groups)
    context = {
        "champion": champion,
        "form": form,
        "entries": entries(champion=champion)[:RECENT],
        "just_saved": just_saved,
        "saved_message": saved,
    }
    return render_page(request, template, partial, context)


@volunteer_only
@vary_on_headers("HX-Request")
def hours(request: SignedInRequest) -> HttpResponse:
    return _activity_page(
        request,
        form_class=HoursForm,
        create=services.hours_log_create,
        entries=selectors.hours_for,
        template="champions/hours.html",
        partial="panel",
        saved="Your hours have been saved.",
    )


@volunteer_only
@require_POST
def hours_delete(request: SignedInRequest, pk: int) -> HttpResponse:
    entry = hours_log_get_for(user=request.user, pk=pk)
    services.hours_log_delete(entry=entry, by=request.user)
    if wants_partial(request):
        return HttpResponse("")
    messages.success(request, "The entry has been removed.")
    return redirect("champions:hours")


@volunteer_only
@vary_on_headers("HX-Request")
def events(request: SignedInRequest) -> HttpResponse:
    return _activity_page(
        request,
        form_class=EventForm,
        create=services.event_create,
        entries=selectors.events_for,
        template="champions/events.html",
        partial="panel",
        saved="Your event has been saved.",
    )


@volunteer_only
@require_POST
def event_delete(request: SignedInRequest, pk: int) -> HttpResponse:
    event = event_get_for(user=request.user, pk=pk)
    services.event_delete(event=event, by=request.user)
    if wants_partial(request):
        return HttpResponse("")
    messages.success(request, "The event has been removed.")
    return redirect("champions:events")


@volunteer_only
def groups(request: SignedInRequest) -> HttpResponse:
    champion = own_champion(user=request.user)
    return render(
        request,
        "champions/groups.html",
        {"champion": champion, "groups": selectors.groups_for(champion=champion)},
    )


@volunteer_only
def my_referrals(request: SignedInRequest) -> HttpResponse:
    champion = own_champion(user=request.user)
    return render(
        request,
        "champions/referrals.html",
        {
            "champion": champion,
            "referrals": selectors.community_referrals_for(user=request.user, champion=champion),
        },
    )


def _certificate(request: SignedInRequest, champion: Champion) -> HttpResponse:
    return render(
        request,
        "champions/certificate.html",
        {
            "champion": champion,
            "summary": selectors.champion_hours_summary(champion=champion),
            "records": selectors.training_for(champion=champion),
            "today": timezone.localdate(),
        },
    )


@volunteer_only
def certificate(request: SignedInRequest) -> HttpResponse:
    return _certificate(request, own_champion(user=request.user))


# --- link workers and administrators -----------------------------------------------------


@staff_only
def champion_list(request: SignedInRequest) -> HttpResponse:
    form = ChampionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.champion_list(
        query=filters.get("q", ""), role=filters.get("role", ""), active=filters.get("active", "")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "champions/list.html",
        {
            "form": form,
            "page": page,
            "querystring": query.urlencode(),
            "can_manage": can_manage_champions(request.user),
        },
    )


@staff_only
def champion_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    champion = champion_get_for(user=request.user, pk=pk)
    person_visible = bool(
        champion.person_id and people_for(user=request.user).filter(pk=champion.person_id).exists()
    )
    invitation = (
        VolunteerInvitation.objects.filter(champion=champion)
        .select_related("consent_recorded_by")
        .first()
    )
    return render(
        request,
        "champions/detail.html",
        {
            "champion": champion,
            "summary": selectors.champion_hours_summary(champion=champion),
            "records": selectors.training_for(champion=champion),
            "recent_hours": selectors.hours_for(champion=champion)[:10],
            "recent_events": selectors.events_for(champion=champion)[:10],
            "groups": selectors.groups_for(champion=champion),
            "referrals": selectors.community_referrals_for(user=request.user, champion=champion),
            "person_visible": person_visible,
            "invitation": invitation,
            "can_manage": can_manage_champions(request.user),
        },
    )


@staff_only
def champion_certificate(request: SignedInRequest, pk: int) -> HttpResponse:
    return _certificate(request, champion_get_for(user=request.user, pk=pk))


def _champion_form_page(request: SignedInRequest, champion: Champion) -> HttpResponse:
    form = ChampionForm(request.POST or None, instance=champion)
    if request.method == "POST" and form.is_valid():
        saved = services.champion_save(
            champion=form.instance, by=request.user, changed=form.changed_data
        )
        messages.success(request, f"{saved.full_name}'s volunteer record has been saved.")
        return redirect("champions:detail", pk=saved.pk)
    return render(request, "champions/champion_form.html", {"form": form, "champion": champion})


@admin_only
def champion_create(request: SignedInRequest) -> HttpResponse:
    return _champion_form_page(request, Champion())


@admin_only
def champion_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    return _champion_form_page(request, champion_get_for(user=request.user, pk=pk))


def _champion_to_change(request: SignedInRequest, pk: int) -> Champion:
    """A volunteer record the user may change: link workers read volunteer records (they see
    them, so they get 403), administrators change them; anyone else does not find them."""
    champion = champion_get_for(user=request.user, pk=pk)
    if not can_manage_champions(request.user):
        raise PermissionDenied("Only administrators change volunteer records")
    return champion


@staff_only
def training_add(request: SignedInRequest, pk: int) -> HttpResponse:
    champion = _champion_to_change(request, pk)
    form = TrainingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.training_record_create(champion=champion, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "The training record has been added.")
            return redirect("champions:detail", pk=champion.pk)
    return render(request, "champions/training_form.html", {"form": form, "champion": champion})


@staff_only
def hours_add_for(request: SignedInRequest, pk: int) -> HttpResponse:
    """An administrator logging hours for a volunteer who has no login (many never sign in)."""
    champion = _champion_to_change(request, pk)
    form = HoursForm(request.POST or None, groups=selectors.group_choices_for(champion=champion))
    if request.method == "POST" and form.is_valid():
        try:
            services.hours_log_create(champion=champion, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"{champion.given_name}'s hours have been saved.")
            return redirect("champions:detail", pk=champion.pk)
    return render(request, "champions/hours_form.html", {"form": form, "champion": champion})


@admin_only
def login_create(request: SignedInRequest, pk: int) -> HttpResponse:
    """Give an existing volunteer a login (administrators)."""
    champion = champion_get_for(user=request.user, pk=pk)
    form = LoginForm(request.POST or None, initial={"email": champion.email})
    if champion.user_id:
        messages.info(request, f"{champion.given_name} already has a login.")
        return redirect("champions:detail", pk=champion.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.volunteer_login_create(
                champion=champion, email=form.cleaned_data["email"], by=request.user
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "The login has been made and the email sent.")
            return redirect("champions:detail", pk=champion.pk)
    return render(request, "champions/login_form.html", {"form": form, "champion": champion})


@staff_only
def invite(request: SignedInRequest, person_id: int) -> HttpResponse:
    person = person_get_for(user=request.user, pk=person_id)
    existing = Champion.objects.filter(person=person).first()
    previous = list(VolunteerInvitation.objects.filter(person=person).select_related("invited_by"))
    form: Form = InviteForm(request.POST or None)
    if request.method == "POST" and existing is None and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = services.volunteer_invitation_record(
                person=person,
                by=request.user,
                role=data["role"],
                state=data["state"],
                consent_confirmed=data["consent_confirmed"],
                login_email=data["login_email"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            if invitation.state == InvitationState.ACCEPTED:
                messages.success(request, f"{person.full_name} is now a volunteer.")
                return redirect("champions:detail", pk=invitation.champion_id)
            messages.success(request, "What they said has been recorded.")
            return redirect(request.path)
    wordings = [
        (label, services.consent_wording_for(role=value)) for value, label in ChampionRole.choices
    ]
    return render(
        request,
        "champions/invite.html",
        {
            "person": person,
            "form": form,
            "existing": existing,
            "previous": previous,
            "wordings": wordings,
        },
    )

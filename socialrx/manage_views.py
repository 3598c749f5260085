"""Administrators' pages: users, teams, practices and PCNs. Everyone else gets 404."""

from __future__ import annotations

import copy
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Field, Q, QuerySet
from django.forms import ModelForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import manage_services as services
from . import mfa
from .access import role_required
from .http import SignedInRequest, get_in_scope_or_404, render_page
from .manage_forms import PCNForm, PracticeForm, TeamForm, UserFilterForm, UserForm
from .models import PCN, Practice, Role, Team, User

admin_only = role_required("admin")
PAGE_SIZE = 50


@admin_only
def admin_home(request: SignedInRequest) -> HttpResponse:
    counts = {
        "users": User.objects.filter(is_active=True).count(),
        "teams": Team.objects.count(),
        "practices": Practice.objects.count(),
        "pcns": PCN.objects.count(),
    }
    return render(request, "socialrx/manage/home.html", {"counts": counts})


# --- users -----------------------------------------------------------------------------------


def _user_queryset(form: UserFilterForm) -> QuerySet[User]:
    users = User.objects.select_related("team", "practice").order_by(
        "first_name", "last_name", "username"
    )
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status") or "active"
    if status != "all":
        users = users.filter(is_active=status == "active")
    if data.get("role"):
        users = users.filter(role=data["role"])
    for word in (data.get("q") or "").split():
        users = users.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
        )
    return users


@admin_only
def user_list(request: SignedInRequest) -> HttpResponse:
    # Searches come by POST so that names stay out of URLs and server logs.
    data = request.POST if request.method == "POST" else None
    form = UserFilterForm(data)
    page = Paginator(_user_queryset(form), PAGE_SIZE).get_page(data.get("page") if data else None)
    # The search, carried by the page buttons.
    filters = (
        {name: form.cleaned_data.get(name) or "" for name in ("q", "role", "status")}
        if form.is_bound and form.is_valid()
        else {}
    )
    context = {"form": form, "page": page, "filters": filters}
    return render_page(request, "socialrx/manage/user_list.html", "results", context)


@admin_only
def user_create(request: SignedInRequest) -> HttpResponse:
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.instance
        invite = services.user_create(
            user=user, by=request.user, send_invite=form.cleaned_data["send_invite"]
        )
        if invite == "sent":
            messages.success(request, f"{user} was added and emailed a link to set a password.")
        elif invite:
            messages.success(request, f"{user} was added.")
            messages.error(request, invite)
        else:
            messages.success(request, f"{user} was added.")
        return redirect("socialrx:user_edit", pk=user.pk)
    return render(request, "socialrx/manage/user_form.html", {"form": form, "target": None})


@admin_only
def user_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    target = get_in_scope_or_404(
        User.objects.select_related("team", "practice"), what="user", pk=pk
    )
    before = _user_values(target)
    # A copy: a rejected form must not change the name shown in the page heading.
    form = UserForm(request.POST or None, instance=copy.copy(target), editor=request.user)
    if request.method == "POST" and form.is_valid():
        # Compared on the instance, not form.changed_data: the form also clears scope fields
        # that don't belong to the role, and those are changes too.
        after = _user_values(form.instance)
        changed = [name for name in after if after[name] != before[name]]
        services.user_update(user=form.instance, changed=changed, by=request.user)
        messages.success(request, f"{target} was updated.")
        return redirect("socialrx:user_edit", pk=target.pk)
    return render(
        request,
        "socialrx/manage/user_form.html",
        {
            "form": form,
            "target": target,
            "caseload": _caseload_count(target),
            "sign_in_failures": services.user_sign_in_failures(user=target),
            "has_second_factor": mfa.user_has_device(target, confirmed=True),
        },
    )


def _user_values(user: User) -> dict[str, Any]:
    # attname: the id for a foreign key, so comparing values needs no queries.
    return {
        name: getattr(user, cast(Field, User._meta.get_field(name)).attname)
        for name in UserForm.Meta.fields
    }


def _caseload_count(user: User) -> int:
    # Reverse relation from referrals.Person; reached by name so the core imports no app.
    caseload = getattr(user, "caseload", None)
    return caseload.count() if caseload is not None and user.role == Role.LINK_WORKER else 0


@admin_only
def user_deactivate(request: SignedInRequest, pk: int) -> HttpResponse:
    target = get_in_scope_or_404(User.objects.all(), what="user", pk=pk)
    error = ""
    if request.method == "POST":
        try:
            services.user_set_active(user=target, active=False, by=request.user)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.success(request, f"{target} was deactivated: they can no longer sign in.")
            return redirect("socialrx:user_edit", pk=target.pk)
    named_for = Practice.objects.filter(named_link_worker=target).order_by("name")
    return render(
        request,
        "socialrx/manage/user_deactivate.html",
        {
            "target": target,
            "error": error,
            "caseload": _caseload_count(target),
            "named_for": named_for,
        },
        status=400 if error else 200,
    )


@admin_only
@require_POST
def user_reactivate(request: SignedInRequest, pk: int) -> HttpResponse:
    target = get_in_scope_or_404(User.objects.all(), what="user", pk=pk)
    try:
        services.user_set_active(user=target, active=True, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"{target} was reactivated.")
    return redirect("socialrx:user_edit", pk=target.pk)


@admin_only
@require_POST
def user_password_reset(request: SignedInRequest, pk: int) -> HttpResponse:
    target = get_in_scope_or_404(User.objects.all(), what="user", pk=pk)
    try:
        services.user_password_reset_send(user=target, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"A password reset link was emailed to {target}.")
    return redirect("socialrx:user_edit", pk=target.pk)


@admin_only
@require_POST
def user_unlock(request: SignedInRequest, pk: int) -> HttpResponse:
    target = get_in_scope_or_404(User.objects.all(), what="user", pk=pk)
    services.user_unlock(user=target, by=request.user)
    messages.success(request, f"{target} can sign in again.")
    return redirect("socialrx:user_edit", pk=target.pk)


@admin_only
@require_POST
def user_mfa_reset(request: SignedInRequest, pk: int) -> HttpResponse:
    target = get_in_scope_or_404(User.objects.all(), what="user", pk=pk)
    mfa.mfa_reset(user=target, by=request.user)
    messages.success(request, f"{target} will set up an authenticator app when they next sign in.")
    return redirect("socialrx:user_edit", pk=target.pk)


# --- teams, practices, PCNs ------------------------------------------------------------------


def _record_form(
    request: SignedInRequest,
    *,
    form_class: type[ModelForm],
    instance: Any,
    noun: str,
    list_url: str,
) -> HttpResponse:
    """Create or edit one team, practice or PCN: the three share a page shape."""
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        services.record_save(
            obj=form.instance, by=request.user, created=instance is None, changed=form.changed_data
        )
        messages.success(
            request, f"{form.instance} was {'added' if instance is None else 'saved'}."
        )
        return redirect(list_url)
    return render(
        request,
        "socialrx/manage/record_form.html",
        {"form": form, "instance": instance, "noun": noun, "list_url": reverse(list_url)},
    )


@admin_only
def team_list(request: SignedInRequest) -> HttpResponse:
    teams = Team.objects.annotate(
        member_count=Count("members", filter=Q(members__is_active=True), distinct=True),
        practice_count=Count("practices", distinct=True),
    ).order_by("name")
    return render(request, "socialrx/manage/team_list.html", {"teams": teams})


@admin_only
def team_create(request: SignedInRequest) -> HttpResponse:
    return _record_form(
        request, form_class=TeamForm, instance=None, noun="team", list_url="socialrx:team_list"
    )


@admin_only
def team_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    return _record_form(
        request,
        form_class=TeamForm,
        instance=get_in_scope_or_404(Team.objects.all(), what="team", pk=pk),
        noun="team",
        list_url="socialrx:team_list",
    )


@admin_only
def practice_list(request: SignedInRequest) -> HttpResponse:
    practices = Practice.objects.select_related("pcn", "team", "named_link_worker").order_by("name")
    return render(request, "socialrx/manage/practice_list.html", {"practices": practices})


@admin_only
def practice_create(request: SignedInRequest) -> HttpResponse:
    return _record_form(
        request,
        form_class=PracticeForm,
        instance=None,
        noun="practice",
        list_url="socialrx:practice_list",
    )


@admin_only
def practice_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    return _record_form(
        request,
        form_class=PracticeForm,
        instance=get_in_scope_or_404(Practice.objects.all(), what="practice", pk=pk),
        noun="practice",
        list_url="socialrx:practice_list",
    )


@admin_only
def pcn_list(request: SignedInRequest) -> HttpResponse:
    pcns = PCN.objects.annotate(practice_count=Count("practices")).order_by("name")
    return render(request, "socialrx/manage/pcn_list.html", {"pcns": pcns})


@admin_only
def pcn_create(request: SignedInRequest) -> HttpResponse:
    return _record_form(
        request, form_class=PCNForm, instance=None, noun="PCN", list_url="socialrx:pcn_list"
    )


@admin_only
def pcn_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    return _record_form(
        request,
        form_class=PCNForm,
        instance=get_in_scope_or_404(PCN.objects.all(), what="pcn", pk=pk),
        noun="PCN",
        list_url="socialrx:pcn_list",
    )

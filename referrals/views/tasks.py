"""A link worker's day and their tasks. Every change is a plain POST that redirects back (so it
works without JavaScript); htmx gets the task's row back instead. Tasks of people outside the
user's team are 404, like their records."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from socialrx.access import role_required
from socialrx.http import SignedInRequest, form_add_service_errors, wants_partial
from socialrx.models import Role

from ..forms.tasks import TaskForm, TaskReassignForm, TaskSnoozeForm
from ..models import Task
from ..selectors.casework import person_for_page, team_link_workers
from ..selectors.tasks import my_day as my_day_read
from ..selectors.tasks import task_get_for
from ..services.tasks import task_add, task_done, task_reassign, task_snooze
from .casework import _person_page

casework_view = role_required(Role.LINK_WORKER)
ROW = "referrals/tasks/_task_row.html"


@casework_view
@require_GET
def my_day(request: SignedInRequest) -> HttpResponse:
    today = timezone.localdate()
    context = {
        "day": my_day_read(user=request.user, today=today),
        "link_workers": list(team_link_workers(team_id=request.user.team_id)),
        "back": "my_day",
    }
    return render(request, "referrals/tasks/my_day.html", context)


def _back(request: SignedInRequest, task: Task) -> HttpResponse:
    """Back to the page the button was on: the person's page or "My day" (a name, never a URL
    from the form, so the redirect cannot be sent elsewhere)."""
    if request.POST.get("back") == "person":
        return redirect(reverse("referrals:person", kwargs={"pk": task.person_id}) + "#tasks")
    return redirect("referrals:my_day")


def _answer(request: SignedInRequest, task: Task, *, error: str, saved: str) -> HttpResponse:
    if wants_partial(request):
        return render(
            request,
            ROW,
            {
                "task": task,
                "row_error": error,
                "saved": "" if error else saved,
                "today": timezone.localdate(),
                "link_workers": list(team_link_workers(team_id=task.person.team_id)),
                "back": request.POST.get("back", "my_day"),
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, saved)
    return _back(request, task)


def _first_error(form: Any, exc: ValidationError | None = None) -> str:
    if exc is not None:
        return exc.messages[0]
    for errors in form.errors.values():
        return str(errors[0])
    return "Something was not right; nothing was changed"


@casework_view
@require_POST
def task_create(request: SignedInRequest, pk: int) -> HttpResponse:
    person = person_for_page(user=request.user, pk=pk)
    form = TaskForm(request.POST)
    if form.is_valid():
        try:
            task_add(
                person=person,
                kind=form.cleaned_data["kind"],
                due_on=form.cleaned_data["due_on"],
                note=form.cleaned_data["note"],
                assigned_to=request.user if request.user.role == Role.LINK_WORKER else None,
                referral=person.referrals.filter(closed_on__isnull=True).first(),
                by=request.user,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Task added.")
            return redirect(reverse("referrals:person", kwargs={"pk": person.pk}) + "#tasks")
    return _person_page(request, person, task_form=form)


@casework_view
@require_POST
def task_mark_done(request: SignedInRequest, pk: int) -> HttpResponse:
    task = task_get_for(user=request.user, pk=pk)
    task_done(task=task, by=request.user)
    return _answer(request, task, error="", saved="Task marked done.")


@casework_view
@require_POST
def task_snooze_view(request: SignedInRequest, pk: int) -> HttpResponse:
    task = task_get_for(user=request.user, pk=pk)
    form = TaskSnoozeForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _first_error(form)
    else:
        try:
            task_snooze(task=task, until=form.cleaned_data["until"], by=request.user)
        except ValidationError as exc:
            error = _first_error(form, exc)
            task.refresh_from_db()
    saved = f"Task snoozed until {task.snoozed_until:%-d %B %Y}." if not error else ""
    return _answer(request, task, error=error, saved=saved)


@casework_view
@require_POST
def task_reassign_view(request: SignedInRequest, pk: int) -> HttpResponse:
    task = task_get_for(user=request.user, pk=pk)
    form = TaskReassignForm(
        request.POST, link_workers=team_link_workers(team_id=task.person.team_id)
    )
    error = ""
    if not form.is_valid():
        error = _first_error(form)
    else:
        try:
            task_reassign(task=task, assigned_to=form.cleaned_data["assigned_to"], by=request.user)
        except ValidationError as exc:
            error = _first_error(form, exc)
            task.refresh_from_db()
    saved = f"Task given to {task.assigned_to}." if not error else ""
    return _answer(request, task, error=error, saved=saved)

"""Administrators' pages for subject rights and retention. Everyone else gets 404 (and
anonymous visitors the sign-in page), as for every administrators' page."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from referrals.access import person_get_for
from referrals.models import Person
from socialrx.access import role_required
from socialrx.http import SignedInRequest, form_add_service_errors, get_in_scope_or_404

from .forms import ErasureForm, MergeForm
from .models import ErasureRecord, MergeRecord, MergeState
from .services.erasure import person_erase
from .services.export import subject_access_export
from .services.merge import merge_confirm, merge_undo, person_merge
from .services.records import audit_for, enquiries_for, person_rows
from .services.retention import retention_cutoff, retention_due

admin_only = role_required()


@admin_only
def home(request: SignedInRequest) -> HttpResponse:
    context = {
        "pending": MergeRecord.objects.filter(state=MergeState.PENDING),
        "erasures": ErasureRecord.objects.all()[:20],
        "due": retention_due(today=timezone.localdate()).count(),
    }
    return render(request, "privacy/home.html", context)


@admin_only
def person(request: SignedInRequest, pk: int) -> HttpResponse:
    record = person_get_for(user=request.user, pk=pk)
    found = person_rows(person=record)
    counts = [
        (str(model._meta.verbose_name_plural).capitalize(), len(ids))
        for model, ids in found.items()
    ]
    context = {
        "person": record,
        "counts": counts,
        "enquiries": enquiries_for(person=record).count(),
        "audit_entries": audit_for(person=record).count(),
        "merges": MergeRecord.objects.filter(kept=record)
        | MergeRecord.objects.filter(duplicate=record),
    }
    return render(request, "privacy/person.html", context)


@admin_only
def export_page(request: SignedInRequest, pk: int) -> HttpResponse:
    record = person_get_for(user=request.user, pk=pk)
    export = subject_access_export(person=record, by=request.user, fmt="html")
    return render(request, "privacy/export.html", {"person": record, "export": export})


@admin_only
def export_json(request: SignedInRequest, pk: int) -> HttpResponse:
    record = person_get_for(user=request.user, pk=pk)
    export = subject_access_export(person=record, by=request.user, fmt="json")
    response = HttpResponse(
        json.dumps(export.as_json(), cls=DjangoJSONEncoder, indent=2),
        content_type="application/json",
    )
    # The file is named by id only: names stay out of file names and logs.
    response["Content-Disposition"] = f'attachment; filename="subject-access-{record.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@admin_only
def erase(request: SignedInRequest, pk: int) -> HttpResponse:
    record = person_get_for(user=request.user, pk=pk)
    form = ErasureForm(request.POST or None, person=record)
    if request.method == "POST" and form.is_valid():
        try:
            erasure = person_erase(
                person=record,
                by=request.user,
                reason_category=form.cleaned_data["reason_category"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request, f"The record has been erased. Erasure reference: {erasure.reference}"
            )
            return redirect("privacy:home")
    status = 400 if form.is_bound else 200
    return render(request, "privacy/erase.html", {"person": record, "form": form}, status=status)


@admin_only
def merge(request: SignedInRequest, pk: int) -> HttpResponse:
    kept = person_get_for(user=request.user, pk=pk)
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        duplicate = Person.objects.filter(pk=form.cleaned_data["duplicate"]).first()
        if duplicate is None:
            form.add_error("duplicate", "There is no record with that id")
        else:
            try:
                record = person_merge(kept=kept, duplicate=duplicate, by=request.user)
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, "The records have been merged. You can still undo this.")
                return redirect("privacy:merge_detail", pk=record.pk)
    status = 400 if form.is_bound else 200
    return render(request, "privacy/merge.html", {"person": kept, "form": form}, status=status)


def _merge(pk: int) -> MergeRecord:
    return get_in_scope_or_404(MergeRecord.objects.select_related("kept"), what="merge", pk=pk)


@admin_only
def merge_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    return render(request, "privacy/merge_detail.html", {"merge": _merge(pk)})


def _decide(request: SignedInRequest, pk: int, *, undo: bool) -> HttpResponse:
    record = _merge(pk)
    try:
        if undo:
            merge_undo(record=record, by=request.user)
            messages.success(
                request, "The merge has been undone: each record has its own rows back."
            )
        else:
            merge_confirm(record=record, by=request.user)
            messages.success(request, "The merge is confirmed.")
    except ValidationError as exc:
        context = {"merge": record, "error": " ".join(exc.messages)}
        return render(request, "privacy/merge_detail.html", context, status=409)
    return redirect("privacy:merge_detail", pk=record.pk)


@admin_only
@require_POST
def merge_undo_view(request: SignedInRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, undo=True)


@admin_only
@require_POST
def merge_confirm_view(request: SignedInRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, undo=False)


@admin_only
def retention(request: SignedInRequest) -> HttpResponse:
    today = timezone.localdate()
    context = {
        "cutoff": retention_cutoff(today=today),
        "retention_years": settings.RETENTION_YEARS_AFTER_CLOSURE,
        "due": [
            {"pk": p.pk, "last_ended_on": p.last_ended_on}  # type: ignore[attr-defined]
            for p in retention_due(today=today).only("pk")
        ],
    }
    return render(request, "privacy/retention.html", context)

"""The administrators' import pages: upload a file of one kind, see its progress and result
(the error report when the file is refused)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render

from socialrx.access import role_required
from socialrx.http import SignedInRequest, get_in_scope_or_404, render_page
from socialrx.models import Role

from .forms import KIND_LABELS, ImportForm, OpenReferralForm
from .openreferral import openreferral_start
from .runs import import_runs, import_runs_recent, import_upload_start


@role_required(Role.ADMIN)
def imports(request: SignedInRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        run = import_upload_start(
            kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"], by=request.user
        )
        return redirect("outcomes_imports:run", pk=run.pk)
    return render(
        request,
        "outcomes/imports/imports.html",
        {"form": form, "runs": import_runs_recent(), "kind_labels": KIND_LABELS},
        status=400 if form.is_bound else 200,
    )


@role_required(Role.ADMIN)
def run(request: SignedInRequest, pk: int) -> HttpResponse:
    run = get_in_scope_or_404(import_runs(), what="import", pk=pk)
    return render_page(
        request,
        "outcomes/imports/run.html",
        "status",
        {"run": run, "kind_label": KIND_LABELS.get(run.kind, run.kind)},
    )


@role_required(Role.ADMIN)
def openreferral(request: SignedInRequest) -> HttpResponse:
    """Import an Open Referral UK v3 feed into the directory, from its web address or a file."""
    form = OpenReferralForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        run = openreferral_start(
            source=form.cleaned_data["source"],
            url=form.cleaned_data.get("url") or "",
            upload=form.cleaned_data.get("file"),
            by=request.user,
        )
        return redirect("outcomes_imports:run", pk=run.pk)
    return render(
        request,
        "outcomes/imports/openreferral.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )

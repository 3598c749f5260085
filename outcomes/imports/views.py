"""The administrators' import pages: upload a file of one kind, see its progress and result
(the error report when the file is refused)."""

from __future__ import annotations

import csv

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from socialrx.access import role_required
from socialrx.http import SignedInRequest, get_in_scope_or_404, render_page
from socialrx.models import Role

from .forms import KIND_LABELS, ImportForm, OpenReferralForm
from .openreferral import openreferral_start
from .registry import IMPORTERS, KINDS
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
            whole_feed=bool(form.cleaned_data.get("whole_feed")),
            by=request.user,
        )
        return redirect("outcomes_imports:run", pk=run.pk)
    return render(
        request,
        "outcomes/imports/openreferral.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


@role_required(Role.ADMIN)
def formats(request: SignedInRequest) -> HttpResponse:
    """Every kind of file, its columns and what each expects, from the importers themselves
    (so the page cannot drift from what is checked), with a template file per kind."""
    kinds = [
        {"kind": kind, "label": KIND_LABELS.get(kind, kind), "columns": IMPORTERS[kind].columns}
        for kind in KINDS
    ]
    return render(request, "outcomes/imports/formats.html", {"kinds": kinds})


@role_required(Role.ADMIN)
def template_csv(request: SignedInRequest, kind: str) -> HttpResponse:
    """An empty file of ``kind``: its header row, every column in order."""
    importer = IMPORTERS.get(kind)
    if importer is None:
        raise Http404("No such kind of file")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
    csv.writer(response).writerow(
        [c.name for c in importer.columns if c.name not in importer.template_leaves_out]
    )
    return response

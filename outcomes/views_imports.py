"""The administrators' import pages: upload a file of one kind, see its progress and result
(the error report when the file is refused)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.middleware import HtmxDetails

from outcomes.imports.forms import KIND_LABELS, ImportForm
from outcomes.imports.runs import import_run_get, import_runs_recent, import_upload_start
from socialrx.access import role_required
from socialrx.models import Role


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@role_required(Role.ADMIN)
def imports(request: HttpRequest) -> HttpResponse:
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
def run(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    run = import_run_get(pk=pk)
    template = "outcomes/imports/run.html"
    if request.htmx:
        template += "#status"
    return render(
        request, template, {"run": run, "kind_label": KIND_LABELS.get(run.kind, run.kind)}
    )

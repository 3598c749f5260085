"""The board pack (XLSX) and the printable report of the overview: the latest figures of
every metric, suppressed as on the pages, for commissioners and administrators."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from socialrx.access import role_required
from socialrx.db_routing import reads_from_replica
from socialrx.http import SignedInRequest

from .downloads import INTERVALS_NOTE, reports_build, suppression_rule
from .downloads import board_pack as board_pack_bytes
from .suppression import exact_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
@role_required("commissioner")
@reads_from_replica
def board_pack(request: SignedInRequest) -> HttpResponse:
    exact = exact_for(request.user)
    now = timezone.now()
    reports = reports_build(exact=exact, today=timezone.localdate(), breakdowns=True)
    response = HttpResponse(board_pack_bytes(reports=reports, exact=exact, when=now), XLSX)
    name = f"outcomes_board_pack_{timezone.localdate():%Y-%m-%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@role_required("commissioner")
@reads_from_replica
def report(request: SignedInRequest) -> HttpResponse:
    """The overview as one printable page: each metric's latest figures, chart and caveat."""
    exact = exact_for(request.user)
    reports = reports_build(exact=exact, today=timezone.localdate(), breakdowns=False)
    return render(
        request,
        "outcomes/report.html",
        {
            "reports": reports,
            "exact": exact,
            "rule": suppression_rule(exact=exact),
            "intervals_note": INTERVALS_NOTE,
            "made": timezone.now(),
        },
    )

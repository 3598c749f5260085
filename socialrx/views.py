from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

# Where each role lands after signing in. Apps register their start pages by URL name; a
# missing name falls back to the generic home page.
ROLE_HOME = {
    "link_worker": "referrals:caseload",
    "practice_staff": "referrals:practice_referrals",
    "volunteer": "champions:home",
    "commissioner": "outcomes:overview",
    "admin": "socialrx:admin_home",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    role = "admin" if request.user.is_admin else request.user.role  # type: ignore[union-attr]
    try:
        return redirect(reverse(ROLE_HOME[role]))
    except (KeyError, NoReverseMatch):
        return render(request, "socialrx/home.html")


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")

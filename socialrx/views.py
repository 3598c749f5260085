from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .http import SignedInRequest
from .registry import role_home


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    """Each role lands on the start page its app declared (``role_homes`` on the AppConfig);
    a role without one gets the generic home page."""
    role = "admin" if request.user.is_admin else request.user.role
    url_name = role_home(role)
    if url_name is None:
        return render(request, "socialrx/home.html")
    return redirect(url_name)


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .access import role_required


@role_required("admin")
def admin_home(request: HttpRequest) -> HttpResponse:
    return render(request, "socialrx/manage/home.html")

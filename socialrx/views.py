from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views import defaults
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.request import Request

from .api import error_body
from .http import SignedInRequest
from .registry import role_home


def home(request: HttpRequest) -> HttpResponse:
    """The public front door for visitors; each signed-in role lands on the start page its app
    declared (``role_homes`` on the AppConfig), or the generic home page without one."""
    if not request.user.is_authenticated:
        return render(
            request,
            "socialrx/public_home.html",
            {"service_phone": settings.SERVICE_PHONE, "service_drop_in": settings.SERVICE_DROP_IN},
        )
    return _role_home(cast(SignedInRequest, request))


def _role_home(request: SignedInRequest) -> HttpResponse:
    role = "admin" if request.user.is_admin else request.user.role
    url_name = role_home(role)
    if url_name is None:
        return render(request, "socialrx/home.html")
    return redirect(url_name)


API_PREFIXES = ("/api/",)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIXES)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404: JSON under ``/api/`` (a client reads the body), the site's page elsewhere."""
    if _is_api(request):
        return JsonResponse(error_body(404, "Not found."), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: JSON under ``/api/``, the site's page elsewhere; neither says what went wrong."""
    if _is_api(request):
        return JsonResponse(error_body(500, "Server error."), status=500)
    return defaults.server_error(request)


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


class ApiDocsView(SpectacularSwaggerSplitView):
    """The API's Swagger UI under the site's own Content Security Policy: Swagger UI's files
    come from this site (drf-spectacular-sidecar, ``SWAGGER_UI_DIST = "SIDECAR"``), its
    starting script is a file (the split view) and the page has no inline style."""

    template_name = "socialrx/swagger_ui.html"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        return super().get(request, *args, **kwargs)

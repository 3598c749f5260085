from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.request import Request

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


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


class ApiDocsView(SpectacularSwaggerSplitView):
    """The API's Swagger UI under the Content Security Policy: its starting script is served as
    a file (the split view), the page's inline styles are left out, and only this page may load
    Swagger UI from the CDN that drf-spectacular names (``SWAGGER_UI_DIST``)."""

    template_name = "socialrx/swagger_ui.html"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        origin = _origin(spectacular_settings.SWAGGER_UI_DIST)
        if origin:
            extra = {"script-src": [origin], "style-src": [origin], "img-src": [origin]}
            # The same addition to whichever policy is in force (enforced or report-only).
            response._csp_update = extra  # type: ignore[attr-defined]
            response._csp_update_ro = extra  # type: ignore[attr-defined]
        return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in {"http", "https"} else ""

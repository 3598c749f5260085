"""The REST API's URL map: each app adds its own ``api_urls``."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("", include("referrals.api_urls")),
    path("", include("assets.api_urls")),
    path("", include("outcomes.api_urls")),
    path("", include("funding.api_urls")),
]

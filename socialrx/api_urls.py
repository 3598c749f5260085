"""The REST API's URL map: each app adds its own ``api_urls``."""

from __future__ import annotations

from django.urls import include, path

from . import integration_api

urlpatterns = [
    path("webhooks/", integration_api.WebhookListApi.as_view(), name="api_webhook_list"),
    path(
        "webhooks/<int:pk>/", integration_api.WebhookDetailApi.as_view(), name="api_webhook_detail"
    ),
    path(
        "webhooks/<int:pk>/deliveries/",
        integration_api.WebhookDeliveryListApi.as_view(),
        name="api_webhook_deliveries",
    ),
    path("", include("referrals.api_urls")),
    path("", include("assets.api_urls")),
    path("", include("outcomes.api_urls")),
    path("", include("funding.api_urls")),
]

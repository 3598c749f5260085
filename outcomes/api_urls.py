from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [
    path("metrics/", api.MetricListApi.as_view(), name="metric-list"),
    path("metrics/<slug:metric>/", api.MetricDetailApi.as_view(), name="metric-detail"),
]

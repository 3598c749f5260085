from __future__ import annotations

from django.urls import path

from . import download_views, trend_views, views

app_name = "outcomes"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("compute/", views.overview_compute, name="overview_compute"),
    path("metrics/<slug:metric>/", views.metric_detail, name="metric"),
    path("metrics/<slug:metric>/csv/", views.metric_csv, name="metric_csv"),
    path("metrics/<slug:metric>/trend/", trend_views.metric_trend, name="metric_trend"),
    path("metrics/<slug:metric>/compare/", trend_views.metric_compare, name="metric_compare"),
    path("board-pack.xlsx", download_views.board_pack, name="board_pack"),
    path("report/", download_views.report, name="report"),
    path("metrics/<slug:metric>/recompute/", views.metric_recompute, name="metric_recompute"),
    path("metrics/<slug:metric>/compute/", views.metric_compute, name="metric_compute"),
    path("runs/<int:pk>/", views.run_status, name="run_status"),
    path("runs/<int:pk>/compute/", views.compute_status, name="compute_status"),
]

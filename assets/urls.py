from __future__ import annotations

from django.urls import path

from . import views

app_name = "assets"

urlpatterns = [
    path("", views.directory, name="public_directory"),
    # The signed-in directory is the same page (with more shown to staff); the nav uses this name.
    path("", views.directory, name="directory"),
    path("print/", views.print_directory, name="print"),
    path("suggest/", views.suggest, name="suggest"),
    path("suggest/thanks/", views.suggest_done, name="suggest_done"),
    path("listings/<int:pk>/", views.asset_detail, name="detail"),
    path("<int:pk>/leaflet/", views.leaflet, name="leaflet"),
    path("confirm/<str:token>/", views.confirm_link, name="confirm_link"),
    path("mine/", views.my_listings, name="my_listings"),
    path("listings/<int:pk>/edit/", views.listing_edit, name="edit"),
    path("listings/<int:pk>/confirm/", views.listing_confirm, name="confirm"),
    path("listings/<int:pk>/capacity/", views.listing_capacity, name="capacity"),
    path("listings/<int:pk>/history/", views.listing_history, name="history"),
    path("listings/<int:pk>/report/", views.listing_report, name="report"),
    path("moderation/", views.moderation, name="moderation"),
    path(
        "moderation/<int:pk>/<str:decision>/",
        views.moderation_decide,
        name="moderation_decide",
    ),
    path("moderation/changes/<int:pk>/reviewed/", views.change_reviewed, name="change_reviewed"),
    path(
        "moderation/reports/<int:pk>/dealt-with/",
        views.report_dealt_with,
        name="report_dealt_with",
    ),
    path("gaps/", views.gaps, name="gaps"),
    path("gaps/new/", views.gap_new, name="gap_new"),
    path("gaps/<int:pk>/status/", views.gap_status, name="gap_status"),
    path("gaps/summary/", views.gaps_summary, name="gaps_summary"),
]

from __future__ import annotations

from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("", views.home, name="home"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/export/", views.export_page, name="export"),
    path("people/<int:pk>/export.json", views.export_json, name="export_json"),
    path("people/<int:pk>/erase/", views.erase, name="erase"),
    path("people/<int:pk>/merge/", views.merge, name="merge"),
    path("merges/<int:pk>/", views.merge_detail, name="merge_detail"),
    path("merges/<int:pk>/undo/", views.merge_undo_view, name="merge_undo"),
    path("merges/<int:pk>/confirm/", views.merge_confirm_view, name="merge_confirm"),
    path("retention/", views.retention, name="retention"),
]

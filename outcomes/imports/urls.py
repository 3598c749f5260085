"""Administrators' import pages, mounted at ``manage/imports/`` (namespace
``outcomes_imports``)."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "outcomes_imports"

urlpatterns = [
    path("", views.imports, name="imports"),
    path("<int:pk>/", views.run, name="run"),
    path("openreferral/", views.openreferral, name="openreferral"),
    path("formats/", views.formats, name="formats"),
    path("formats/<slug:kind>.csv", views.template_csv, name="template_csv"),
]

"""Administrators' pages: users, teams, practices (built by the foundation issue)."""

from __future__ import annotations

from django.urls import path

from . import manage_views

app_name = "socialrx"

urlpatterns = [
    path("", manage_views.admin_home, name="admin_home"),
]

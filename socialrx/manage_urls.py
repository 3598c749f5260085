"""Administrators' pages: users, teams, practices and PCNs."""

from __future__ import annotations

from django.urls import path

from . import integration_views
from . import manage_views as views

app_name = "socialrx"

urlpatterns = [
    path("", views.admin_home, name="admin_home"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("users/<int:pk>/password-reset/", views.user_password_reset, name="user_password_reset"),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user_unlock"),
    path("users/<int:pk>/two-factor-reset/", views.user_mfa_reset, name="user_mfa_reset"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<int:pk>/", views.team_edit, name="team_edit"),
    path("practices/", views.practice_list, name="practice_list"),
    path("practices/new/", views.practice_create, name="practice_create"),
    path("practices/<int:pk>/", views.practice_edit, name="practice_edit"),
    path("pcns/", views.pcn_list, name="pcn_list"),
    path("pcns/new/", views.pcn_create, name="pcn_create"),
    path("pcns/<int:pk>/", views.pcn_edit, name="pcn_edit"),
    # API clients and webhooks (socialrx/integration_views.py)
    path("api-clients/", integration_views.api_client_list, name="api_client_list"),
    path("api-clients/new/", integration_views.api_client_create_view, name="api_client_create"),
    path("api-clients/<int:pk>/", integration_views.api_client_detail, name="api_client_detail"),
    path(
        "api-clients/<int:pk>/revoke/",
        integration_views.api_client_revoke_view,
        name="api_client_revoke",
    ),
    path(
        "api-clients/<int:pk>/tokens/",
        integration_views.api_token_issue_view,
        name="api_token_issue",
    ),
    path(
        "api-tokens/<int:pk>/revoke/",
        integration_views.api_token_revoke_view,
        name="api_token_revoke",
    ),
    path(
        "webhook-deliveries/",
        integration_views.webhook_delivery_list,
        name="webhook_delivery_list",
    ),
]

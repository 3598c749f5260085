from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as django_auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from . import auth_forms, auth_views, health, views
from .audit_views import ViewAudit, declare

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path(
        "accounts/login/",
        django_auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=auth_forms.LoginForm
        ),
        name="login",
    ),
    path("accounts/logout/", django_auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password-reset/",
        auth_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        django_auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        django_auth_views.PasswordResetConfirmView.as_view(form_class=auth_forms.SetPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        django_auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "accounts/password-change/",
        django_auth_views.PasswordChangeView.as_view(form_class=auth_forms.PasswordChangeForm),
        name="password_change",
    ),
    path(
        "accounts/password-change/done/",
        django_auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/two-factor/", auth_views.mfa_verify, name="mfa_verify"),
    path("accounts/two-factor/setup/", auth_views.mfa_setup, name="mfa_setup"),
    path("manage/", include("socialrx.manage_urls")),
    path("manage/imports/", include("outcomes.imports.urls")),
    path("manage/privacy/", include("privacy.urls")),
    path("", include("referrals.urls")),
    path("directory/", include("assets.urls")),
    path("volunteers/", include("champions.urls")),
    path("outcomes/", include("outcomes.urls")),
    path("funding/", include("funding.urls")),
    path("api/v1/", include("socialrx.api_urls")),
    path("api/oruk/v3/", include("assets.oruk_urls")),
    path("fhir/", include("referrals.fhir.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", views.ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    path("django-admin/", admin.site.urls),
]

# An audit entry's page shows the values before and after a change to a person's record:
# reading it is audited too (the admin's pages of audited models need no declaration).
declare(
    namespace="admin",
    audited={
        "socialrx_auditlog_change": ViewAudit(
            "socialrx.AuditLog",
            id_kwarg="object_id",
            person="person_id",
            detail="before and after values",
        )
    },
)

# JSON errors under /api/, the site's pages elsewhere.
handler404 = "socialrx.views.page_not_found"
handler500 = "socialrx.views.server_error"

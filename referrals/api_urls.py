from __future__ import annotations

from django.urls import path

from socialrx.audit_views import ViewAudit, declare

from . import api

urlpatterns: list = [
    path("referrals/", api.ReferralCreateApi.as_view(), name="api_referral_create"),
    path("referrals/<int:pk>/", api.ReferralDetailApi.as_view(), name="api_referral_detail"),
]

declare(
    namespace="",
    audited={"api_referral_detail": ViewAudit("referrals.Referral", detail="api status")},
    not_audited={"api_referral_create": "makes a referral (audited as a change); shows none"},
)

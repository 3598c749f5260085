from __future__ import annotations

from django.urls import path

from socialrx.audit_views import LIST, ViewAudit, declare

from . import api

urlpatterns: list = [
    path("referrals/", api.ReferralCreateApi.as_view(), name="api_referral_create"),
    path("referrals/<int:pk>/", api.ReferralDetailApi.as_view(), name="api_referral_detail"),
]

declare(
    namespace="",
    audited={
        "api_referral_detail": ViewAudit("referrals.Referral", detail="api status"),
        # GET lists the practice's referrals (statuses and feedback); POST makes a referral,
        # audited as a change.
        "api_referral_create": ViewAudit(
            "referrals.Referral",
            kind=LIST,
            detail="api list",
            only=lambda request: request.method == "GET",
        ),
    },
)

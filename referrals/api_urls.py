from __future__ import annotations

from django.urls import path

from . import api

urlpatterns: list = [
    path("referrals/", api.ReferralCreateApi.as_view(), name="api_referral_create"),
    path("referrals/<int:pk>/", api.ReferralDetailApi.as_view(), name="api_referral_detail"),
]

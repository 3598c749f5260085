from __future__ import annotations

from django.urls import path

from .views import intake

urlpatterns: list = [
    path("practice/refer/", intake.practice_referral_create, name="practice_referral_create"),
    path("practice/referrals/", intake.practice_referrals, name="practice_referrals"),
    path(
        "practice/referrals/<int:pk>/",
        intake.practice_referral_detail,
        name="practice_referral_detail",
    ),
    path("intake/<int:pk>/received/", intake.referral_confirmation, name="referral_confirmation"),
    path("ask/", intake.self_referral, name="self_referral"),
    path("ask/thank-you/", intake.self_referral_done, name="self_referral_done"),
    path("enquiry-passed-on/", intake.enquiry_received, name="enquiry_received"),
    path("community/refer/", intake.community_referral_create, name="community_referral_create"),
    path("referrals/record/", intake.other_referral_create, name="other_referral_create"),
    path("enquiries/", intake.closed_route_enquiries, name="closed_route_enquiries"),
    path(
        "enquiries/<int:pk>/handled/",
        intake.closed_route_enquiry_handled,
        name="closed_route_enquiry_handled",
    ),
]

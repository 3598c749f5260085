"""The referrals app's pages: intake on every route, the practice's own referrals, the
administrators' closed-route enquiries, and the link worker's casework. Ids only in paths: no
personal data ever appears in a URL."""

from __future__ import annotations

from django.urls import URLPattern, path

from .views import casework, feedback, intake, possible_matches

app_name = "referrals"

urlpatterns: list[URLPattern] = [
    # Intake
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
    # Casework
    path("caseload/", casework.caseload, name="caseload"),
    path("people/<int:pk>/", casework.person_detail, name="person"),
    path("people/<int:pk>/edit/", casework.person_edit, name="person_edit"),
    path("people/<int:pk>/link-worker/", casework.person_link_worker, name="person_link_worker"),
    path(
        "people/<int:pk>/conversations/new/",
        casework.conversation_create,
        name="conversation_create",
    ),
    path("people/<int:pk>/goals/new/", casework.goal_create, name="goal_create"),
    path("people/<int:pk>/connections/new/", casework.connection_create, name="connection_create"),
    path("people/<int:pk>/notes/new/", casework.note_create, name="note_create"),
    path(
        "case/referrals/<int:pk>/status/",
        casework.referral_status_change,
        name="referral_status_change",
    ),
    path(
        "case/referrals/<int:pk>/possible-match/",
        possible_matches.possible_match,
        name="possible_match",
    ),
    path("case/referrals/<int:pk>/close/", casework.referral_close, name="referral_close"),
    path("case/referrals/<int:pk>/feedback/", feedback.feedback_create, name="feedback_create"),
    path("case/feedback/<int:pk>/", feedback.feedback_letter, name="feedback_letter"),
    path("case/goals/<int:pk>/status/", casework.goal_status, name="goal_status"),
    path(
        "case/connections/<int:pk>/outcome/",
        casework.connection_outcome,
        name="connection_outcome",
    ),
]

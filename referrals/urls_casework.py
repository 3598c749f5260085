"""The link worker's casework pages (views in ``views/casework.py``). Ids only in paths: no
personal data ever appears in a URL."""

from __future__ import annotations

from django.urls import path

from .views import casework as views

urlpatterns: list = [
    path("caseload/", views.caseload, name="caseload"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/link-worker/", views.person_link_worker, name="person_link_worker"),
    path(
        "people/<int:pk>/conversations/new/",
        views.conversation_create,
        name="conversation_create",
    ),
    path("people/<int:pk>/goals/new/", views.goal_create, name="goal_create"),
    path("people/<int:pk>/connections/new/", views.connection_create, name="connection_create"),
    path("people/<int:pk>/notes/new/", views.note_create, name="note_create"),
    path(
        "case/referrals/<int:pk>/status/",
        views.referral_status_change,
        name="referral_status_change",
    ),
    path("case/referrals/<int:pk>/close/", views.referral_close, name="referral_close"),
    path("case/referrals/<int:pk>/feedback/", views.feedback_create, name="feedback_create"),
    path("case/feedback/<int:pk>/", views.feedback_letter, name="feedback_letter"),
    path("case/goals/<int:pk>/status/", views.goal_status, name="goal_status"),
    path(
        "case/connections/<int:pk>/outcome/",
        views.connection_outcome,
        name="connection_outcome",
    ),
]

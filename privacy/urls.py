from __future__ import annotations

from django.urls import path

from socialrx.audit_views import ViewAudit, declare

from . import views

app_name = "privacy"

urlpatterns = [
    path("", views.home, name="home"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/export/", views.export_page, name="export"),
    path("people/<int:pk>/export.json", views.export_json, name="export_json"),
    path("people/<int:pk>/erase/", views.erase, name="erase"),
    path("people/<int:pk>/merge/", views.merge, name="merge"),
    path("merges/<int:pk>/", views.merge_detail, name="merge_detail"),
    path("merges/<int:pk>/undo/", views.merge_undo_view, name="merge_undo"),
    path("merges/<int:pk>/confirm/", views.merge_confirm_view, name="merge_confirm"),
    path("retention/", views.retention, name="retention"),
]

PERSON = "referrals.Person"
MERGE = "privacy.MergeRecord"

declare(
    namespace=app_name,
    audited={
        "person": ViewAudit(PERSON, detail="subject rights page"),
        "erase": ViewAudit(PERSON, detail="erasure form"),
        "merge": ViewAudit(PERSON, detail="merge form"),
        "merge_detail": ViewAudit(MERGE, detail="merge", person="kept_id"),
        "merge_undo": ViewAudit(MERGE, detail="merge undo form", person="kept_id"),
        "merge_confirm": ViewAudit(MERGE, detail="merge confirm form", person="kept_id"),
    },
    not_audited={
        "home": "lists recent erasures and merges by reference and id only",
        "export": "audited by its service: an export entry",
        "export_json": "audited by its service: an export entry",
        "retention": "lists ids and dates only",
    },
)

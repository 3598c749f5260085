"""Django admin for the referrals models: for administrators fixing data, not for casework
(casework changes go through the services, which write the audit log)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    CaseNote,
    ClosedRouteEnquiry,
    Connection,
    ConnectionOutcomeChange,
    Consent,
    Conversation,
    Feedback,
    FriendsObservation,
    Goal,
    Ons4Response,
    Person,
    Referral,
    ReferralStatusChange,
    SwemwbsResponse,
)


class ReferralStatusChangeInline(admin.TabularInline):
    model = ReferralStatusChange
    extra = 0
    readonly_fields = ["from_status", "to_status", "by", "at", "note"]
    can_delete = False


class ConnectionOutcomeChangeInline(admin.TabularInline):
    model = ConnectionOutcomeChange
    extra = 0
    readonly_fields = ["outcome", "by", "at"]
    can_delete = False


class ConsentInline(admin.TabularInline):
    """Consent is evidence: shown, never added, changed or deleted here (the link worker
    records a change of mind on the person's page, as a new row)."""

    model = Consent
    extra = 0
    fields = ("purpose", "given", "source", "recorded_by", "recorded_at", "referral")
    readonly_fields = ("purpose", "given", "source", "recorded_by", "recorded_at", "referral")
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    # Ids and dates in the list; names only on the change page, and search by NHS number or
    # reference (an admin search goes through a GET, so it should not carry names).
    list_display = ["id", "person_ref", "team", "link_worker", "last_activity_at"]
    list_filter = ["team"]
    search_fields = ["=nhs_number", "=person_ref"]
    raw_id_fields = ["practice", "link_worker"]
    readonly_fields = ["patient_key", "created_at", "last_activity_at"]
    inlines = [ConsentInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting here would cascade the person's case without an audit entry and leave their
        # name in the admin's history. Records are erased on the subject rights page, which
        # records the erasure and clears both.
        return False


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["id", "referral_ref", "source", "status", "received_on", "team"]
    list_filter = ["status", "source", "team"]
    # The referring practice's own identifier (FHIR ServiceRequest.identifier) finds a referral
    # they ask about.
    search_fields = ["=id", "=referral_ref", "=sender_identifier_value"]
    readonly_fields = ["sender_identifier_system", "sender_identifier_value"]
    raw_id_fields = [
        "person",
        "referring_practice",
        "referred_by",
        "referring_asset",
        "link_worker",
    ]
    date_hierarchy = "received_on"
    inlines = [ReferralStatusChangeInline]


@admin.register(ClosedRouteEnquiry)
class ClosedRouteEnquiryAdmin(admin.ModelAdmin):
    list_display = ["id", "route", "received_at", "handled"]
    list_filter = ["route", "handled"]
    raw_id_fields = ["submitted_by", "handled_by"]


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "person_id", "referral_id", "held_on", "held_by"]
    date_hierarchy = "held_on"
    raw_id_fields = ["person", "referral", "held_by"]


@admin.register(FriendsObservation)
class FriendsObservationAdmin(admin.ModelAdmin):
    list_display = ["id", "person_id", "observed_on", "friends_count"]
    raw_id_fields = ["person", "conversation"]


@admin.register(SwemwbsResponse)
class SwemwbsResponseAdmin(admin.ModelAdmin):
    list_display = ["id", "person_id", "completed_on", "raw_score", "metric_score"]
    raw_id_fields = ["person", "conversation"]


@admin.register(Ons4Response)
class Ons4ResponseAdmin(admin.ModelAdmin):
    list_display = ["id", "person_id", "completed_on"]
    raw_id_fields = ["person", "conversation"]


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["id", "person_id", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["person", "referral", "created_by"]


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ["id", "person_id", "asset", "kind", "made_on", "outcome"]
    list_filter = ["kind", "outcome"]
    raw_id_fields = ["person", "referral", "asset", "made_by"]
    inlines = [ConnectionOutcomeChangeInline]


@admin.register(CaseNote)
class CaseNoteAdmin(admin.ModelAdmin):
    list_display = ["id", "person_id", "by", "at"]
    raw_id_fields = ["person", "referral", "by"]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["id", "referral_id", "snomed_code", "sent_by", "sent_at"]
    list_filter = ["snomed_code"]
    raw_id_fields = ["referral", "sent_by"]

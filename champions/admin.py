from __future__ import annotations

from django.contrib import admin

from .models import Champion, Event, HoursLog, TrainingRecord, VolunteerInvitation


class TrainingInline(admin.TabularInline):
    model = TrainingRecord
    extra = 0
    fields = ("course", "completed_on", "hours", "qualification", "recorded_by")
    raw_id_fields = ("recorded_by",)


@admin.register(Champion)
class ChampionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "role", "active", "home_practice", "home_organisation", "started_on")
    list_filter = ("role", "active")
    search_fields = ("given_name", "family_name", "home_organisation", "champion_ref")
    list_select_related = ("home_practice",)
    raw_id_fields = ("user", "person", "home_practice")
    inlines = [TrainingInline]


@admin.register(HoursLog)
class HoursLogAdmin(admin.ModelAdmin):
    list_display = ("champion", "on", "hours", "activity", "asset")
    list_select_related = ("champion", "asset")
    raw_id_fields = ("champion", "asset")
    date_hierarchy = "on"


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "champion", "on", "hours")
    list_filter = ("kind",)
    list_select_related = ("champion",)
    raw_id_fields = ("champion", "asset")
    date_hierarchy = "on"


@admin.register(VolunteerInvitation)
class VolunteerInvitationAdmin(admin.ModelAdmin):
    list_display = ("id", "role", "state", "created_at", "consent_recorded_at")
    list_filter = ("state", "role")
    # The consent record is evidence: shown, never edited here.
    readonly_fields = (
        "person",
        "invited_by",
        "role",
        "token",
        "state",
        "created_at",
        "consent_wording",
        "consent_recorded_by",
        "consent_recorded_at",
        "champion",
    )

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

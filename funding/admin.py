from __future__ import annotations

from django.contrib import admin

from .models import Award, CapacitySnapshot, CommissionerFunder, LinkWorkerPost, PlacesOffered


@admin.register(CommissionerFunder)
class CommissionerFunderAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation"]
    autocomplete_fields = []
    raw_id_fields = ["user"]


@admin.register(Award)
class AwardAdmin(admin.ModelAdmin):
    list_display = ["award_ref", "funder", "recipient", "route", "amount", "starts_on", "ends_on"]
    list_filter = ["route", "funder_type", "competitive"]
    raw_id_fields = ["listings", "recorded_by"]


@admin.register(LinkWorkerPost)
class LinkWorkerPostAdmin(admin.ModelAdmin):
    list_display = ["title", "host", "funder", "fte", "population_covered", "starts_on", "ends_on"]


@admin.register(PlacesOffered)
class PlacesOfferedAdmin(admin.ModelAdmin):
    list_display = ["asset", "from_month", "places"]
    raw_id_fields = ["asset", "recorded_by"]


@admin.register(CapacitySnapshot)
class CapacitySnapshotAdmin(admin.ModelAdmin):
    list_display = ["asset", "month", "places_offered", "received", "accepted", "waiting"]
    raw_id_fields = ["asset"]

from __future__ import annotations

from django.contrib import admin

from .models import Asset, AssetChange, Gap, Organisation, OrukSource, Session


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "led_by", "capacity", "listing_status", "last_confirmed_at"]
    list_filter = [
        "listing_status",
        "capacity",
        "category",
        "led_by",
        "feed",
        ("feed_left_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["name", "postcode", "asset_ref", "feed_ref"]
    readonly_fields = [
        "oruk_id",
        "oruk_sal_id",
        "feed",
        "feed_ref",
        "feed_place_ref",
        "feed_modified_at",
        "feed_seen_at",
    ]
    filter_horizontal = ["maintainers"]
    raw_id_fields = ["started_by_user", "proposed_by", "last_confirmed_by"]
    inlines = [SessionInline]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    search_fields = ["name"]


@admin.register(Gap)
class GapAdmin(admin.ModelAdmin):
    list_display = ["what", "area", "people_count", "status", "logged_at"]
    list_filter = ["status", "category"]


@admin.register(AssetChange)
class AssetChangeAdmin(admin.ModelAdmin):
    list_display = ["asset", "action", "by", "at", "needs_review", "reviewed_at"]
    list_filter = ["action", "needs_review"]
    raw_id_fields = ["asset", "by", "reviewed_by"]


@admin.register(OrukSource)
class OrukSourceAdmin(admin.ModelAdmin):
    """Open Referral UK feeds listings were imported from (docs/api.md)."""

    list_display = ["name", "url", "last_imported_at"]
    readonly_fields = ["last_imported_at"]

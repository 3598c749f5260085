"""Django admin for the core models: raw records for support staff. Day-to-day administration
uses the NHS.UK pages under /manage/."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from .models import PCN, AuditLog, LsoaImd, Postcode, Practice, Team, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "team", "practice", "is_active")
    list_filter = ("role", "is_active", "team")
    list_select_related = ("team", "practice")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("socialrx", {"fields": ("role", "team", "practice", "staff_type")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("socialrx", {"fields": ("role", "team", "practice", "staff_type")}),
    )


@admin.register(PCN)
class PCNAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):
    list_display = ("name", "ods_code", "pcn", "team", "named_link_worker")
    list_filter = ("pcn", "team")
    list_select_related = ("pcn", "team", "named_link_worker")
    search_fields = ("name", "ods_code")
    raw_id_fields = ("named_link_worker",)


@admin.register(LsoaImd)
class LsoaImdAdmin(admin.ModelAdmin):
    list_display = ("lsoa_code", "imd_decile")
    search_fields = ("lsoa_code",)


@admin.register(Postcode)
class PostcodeAdmin(admin.ModelAdmin):
    list_display = ("postcode", "lsoa_code", "latitude", "longitude")
    search_fields = ("postcode", "lsoa_code")


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: an audit log that can be edited is not an audit log. Administrators only:
    an entry's before/after values (``changes``) are personal data, shown on its page."""

    list_display = ("at", "actor_username", "action", "object_type", "object_id", "person_id")
    list_filter = ("action", "object_type")
    search_fields = ("=object_id", "=person_id", "=actor_username")
    date_hierarchy = "at"
    fields = (
        "at",
        "actor_username",
        "actor_role",
        "action",
        "object_type",
        "object_id",
        "person_id",
        "detail",
        "before_and_after",
    )
    readonly_fields = fields

    @admin.display(description="Before and after")
    def before_and_after(self, obj: AuditLog) -> str:
        if not obj.changes:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            "{}: {} → {}",
            ((name, _shown(pair[0]), _shown(pair[1])) for name, pair in obj.changes.items()),
        )

    def has_module_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return bool(getattr(request.user, "is_admin", False)) and request.user.is_staff

    def has_view_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return self.has_module_permission(request)

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


def _shown(value: object) -> str:
    return "(empty)" if value in (None, "", [], {}) else str(value)

"""Erasure and merge records in the Django admin: to read only. An erasure cannot be undone
or hidden from here, and a merge is undone or confirmed on its own page (which puts the rows
back), never by editing the record."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import ErasureRecord, MergeRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ErasureRecord)
class ErasureRecordAdmin(ReadOnlyAdmin):
    list_display = ["reference", "reason_category", "erased_by_username", "erased_at"]
    list_filter = ["reason_category"]
    search_fields = ["=reference"]


@admin.register(MergeRecord)
class MergeRecordAdmin(ReadOnlyAdmin):
    list_display = ["reference", "kept_id", "duplicate_person_id", "state", "created_at"]
    list_filter = ["state"]
    search_fields = ["=reference"]

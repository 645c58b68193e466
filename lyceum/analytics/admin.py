"""Read-only admin: where the rollup job stands and what a day rolled up to (for support)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import DayStat, Watermark


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Watermark)
class WatermarkAdmin(ReadOnly):
    list_display = ["last_event_id", "updated_at"]


@admin.register(DayStat)
class DayStatAdmin(ReadOnly):
    list_display = ["day", "active_users", "activities", "visits", "signups", "enrollments", "completions"]
    date_hierarchy = "day"
    ordering = ["-day"]

"""Read-only admin: where the rollup job stands, what a day rolled up to, churn models and campaigns (for support)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import ChurnModel, DayStat, RetentionCampaign, Watermark


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


@admin.register(ChurnModel)
class ChurnModelAdmin(ReadOnly):
    list_display = ["pk", "trained_at", "as_of", "auc", "scored"]
    ordering = ["-trained_at"]

    @admin.display(description="held-out ROC-AUC")
    def auc(self, obj: ChurnModel) -> Any:
        return (obj.metrics or {}).get("auc")


@admin.register(RetentionCampaign)
class RetentionCampaignAdmin(ReadOnly):
    list_display = ["name", "created_at", "created_by", "holdout_percent", "status"]
    ordering = ["-created_at"]

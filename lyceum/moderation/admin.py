"""Looking moderation records up. Every decision goes through the services and the staff pages
(``/operator/moderation/``): they change content through its app, write the log and notify, so
the admin is read-only."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    Action,
    Appeal,
    Case,
    CommunityRules,
    Report,
    RulesAcceptance,
    Sanction,
    SpamModel,
    TakedownRequest,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CommunityRules)
class CommunityRulesAdmin(ReadOnlyAdmin):
    list_display = ["version", "summary", "published_at", "published_by"]


@admin.register(RulesAcceptance)
class RulesAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["user", "version", "accepted_at"]
    list_filter = ["version"]
    raw_id_fields = ["user"]


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["pk", "target_kind", "target_id", "source", "status", "held", "report_weight", "opened_at"]
    list_filter = ["status", "source", "target_kind", "held"]
    raw_id_fields = ["author", "resolved_by"]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["pk", "target_kind", "target_id", "reason", "reporter", "weight", "created_at"]
    list_filter = ["reason", "target_kind"]
    raw_id_fields = ["reporter", "case"]


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "moderator", "subject", "target_kind", "target_id"]
    list_filter = ["kind", "target_kind"]
    raw_id_fields = ["moderator", "subject", "case"]


@admin.register(Sanction)
class SanctionAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "starts_at", "ends_at", "lifted_at"]
    list_filter = ["kind"]
    raw_id_fields = ["user", "action", "created_by", "lifted_by"]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["pk", "appellant", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = ["action", "appellant", "decided_by"]


@admin.register(TakedownRequest)
class TakedownRequestAdmin(ReadOnlyAdmin):
    list_display = ["pk", "claimant_name", "organisation", "status", "target_kind", "target_id", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["submitted_by", "decided_by"]


@admin.register(SpamModel)
class SpamModelAdmin(ReadOnlyAdmin):
    list_display = ["pk", "created_at", "examples", "is_active"]
    exclude = ["weights"]

"""Operators can look notifications up (support: "I never got the e-mail"); nothing is edited here."""

from django.contrib import admin

from .models import DeliverySettings, Notification, Preference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "actor", "created_at", "read_at", "email_due", "emailed_at"]
    list_filter = ["kind", "email_due"]
    search_fields = ["recipient__email", "dedupe_key"]
    list_select_related = ["recipient", "actor"]
    raw_id_fields = ["recipient", "actor"]
    readonly_fields = ["recipient", "kind", "actor", "data", "url", "dedupe_key", "created_at", "read_at",
                       "email_due", "emailed_at"]  # fmt: skip


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "channel"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(DeliverySettings)
class DeliverySettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "daily_digest", "last_digest_at"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]

from django.contrib import admin

from .models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["name", "occurred_at", "actor", "object_type", "object_id"]
    list_filter = ["name"]
    list_select_related = ["actor"]
    search_fields = ["name", "object_id", "actor__email"]
    date_hierarchy = "occurred_at"
    readonly_fields = ["name", "occurred_at", "actor", "object_type", "object_id", "props"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

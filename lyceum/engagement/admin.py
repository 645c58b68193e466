from django.contrib import admin

from .models import BadgeAward, PointBalance, PointEntry, Redemption, Reward


@admin.register(PointEntry)
class PointEntryAdmin(admin.ModelAdmin):
    list_display = ["user", "points", "action", "reason", "source_key", "day", "created_at"]
    list_filter = ["action"]
    search_fields = ["user__email", "source_key"]
    raw_id_fields = ["user", "reverses"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # append-only

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(PointBalance)
class PointBalanceAdmin(admin.ModelAdmin):
    list_display = ["user", "balance", "lifetime", "top_level", "updated_at"]
    search_fields = ["user__email"]
    readonly_fields = ["user", "balance", "lifetime", "top_level"]


@admin.register(BadgeAward)
class BadgeAwardAdmin(admin.ModelAdmin):
    list_display = ["user", "badge", "period", "awarded_at"]
    list_filter = ["badge"]
    raw_id_fields = ["user"]


@admin.register(Reward)
class RewardAdmin(admin.ModelAdmin):
    list_display = ["title_en", "points_cost", "percent_off", "amount_off", "stock", "is_active"]


@admin.register(Redemption)
class RedemptionAdmin(admin.ModelAdmin):
    list_display = ["user", "reward", "points", "coupon", "created_at"]
    raw_id_fields = ["user", "coupon"]

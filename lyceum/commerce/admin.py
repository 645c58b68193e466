"""Operators' view of commerce. Money moves only through services (checkout, webhooks,
refunds), so amounts, statuses and provider references are read-only here."""

from django.contrib import admin

from .models import Coupon, Order, OrderLine, Payment, Product, WebhookEvent
from .services.products import product_delete, product_save


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "slug", "list_price", "sale_price", "sale_ends_at", "currency", "is_active"]
    list_filter = ["kind", "is_active", "currency"]
    search_fields = ["title", "slug"]
    filter_horizontal = ["courses"]
    prepopulated_fields = {"slug": ["title"]}

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        product_save(actor=request.user, product=obj)

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        product_delete(actor=request.user, product=obj)

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        for product in queryset:
            self.delete_model(request, product)


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "percent_off", "amount_off", "scope", "redemption_count", "max_redemptions",
                    "ends_at", "is_active"]  # fmt: skip
    list_filter = ["kind", "scope", "is_active"]
    search_fields = ["code"]
    filter_horizontal = ["products", "categories"]
    readonly_fields = ["redemption_count", "created_by"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = ["course", "description", "amount"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = ["provider", "reference", "status", "amount", "currency", "succeeded_at", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "user", "product", "status", "total", "currency", "created_at", "paid_at"]
    list_filter = ["status", "currency"]
    list_select_related = ["user", "product"]
    search_fields = ["number", "user__email"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, PaymentInline]
    readonly_fields = ["number", "user", "product", "status", "currency", "subtotal", "discount", "total",
                       "refunded_amount", "coupon", "expires_at", "paid_at", "idempotency_key"]  # fmt: skip

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["reference", "provider", "order", "status", "amount", "currency", "created_at"]
    list_filter = ["provider", "status"]
    list_select_related = ["order"]
    search_fields = ["reference", "order__number"]
    readonly_fields = ["order", "provider", "reference", "status", "amount", "currency", "checkout_url",
                       "idempotency_key", "succeeded_at"]  # fmt: skip

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["provider", "event_id", "type", "signature_valid", "received_at", "processed_at"]
    list_filter = ["provider", "signature_valid", "type"]
    search_fields = ["event_id"]
    readonly_fields = ["provider", "event_id", "type", "payload", "signature_valid", "received_at", "processed_at",
                       "error"]  # fmt: skip

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


# --- revenue admin below ---

from .models import LedgerEntry, Membership, Refund, RevenueShare  # noqa: E402


@admin.register(RevenueShare)
class RevenueShareAdmin(admin.ModelAdmin):
    """Instructors' shares per course in basis points (7000 = 70 %); without rows the default
    (LYCEUM_DEFAULT_REVENUE_SHARE_BP) is split equally among the course's instructors."""

    list_display = ["course", "instructor", "share_bp"]
    list_select_related = ["course", "instructor"]
    search_fields = ["course__title", "instructor__email"]
    autocomplete_fields = ["course", "instructor"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "plan", "status", "started_at", "current_period_end", "cancel_at_period_end"]
    list_filter = ["status", "plan"]
    list_select_related = ["user", "plan"]
    search_fields = ["user__email", "plan__title"]
    readonly_fields = ["user", "plan", "status", "started_at", "current_period_end", "cancel_at_period_end",
                       "last_order"]  # fmt: skip

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    """Refunds are issued from the operator order page (/operator/orders/), never edited here."""

    list_display = ["order", "amount", "actor", "provider_reference", "created_at"]
    list_select_related = ["order", "actor"]
    search_fields = ["order__number", "provider_reference"]
    readonly_fields = ["order", "payment", "amount", "reason", "actor", "provider_reference", "created_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    list_display = ["order", "kind", "course", "instructor", "currency", "gross", "instructor_amount",
                    "platform_amount", "created_at"]  # fmt: skip
    list_filter = ["kind", "currency"]
    list_select_related = ["order", "course", "instructor"]
    search_fields = ["order__number", "instructor__email"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

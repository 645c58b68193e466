"""Knowledge payment: what is for sale, orders, payments, coupons, memberships, refunds and
the instructor revenue ledger. Money is always integer minor units plus an ISO currency."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lyceum.core.models import TimeStampedModel

DEFAULT_CURRENCY = "CNY"


class ProductKind(models.TextChoices):
    COURSE = "course", _("Single course")
    BUNDLE = "bundle", _("Course bundle")
    MEMBERSHIP = "membership", _("Membership plan")


class BillingPeriod(models.TextChoices):
    NONE = "", _("One-off")
    MONTH = "month", _("Monthly")
    YEAR = "year", _("Yearly")


class Product(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=16, choices=ProductKind.choices)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown is supported."))
    # A course product has exactly one course; a bundle several; a membership the courses it includes.
    courses = models.ManyToManyField("courses.Course", blank=True, related_name="products", verbose_name=_("courses"))
    billing_period = models.CharField(
        _("billing period"), max_length=8, choices=BillingPeriod.choices, default=BillingPeriod.NONE, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    list_price = models.PositiveIntegerField(_("list price (minor units)"))
    sale_price = models.PositiveIntegerField(_("sale price (minor units)"), null=True, blank=True)
    sale_ends_at = models.DateTimeField(_("sale ends"), null=True, blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        ordering = ["kind", "list_price", "id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(
                condition=Q(sale_price__isnull=True) | Q(sale_price__lte=F("list_price")),
                name="commerce_product_sale_not_above_list",
            ),
            models.CheckConstraint(
                condition=~Q(kind="membership") | ~Q(billing_period=""),
                name="commerce_membership_has_period",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def price_at(self, when: datetime | None = None) -> int:
        """The price a buyer pays now: the sale price while the sale runs, else the list price."""
        when = when or timezone.now()
        if self.sale_price is not None and (self.sale_ends_at is None or self.sale_ends_at > when):
            return self.sale_price
        return self.list_price

    def on_sale(self, when: datetime | None = None) -> bool:
        return self.price_at(when) < self.list_price


class CouponKind(models.TextChoices):
    PERCENT = "percent", _("Percentage off")
    FIXED = "fixed", _("Fixed amount off")


class CouponScope(models.TextChoices):
    ALL = "all", _("Everything")
    PRODUCTS = "products", _("Selected products")
    CATEGORIES = "categories", _("Courses in selected categories")


class Coupon(TimeStampedModel):
    code = models.CharField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=CouponKind.choices)
    percent_off = models.PositiveSmallIntegerField(
        _("percent off"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    amount_off = models.PositiveIntegerField(_("amount off (minor units)"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    scope = models.CharField(_("applies to"), max_length=12, choices=CouponScope.choices, default=CouponScope.ALL)
    products = models.ManyToManyField(Product, blank=True, related_name="coupons")
    categories = models.ManyToManyField("courses.Category", blank=True, related_name="coupons")
    starts_at = models.DateTimeField(_("valid from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("valid until"), null=True, blank=True)
    max_redemptions = models.PositiveIntegerField(_("redemptions allowed in total"), null=True, blank=True)
    max_per_user = models.PositiveSmallIntegerField(_("redemptions allowed per learner"), default=1)
    first_purchase_only = models.BooleanField(_("first purchase only"), default=False)
    redemption_count = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A personal coupon (retention offers, point rewards) can be used by this account only.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="personal_coupons",
        verbose_name=_("only for"),
    )
    source = models.CharField(_("source"), max_length=40, blank=True)  # e.g. "campaign:12"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="percent", percent_off__isnull=False, amount_off__isnull=True))
                | (Q(kind="fixed", amount_off__isnull=False, percent_off__isnull=True)),
                name="commerce_coupon_kind_matches_amount",
            ),
            models.CheckConstraint(
                condition=Q(max_redemptions__isnull=True) | Q(redemption_count__lte=F("max_redemptions")),
                name="commerce_coupon_not_over_redeemed",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for payment")
    PAID = "paid", _("Paid")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    REFUNDED = "refunded", _("Refunded")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


class Order(TimeStampedModel):
    """One checkout of one product (cart-less). Totals are computed on the server only."""

    number = models.CharField(_("order number"), max_length=32, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    currency = models.CharField(max_length=3, default=DEFAULT_CURRENCY)
    subtotal = models.PositiveIntegerField()
    discount = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField()
    refunded_amount = models.PositiveIntegerField(default=0)
    coupon = models.ForeignKey(Coupon, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    expires_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.CheckConstraint(condition=Q(total=F("subtotal") - F("discount")), name="commerce_order_total"),
            models.CheckConstraint(condition=Q(refunded_amount__lte=F("total")), name="commerce_order_refund_le_total"),
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="commerce_order_idempotency",
            ),
        ]
        indexes = [models.Index(fields=["status", "paid_at"], name="commerce_order_status_paid")]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    """What the order bought, one line per course, with its share of the total (revenue ledger)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    course = models.ForeignKey("courses.Course", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=200)
    amount = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description


class PaymentStatus(models.TextChoices):
    CREATED = "created", _("Started")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Payment(TimeStampedModel):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20)
    reference = models.CharField(_("provider reference"), max_length=200)
    status = models.CharField(max_length=12, choices=PaymentStatus.choices, default=PaymentStatus.CREATED)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    checkout_url = models.URLField(max_length=1000, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "reference"], name="commerce_payment_reference"),
            models.UniqueConstraint(
                fields=["order", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="commerce_payment_idempotency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.reference}"


class WebhookEvent(models.Model):
    """Every callback a provider sent, valid or not, kept for audit; processed at most once."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=200)
    type = models.CharField(max_length=100, blank=True)
    payload = models.JSONField(default=dict)
    signature_valid = models.BooleanField(default=False)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], condition=Q(signature_valid=True), name="commerce_webhook_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"


class Refund(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveIntegerField()
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    provider_reference = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="commerce_refund_positive")]

    def __str__(self) -> str:
        return f"refund {self.amount} of {self.order_id}"


class CouponRedemption(models.Model):
    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="redemption")
    amount = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.coupon_id} on {self.order_id}"


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancels at period end")
    EXPIRED = "expired", _("Expired")


class Membership(TimeStampedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    plan = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="memberships")
    status = models.CharField(max_length=12, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE)
    started_at = models.DateTimeField()
    current_period_end = models.DateTimeField()
    cancel_at_period_end = models.BooleanField(default=False)
    last_order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-current_period_end"]
        constraints = [models.UniqueConstraint(fields=["user", "plan"], name="commerce_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.plan_id} until {self.current_period_end:%Y-%m-%d}"


class RevenueShare(models.Model):
    """An instructor's share of a course's net revenue, in basis points (7000 = 70 %)."""

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="revenue_shares")
    instructor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    share_bp = models.PositiveIntegerField(default=7000, validators=[MaxValueValidator(10000)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "instructor"], name="commerce_share_unique"),
            models.CheckConstraint(condition=Q(share_bp__lte=10000), name="commerce_share_max"),
        ]

    def __str__(self) -> str:
        return f"{self.instructor_id}: {self.share_bp / 100}% of {self.course_id}"


class LedgerKind(models.TextChoices):
    SALE = "sale", pgettext_lazy("ledger entry kind", "Sale")
    REFUND = "refund", _("Refund")


class LedgerEntry(models.Model):
    """Append-only: each paid or refunded line split into instructor and platform amounts.

    Refund entries carry negative amounts so sums are net revenue.
    """

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(max_length=8, choices=LedgerKind.choices)
    course = models.ForeignKey("courses.Course", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    currency = models.CharField(max_length=3)
    gross = models.BigIntegerField()
    instructor_amount = models.BigIntegerField()
    platform_amount = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gross=F("instructor_amount") + F("platform_amount")), name="commerce_ledger_balances"
            )
        ]
        indexes = [models.Index(fields=["instructor", "created_at"], name="commerce_ledger_instr_time")]

    def __str__(self) -> str:
        return f"{self.kind} {self.gross} {self.currency}"

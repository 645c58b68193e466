"""The demo shop from ``manage.py seed_demo``: idempotent, with 90 days of paid orders and refunds."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from lyceum.commerce.models import (
    Coupon,
    LedgerEntry,
    LedgerKind,
    Order,
    OrderStatus,
    Product,
    ProductKind,
    Refund,
    RevenueShare,
)
from lyceum.core.models import Event
from lyceum.courses.models import Course, CourseStatus

pytestmark = pytest.mark.django_db

PAID = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED)
USERS = "60"


def _counts() -> dict[str, int]:
    from django.apps import apps

    return {m._meta.label: m.objects.count() for m in apps.get_app_config("commerce").get_models()}


@pytest.fixture
def seeded():
    call_command("seed_demo", "--users", USERS, stdout=io.StringIO())


def test_seeding_twice_changes_nothing(seeded):
    before = _counts()
    paid_at = sorted(Order.objects.values_list("number", "paid_at"))

    call_command("seed_demo", "--users", USERS, stdout=io.StringIO())

    assert _counts() == before
    assert sorted(Order.objects.values_list("number", "paid_at")) == paid_at


def _catalog_is_priced() -> None:
    paid_courses = Course.objects.filter(status=CourseStatus.PUBLISHED, is_free=False)
    assert paid_courses.exists()
    for course in paid_courses:
        product = Product.objects.get(kind=ProductKind.COURSE, courses=course)
        assert 9900 <= product.list_price <= 39900
        assert product.currency == "CNY"
    assert Product.objects.filter(kind=ProductKind.COURSE, sale_price__isnull=False).exists()
    assert Product.objects.filter(kind=ProductKind.BUNDLE).count() == 2
    plans = dict(Product.objects.filter(kind=ProductKind.MEMBERSHIP).values_list("billing_period", "list_price"))
    assert plans == {"month": 5900, "year": 49900}
    assert set(Coupon.objects.values_list("code", flat=True)) >= {"WELCOME20", "SPRING50", "NEWYEAR30"}
    assert RevenueShare.objects.filter(share_bp=7000).exists()


def _orders_spread_over_ninety_days_with_refunds() -> None:
    now = timezone.now()
    paid = Order.objects.filter(status__in=PAID)

    assert paid.count() >= 10
    assert paid.filter(paid_at__lt=now - timedelta(days=45)).exists()
    assert paid.filter(paid_at__gt=now - timedelta(days=20)).exists()
    assert not paid.filter(paid_at__lt=now - timedelta(days=91)).exists()
    assert Refund.objects.exists()
    assert (
        Order.objects.filter(status=OrderStatus.REFUNDED).exists()
        or Order.objects.filter(status=OrderStatus.PARTIALLY_REFUNDED).exists()
    )
    assert not Order.objects.filter(status=OrderStatus.PENDING).exists()
    # the rows the services wrote are backdated with the order
    for order in paid.prefetch_related("ledger"):
        assert order.created_at <= order.paid_at
        assert {e.created_at for e in order.ledger.all() if e.kind == LedgerKind.SALE} == {order.paid_at}
    oldest = Event.objects.filter(name="order.paid").order_by("occurred_at").first()
    assert oldest is not None and oldest.occurred_at < now - timedelta(days=30)


def _ledger_nets_paid_totals_minus_refunds() -> None:
    paid_total = Order.objects.filter(status__in=PAID).aggregate(s=Sum("total"))["s"]
    refunded = Refund.objects.aggregate(s=Sum("amount"))["s"] or 0

    assert LedgerEntry.objects.aggregate(s=Sum("gross"))["s"] == paid_total - refunded
    assert Order.objects.aggregate(s=Sum("refunded_amount"))["s"] == refunded
    for entry in LedgerEntry.objects.filter(kind=LedgerKind.REFUND):
        assert entry.gross < 0


def test_demo_shop_is_priced_has_history_and_balances(seeded):
    _catalog_is_priced()
    _orders_spread_over_ninety_days_with_refunds()
    _ledger_nets_paid_totals_minus_refunds()


def test_access_bought_in_the_demo_starts_when_it_was_paid(seeded):
    from lyceum.learning.models import Enrollment

    bought = Enrollment.objects.filter(source__in=("purchase", "membership")).select_related("user")
    assert bought.exists()
    for enrollment in bought:
        paid = Order.objects.filter(user=enrollment.user, paid_at__isnull=False).order_by("paid_at")
        assert paid.first().paid_at <= enrollment.created_at <= paid.last().paid_at
        first_event = (
            Event.objects.filter(name="enrollment.created", object_id=str(enrollment.pk))
            .order_by("occurred_at")
            .first()
        )
        assert first_event.occurred_at == enrollment.created_at

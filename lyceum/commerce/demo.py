"""Demo shop: prices for the paid courses, two bundles, a membership plan, coupons, and
90 days of paid orders (a few refunded) so revenue charts have history.

Runs after the accounts, courses and learning demos. Orders go through the real services
(``order_create`` → ``order_checkout`` with the sandbox provider → a signed sandbox
callback through ``payment_event_process`` → ``order_refund``); afterwards the rows they
wrote are backdated to the drawn purchase time. Every random value is drawn before
anything is checked, so a rerun consumes the random stream identically and changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.test import override_settings

from lyceum.accounts.models import User
from lyceum.core.errors import ApplicationError
from lyceum.core.models import Event
from lyceum.courses.models import Course, CourseInstructor, CourseStatus
from lyceum.learning.access_cache import enrollments_changed
from lyceum.learning.models import Enrollment

from .models import (
    BillingPeriod,
    Coupon,
    CouponKind,
    CouponRedemption,
    LedgerEntry,
    LedgerKind,
    Membership,
    Order,
    Payment,
    Product,
    ProductKind,
    Refund,
    RevenueShare,
    WebhookEvent,
)

HISTORY_DAYS = 90
COURSE_PRICES = [9900, 12900, 14900, 19900, 24900, 29900, 39900]  # ¥99–¥399 in fen
SALE_CUTS = [2000, 3000, 5000]
MONTHLY_PRICE, YEARLY_PRICE = 5900, 49900
DEMO_KEY = "demo-order-{n}"  # the order's idempotency key: marks what the demo already bought


def _bundle_price(courses: list[Course], prices: dict[int, int]) -> int:
    """About 70 % of the courses bought one by one, ending in 900 fen like the course prices."""
    whole = sum(prices.get(c.pk, 19900) for c in courses) * 7 // 10
    return max(9900, whole // 1000 * 1000 + 900)


def _products(ctx: Any, paid: list[Course]) -> dict[str, Product]:
    rng = ctx.rng
    draws = []
    for _course in paid:
        draws.append((rng.choice(COURSE_PRICES), rng.random() < 0.35, rng.choice(SALE_CUTS), rng.randint(2, 6)))
    bundle_picks = [rng.sample(paid, min(3, len(paid))) for _ in range(2)] if len(paid) >= 2 else []
    plan_courses = rng.sample(paid, max(1, len(paid) * 2 // 3)) if paid else []

    products: dict[str, Product] = {}
    prices: dict[int, int] = {}
    for course, (price, on_sale, cut, sale_days) in zip(paid, draws, strict=True):
        slug = f"course-{course.slug}"[:120]
        prices[course.pk] = price
        product = Product.objects.filter(slug=slug).first()
        if product is None:
            product = Product.objects.create(
                kind=ProductKind.COURSE, slug=slug, title=course.title, description=course.subtitle or "",
                list_price=price, currency=settings.LYCEUM_CURRENCY,
                sale_price=price - cut if on_sale else None,
                sale_ends_at=ctx.now + timedelta(days=sale_days) if on_sale else None,
            )  # fmt: skip
            product.courses.set([course])
        products[slug] = product
    for index, courses in enumerate(bundle_picks, start=1):
        slug = f"bundle-{index}"
        product = Product.objects.filter(slug=slug).first()
        if product is None:
            product = Product.objects.create(
                kind=ProductKind.BUNDLE, slug=slug,
                title=f"Bundle {index}: " + " + ".join(c.title for c in courses)[:140],
                description="Buy the set and save about 30 %.",
                list_price=_bundle_price(courses, prices), currency=settings.LYCEUM_CURRENCY,
            )  # fmt: skip
            product.courses.set(courses)
        products[slug] = product
    for slug, title, period, price in (
        ("membership-monthly", "Lyceum Pro (monthly)", BillingPeriod.MONTH, MONTHLY_PRICE),
        ("membership-yearly", "Lyceum Pro (yearly)", BillingPeriod.YEAR, YEARLY_PRICE),
    ):
        product = Product.objects.filter(slug=slug).first()
        if product is None:
            product = Product.objects.create(
                kind=ProductKind.MEMBERSHIP, slug=slug, title=title, billing_period=period, list_price=price,
                currency=settings.LYCEUM_CURRENCY,
                description="Every course in the Pro library while your membership is active.",
            )  # fmt: skip
            product.courses.set(plan_courses)
        products[slug] = product
    return products


def _coupons(ctx: Any, operator: User | None) -> None:
    specs = [
        # code, kind, percent, amount, first purchase only, starts, ends, max redemptions
        ("WELCOME20", CouponKind.PERCENT, 20, None, True, None, None, None),
        ("SPRING50", CouponKind.FIXED, None, 5000, False, ctx.now - timedelta(days=30),
         ctx.now + timedelta(days=30), 500),
        ("NEWYEAR30", CouponKind.PERCENT, 30, None, False, ctx.now - timedelta(days=120),
         ctx.now - timedelta(days=60), None),
    ]  # fmt: skip
    for code, kind, percent, amount, first_only, starts, ends, limit in specs:
        if Coupon.objects.filter(code=code).exists():
            continue
        Coupon.objects.create(
            code=code, kind=kind, percent_off=percent, amount_off=amount, first_purchase_only=first_only,
            starts_at=starts, ends_at=ends, max_redemptions=limit, currency=settings.LYCEUM_CURRENCY,
            created_by=operator,
        )  # fmt: skip


def _shares(paid: list[Course]) -> None:
    default = settings.LYCEUM_DEFAULT_REVENUE_SHARE_BP
    for link in CourseInstructor.objects.filter(course__in=paid).order_by("id"):
        RevenueShare.objects.get_or_create(
            course_id=link.course_id, instructor_id=link.user_id, defaults={"share_bp": default}
        )


def _plan(ctx: Any, learners: list[User], products: dict[str, Product]) -> list[dict[str, Any]]:
    """Who buys what, when, with which coupon, and which orders are refunded: drawn up front."""
    rng = ctx.rng
    singles = sorted((p for p in products.values() if p.kind == ProductKind.COURSE), key=lambda p: p.slug)
    others = sorted((p for p in products.values() if p.kind != ProductKind.COURSE), key=lambda p: p.slug)
    plans = []
    for user in learners:
        n_orders = rng.choices([0, 1, 2, 3], weights=[0.55, 0.3, 0.11, 0.04])[0]
        picks = []
        for i in range(n_orders):
            use_other = bool(others) and rng.random() < 0.25
            pool = others if use_other or not singles else singles
            product = rng.choice(pool) if pool else None
            days_ago = rng.uniform(0.2, HISTORY_DAYS)
            coupon_roll = rng.random()
            refund_roll = rng.random()
            refund_part = rng.choice([0.3, 0.5])
            refund_after = rng.uniform(0.5, 7)
            if product is None:
                continue
            if product.billing_period == BillingPeriod.MONTH:
                days_ago = min(days_ago, 25.0)  # keep the demo's monthly members live
            coupon = ""
            if i == 0 and coupon_roll < 0.2:
                coupon = "WELCOME20"
            elif coupon_roll > 0.9 and days_ago < 30:
                coupon = "SPRING50"
            refund = "full" if refund_roll < 0.06 else "partial" if refund_roll < 0.12 else ""
            picks.append({"product": product, "days_ago": days_ago, "coupon": coupon,
                          "refund": refund, "refund_part": refund_part, "refund_after": refund_after})  # fmt: skip
        # Oldest first, so a learner's first purchase is their first order.
        picks.sort(key=lambda p: -p["days_ago"])
        for n, pick in enumerate(picks):
            pick.update(user=user, key=DEMO_KEY.format(n=n))
            plans.append(pick)
    return plans


def _backdate_events(obj: Any, names: tuple[str, ...], at: datetime) -> None:
    Event.objects.filter(
        name__in=names, object_type=obj._meta.label_lower, object_id=str(obj.pk), occurred_at__gt=at
    ).update(occurred_at=at)


def _buy(ctx: Any, plan: dict[str, Any], operator: User | None) -> Order | None:
    from lyceum.commerce.providers.sandbox import sandbox_event

    from .services.orders import order_checkout, order_create
    from .services.payments import payment_event_process
    from .services.refunds import order_refund

    user, product = plan["user"], plan["product"]
    paid_at = ctx.now - timedelta(days=plan["days_ago"])
    created_at = paid_at - timedelta(minutes=3 + int(plan["days_ago"] * 7) % 20)
    with transaction.atomic():
        enrolled_before = set(Enrollment.objects.filter(user=user).values_list("pk", flat=True))
        try:
            order = order_create(user=user, product=product, coupon_code=plan["coupon"], idempotency_key=plan["key"])
        except ApplicationError:  # the coupon does not apply (e.g. not a first purchase): buy without it
            order = order_create(user=user, product=product, idempotency_key=plan["key"])
        if order.total > 0:
            payment = order_checkout(actor=user, order=order)
            body, headers = sandbox_event(payment=payment, outcome="pay")
            payment_event_process(provider_name="sandbox", body=body, headers=headers)
        order.refresh_from_db()
        if order.paid_at is None:
            return None
        Order.objects.filter(pk=order.pk).update(
            created_at=created_at, updated_at=paid_at, paid_at=paid_at,
            expires_at=created_at + timedelta(minutes=settings.LYCEUM_ORDER_TTL_MINUTES),
        )  # fmt: skip
        payments = Payment.objects.filter(order=order)
        payments.update(created_at=created_at, updated_at=paid_at, succeeded_at=paid_at)
        references = list(payments.values_list("reference", flat=True))
        WebhookEvent.objects.filter(provider="sandbox", payload__reference__in=references).update(
            received_at=paid_at, processed_at=paid_at
        )
        LedgerEntry.objects.filter(order=order, kind=LedgerKind.SALE).update(created_at=paid_at)
        CouponRedemption.objects.filter(order=order).update(created_at=paid_at)
        _backdate_events(order, ("order.created", "checkout.started"), created_at)
        _backdate_events(order, ("order.paid",), paid_at)
        # The access the order granted starts when it was paid, not when the demo ran.
        for enrollment in Enrollment.objects.filter(user=user).exclude(pk__in=enrolled_before):
            Enrollment.objects.filter(pk=enrollment.pk).update(created_at=paid_at, last_activity_at=paid_at)
            enrollments_changed(user.pk)  # a bulk update sends no signal: the cached access rows
            _backdate_events(enrollment, ("enrollment.created",), paid_at)
        for redemption in CouponRedemption.objects.filter(order=order):
            _backdate_events(redemption, ("coupon.redeemed",), paid_at)
        if product.kind == ProductKind.MEMBERSHIP:
            period = relativedelta(years=1) if product.billing_period == BillingPeriod.YEAR else relativedelta(months=1)
            for membership in Membership.objects.filter(user=user, plan=product, last_order=order):
                Membership.objects.filter(pk=membership.pk).update(
                    started_at=paid_at, current_period_end=paid_at + period, created_at=paid_at
                )
                _backdate_events(membership, ("membership.started",), paid_at)
        if plan["refund"] and operator is not None and order.total > 0:
            refunded_at = min(paid_at + timedelta(days=plan["refund_after"]), ctx.now - timedelta(minutes=5))
            amount = order.total if plan["refund"] == "full" else max(1, int(order.total * plan["refund_part"]))
            reason = "Bought by mistake." if plan["refund"] == "full" else "Goodwill: a module was late."
            refund = order_refund(actor=operator, order=order, amount=amount, reason=reason)
            Refund.objects.filter(pk=refund.pk).update(created_at=refunded_at)
            LedgerEntry.objects.filter(order=order, kind=LedgerKind.REFUND).update(created_at=refunded_at)
            _backdate_events(order, ("order.refunded",), refunded_at)
    return order


def seed(ctx: Any) -> None:
    paid = list(Course.objects.filter(status=CourseStatus.PUBLISHED, is_free=False).order_by("pk"))
    if not paid:
        ctx.stdout.write("commerce: no paid courses to sell")
        return
    operator = User.objects.filter(email="operator@example.com").first()
    learners = list(User.objects.filter(email__startswith="learner0", email__endswith="@example.com").order_by("email"))
    # Draw everything first (products, then the purchase plan) so reruns see the same stream.
    with transaction.atomic():
        products = _products(ctx, paid)
        _coupons(ctx, operator)
        _shares(paid)
    plans = _plan(ctx, learners, products)
    done = {
        (user_id, key)
        for user_id, key in Order.objects.filter(idempotency_key__startswith="demo-order-").values_list(
            "user_id", "idempotency_key"
        )
    }
    todo = [p for p in plans if (p["user"].pk, p["key"]) not in done]
    # The demo always pays through the offline sandbox and sends no receipts.
    with override_settings(
        LYCEUM_PAYMENT_PROVIDER="sandbox", EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"
    ):
        for plan in ctx.progress(todo, desc="commerce", total=len(todo)):
            _buy(ctx, plan, operator)

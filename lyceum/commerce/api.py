from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Header, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from . import selectors
from .models import Order
from .services.orders import order_checkout, order_create

router = Router(tags=["commerce"])

# --- orders, checkout, payments (orders engineer) ---


class OrderIn(Schema):
    """Only what to buy: prices, currency and totals are always computed on the server."""

    product: str
    coupon: str = ""


class OrderLineOut(Schema):
    course: str | None
    description: str
    amount: int

    @staticmethod
    def resolve_course(obj: Any) -> str | None:
        return obj.course.slug if obj.course_id else None


class OrderOut(Schema):
    number: str
    product: str
    status: str
    currency: str
    subtotal: int
    discount: int
    total: int
    refunded_amount: int
    coupon: str | None
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    lines: list[OrderLineOut]

    @staticmethod
    def resolve_product(obj: Any) -> str:
        return str(obj.product.slug)

    @staticmethod
    def resolve_coupon(obj: Any) -> str | None:
        return obj.coupon.code if obj.coupon_id else None

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())


class PaymentOut(Schema):
    reference: str
    provider: str
    status: str
    amount: int
    currency: str
    redirect_url: str


@router.post("/orders", response={200: OrderOut, 201: OrderOut}, summary="Create an order for one product")
def order_create_api(
    request: HttpRequest, payload: OrderIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")
) -> Status:
    """Totals come from the server; an `Idempotency-Key` header makes retries return the same order (200)."""
    product = selectors.product_get_for_checkout(slug=payload.product)
    key = (idempotency_key or "").strip()[:100] or None
    replay = key is not None and selectors.order_list_for_user(user=request.user).filter(idempotency_key=key).exists()
    order = order_create(user=request.user, product=product, coupon_code=payload.coupon, idempotency_key=key)
    order = selectors.order_get_for_user(user=request.user, number=order.number)
    return Status(200 if replay else 201, order)


@router.get("/orders", response=list[OrderOut], summary="Your orders, newest first")
@paginate(PageNumberPagination, page_size=20, max_page_size=20)
def order_list_api(request: HttpRequest) -> QuerySet[Order]:
    return selectors.order_list_for_user(user=request.user).select_related("coupon").prefetch_related("lines__course")


@router.get("/orders/{number}", response=OrderOut, summary="One of your orders")
def order_detail_api(request: HttpRequest, number: str) -> Order:
    return selectors.order_get_for_user(user=request.user, number=number)


@router.post("/orders/{number}/pay", response=PaymentOut, summary="Start paying an order")
def order_pay_api(
    request: HttpRequest, number: str, idempotency_key: str | None = Header(None, alias="Idempotency-Key")
) -> dict[str, Any]:
    """Returns where to send the buyer. Expired or already paid orders answer 409."""
    order = selectors.order_get_for_user(user=request.user, number=number)
    key = (idempotency_key or "").strip()[:100] or None
    payment = order_checkout(actor=request.user, order=order, idempotency_key=key)
    return {
        "reference": payment.reference,
        "provider": payment.provider,
        "status": payment.status,
        "amount": payment.amount,
        "currency": payment.currency,
        "redirect_url": request.build_absolute_uri(payment.checkout_url)
        if payment.checkout_url.startswith("/")
        else payment.checkout_url,
    }


# --- refunds, earnings, memberships (revenue engineer) ---

from django.utils.translation import gettext as _  # noqa: E402

from lyceum.core.errors import NotFound, PermissionDenied  # noqa: E402

from . import reports  # noqa: E402
from .models import MembershipStatus  # noqa: E402
from .services.memberships import membership_cancel  # noqa: E402
from .services.refunds import order_refund  # noqa: E402


class RefundIn(Schema):
    """``amount`` in minor units of the order's currency (at most what is still refundable)."""

    amount: int
    reason: str = ""


class RefundOut(Schema):
    id: int
    order: str
    amount: int
    currency: str
    reason: str
    provider_reference: str
    created_at: datetime
    order_status: str
    order_refunded_amount: int


class MembershipOut(Schema):
    id: int
    plan: str
    plan_title: str
    status: str
    started_at: datetime
    current_period_end: datetime
    cancel_at_period_end: bool
    courses: list[str]


def _membership_out(membership: Any) -> dict[str, Any]:
    return {
        "id": membership.pk,
        "plan": membership.plan.slug,
        "plan_title": membership.plan.title,
        "status": membership.status,
        "started_at": membership.started_at,
        "current_period_end": membership.current_period_end,
        "cancel_at_period_end": membership.cancel_at_period_end,
        "courses": [course.slug for course in membership.plan.courses.all()],
    }


def _current_membership(user: Any) -> Any:
    """The member's live membership if any, else the most recent one; 404 when never a member."""
    memberships = list(reports.membership_list_for_user(user=user))
    live = [m for m in memberships if m.status != MembershipStatus.EXPIRED]
    if not memberships:
        raise NotFound(_("You are not a member."))
    return (live or memberships)[0]


@router.post("/orders/{number}/refunds", response={201: RefundOut}, summary="Refund an order (operators)")
def order_refund_api(request: HttpRequest, number: str, payload: RefundIn) -> Status:
    """Operators only. 409 when the order is not refundable, 422 naming the field at fault."""
    if not request.user.has_role("operator"):  # type: ignore[union-attr]
        raise PermissionDenied(_("Only operators can refund orders."))
    order = reports.order_get_for_operator(number=number)
    refund = order_refund(actor=request.user, order=order, amount=payload.amount, reason=payload.reason)
    order.refresh_from_db(fields=["status", "refunded_amount"])
    return Status(
        201,
        {
            "id": refund.pk, "order": order.number, "amount": refund.amount, "currency": order.currency,
            "reason": refund.reason, "provider_reference": refund.provider_reference, "created_at": refund.created_at,
            "order_status": order.status, "order_refunded_amount": order.refunded_amount,
        },
    )  # fmt: skip


@router.get("/me/membership", response=MembershipOut, summary="Your membership")
def membership_detail_api(request: HttpRequest) -> dict[str, Any]:
    return _membership_out(_current_membership(request.user))


@router.post("/me/membership/cancel", response=MembershipOut, summary="Cancel your membership at period end")
def membership_cancel_api(request: HttpRequest) -> dict[str, Any]:
    """Access stays until the current period ends. 409 when the membership has already ended."""
    membership = membership_cancel(actor=request.user, membership=_current_membership(request.user))
    return _membership_out(reports.membership_get_for_user(user=request.user, membership_id=membership.pk))

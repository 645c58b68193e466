"""Refunds: operators give back part or all of a paid order through its payment provider."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.commerce.models import (
    Membership,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    ProductKind,
    Refund,
)
from lyceum.core import events
from lyceum.core.errors import Conflict, PermissionDenied, ValidationFailed

REFUNDABLE = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)
MAX_REASON = 2000


def _revoke_access(*, actor: Any, order: Order) -> None:
    """A full refund takes back what the order granted: its purchase enrollments, or its membership."""
    from lyceum.learning.models import Enrollment, EnrollmentSource
    from lyceum.learning.services import enrollment_revoke

    if order.product.kind == ProductKind.MEMBERSHIP:
        from .memberships import membership_end

        membership = Membership.objects.select_for_update().filter(user=order.user, plan=order.product).first()
        if membership is not None:
            membership_end(actor=actor, membership=membership)
        return
    course_ids = [line.course_id for line in order.lines.all() if line.course_id is not None]
    # A course also bought in another still-paid order keeps its access.
    kept = set(
        Order.objects.filter(user=order.user, status__in=REFUNDABLE, lines__course_id__in=course_ids)
        .exclude(pk=order.pk)
        .values_list("lines__course_id", flat=True)
    )
    enrollments = Enrollment.objects.filter(
        user=order.user, course_id__in=course_ids, source=EnrollmentSource.PURCHASE, revoked_at__isnull=True
    ).exclude(course_id__in=kept)
    revoked = []
    for enrollment in enrollments.select_related("course"):
        enrollment_revoke(actor=actor, enrollment=enrollment, reason=f"refund of order {order.number}")
        revoked.append(enrollment.course)
    # A live membership that includes a refunded course gives its access back.
    from lyceum.learning.services import enrollment_create

    from .memberships import LIVE_STATUSES

    live = Membership.objects.filter(user=order.user, status__in=LIVE_STATUSES, current_period_end__gt=timezone.now())
    for membership in live:
        included = set(membership.plan.courses.values_list("id", flat=True))
        for course in revoked:
            if course.pk in included:
                enrollment_create(
                    user=order.user, course=course, source="membership", access_until=membership.current_period_end
                )


@transaction.atomic
def order_refund(*, actor: Any, order: Order, amount: Any, reason: str) -> Refund:
    """Refund ``amount`` minor units of ``order``. A full refund revokes the access it granted."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_role("operator"):
        raise PermissionDenied(_("Only operators can refund orders."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the order is refunded."), field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(_("The reason is too long."), field="reason")
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationFailed(_("The amount must be a whole number of minor units."), field="amount")
    order = Order.objects.select_for_update(of=("self",)).select_related("product", "user").get(pk=order.pk)
    if order.status not in REFUNDABLE:
        raise Conflict(_("Only paid orders can be refunded."), code="not_refundable")
    remaining = order.total - order.refunded_amount
    if amount <= 0 or amount > remaining:
        raise ValidationFailed(
            _("The amount must be between 1 and %(remaining)s minor units.") % {"remaining": remaining},
            field="amount",
        )
    payment = Payment.objects.filter(order=order, status=PaymentStatus.SUCCEEDED).order_by("id").first()
    if payment is None:
        raise Conflict(_("This order has no succeeded payment to refund."), code="not_refundable")
    from lyceum.commerce.providers import ProviderError, get_provider

    try:
        reference = get_provider(payment.provider).refund(payment=payment, amount=amount)
    except ProviderError as exc:
        raise Conflict(
            _("The payment provider refused the refund: %(error)s") % {"error": exc}, code="provider_error"
        ) from exc
    refund = Refund.objects.create(
        order=order, payment=payment, amount=amount, reason=reason, actor=actor, provider_reference=reference,
        created_at=timezone.now(),
    )  # fmt: skip
    order.refunded_amount += amount
    full = order.refunded_amount == order.total
    order.status = OrderStatus.REFUNDED if full else OrderStatus.PARTIALLY_REFUNDED
    order.save(update_fields=["refunded_amount", "status", "updated_at"])
    if full:
        _revoke_access(actor=actor, order=order)
    from .ledger import ledger_record_refund

    ledger_record_refund(order=order, refund=refund)
    events.emit(
        "order.refunded", actor=actor, obj=order, number=order.number, amount=amount, currency=order.currency,
        refunded_amount=order.refunded_amount, full=full,
    )  # fmt: skip
    return refund

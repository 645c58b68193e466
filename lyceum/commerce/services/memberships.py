"""Memberships: start or renew from a paid order, cancel at period end, expire when due.

Access follows the membership: each included course gets a ``membership`` enrollment whose
``access_until`` is the period end; expiry revokes those enrollments (progress is kept).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.commerce.models import BillingPeriod, Membership, MembershipStatus, Order, OrderStatus
from lyceum.core import events
from lyceum.core.errors import Conflict, PermissionDenied

LIVE_STATUSES = (MembershipStatus.ACTIVE, MembershipStatus.CANCELLED)


def _period(period: str) -> relativedelta:
    return relativedelta(years=1) if period == BillingPeriod.YEAR else relativedelta(months=1)


def _grant(membership: Membership) -> None:
    from lyceum.courses.models import CourseStatus
    from lyceum.learning.services import enrollment_create

    for course in membership.plan.courses.filter(status=CourseStatus.PUBLISHED).order_by("id"):
        enrollment_create(
            user=membership.user, course=course, source="membership", access_until=membership.current_period_end
        )


@transaction.atomic
def membership_start_or_renew(*, order: Order) -> Membership:
    """A paid membership order: start a new period, or extend a live one from its period end."""
    plan = order.product
    now = timezone.now()
    membership = Membership.objects.select_for_update().filter(user=order.user, plan=plan).first()
    if membership is None:
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    user=order.user, plan=plan, started_at=now, current_period_end=now + _period(plan.billing_period),
                    last_order=order,
                )  # fmt: skip
        except IntegrityError:  # a concurrent fulfilment created it first: renew that one
            membership = Membership.objects.select_for_update().get(user=order.user, plan=plan)
        else:
            _grant(membership)
            events.emit(
                "membership.started", actor=order.user, obj=membership, plan=plan.slug, order=order.number,
                period_end=membership.current_period_end,
            )  # fmt: skip
            return membership
    if membership.last_order_id == order.pk:  # this order was already applied
        return membership
    live = membership.status in LIVE_STATUSES and membership.current_period_end > now
    if live:
        membership.current_period_end = membership.current_period_end + _period(plan.billing_period)
    else:
        membership.started_at = now
        membership.current_period_end = now + _period(plan.billing_period)
    membership.status = MembershipStatus.ACTIVE
    membership.cancel_at_period_end = False
    membership.last_order = order
    membership.save(
        update_fields=["started_at", "current_period_end", "status", "cancel_at_period_end", "last_order", "updated_at"]
    )
    _grant(membership)
    events.emit(
        "membership.renewed" if live else "membership.started", actor=order.user, obj=membership, plan=plan.slug,
        order=order.number, period_end=membership.current_period_end,
    )  # fmt: skip
    return membership


@transaction.atomic
def membership_cancel(*, actor: Any, membership: Membership) -> Membership:
    """Stop renewing: the member keeps access until the current period ends."""
    if actor.pk != membership.user_id and not actor.has_role("operator"):
        raise PermissionDenied(_("You cannot cancel this membership."))
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status == MembershipStatus.EXPIRED:
        raise Conflict(_("This membership has already ended."))
    if membership.status == MembershipStatus.CANCELLED:
        return membership
    membership.status = MembershipStatus.CANCELLED
    membership.cancel_at_period_end = True
    membership.save(update_fields=["status", "cancel_at_period_end", "updated_at"])
    events.emit(
        "membership.cancelled", actor=actor, obj=membership, plan=membership.plan.slug,
        period_end=membership.current_period_end,
    )  # fmt: skip
    return membership


def _revoke_access(membership: Membership, *, actor: Any, now: datetime) -> int:
    """Revoke the membership's enrollments, except courses the user bought outright or still
    has through another live membership."""
    from lyceum.learning.models import Enrollment
    from lyceum.learning.services import enrollment_revoke

    course_ids = list(membership.plan.courses.values_list("id", flat=True))
    kept = set(
        Order.objects.filter(
            user_id=membership.user_id,
            status__in=[OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED],
            lines__course_id__in=course_ids,
        ).values_list("lines__course_id", flat=True)
    )
    kept |= set(
        Membership.objects.filter(user_id=membership.user_id, status__in=LIVE_STATUSES, current_period_end__gt=now)
        .exclude(pk=membership.pk)
        .values_list("plan__courses", flat=True)
    )
    revoked = 0
    enrollments = Enrollment.objects.filter(
        user_id=membership.user_id, course_id__in=course_ids, source="membership", revoked_at__isnull=True
    ).exclude(course_id__in=kept)
    for enrollment in enrollments:
        enrollment_revoke(actor=actor, enrollment=enrollment, reason="membership expired")
        revoked += 1
    return revoked


def membership_end(*, actor: Any, membership: Membership, now: datetime | None = None) -> Membership:
    """End ``membership`` now (expiry, or a full refund of its order); the caller holds the lock."""
    now = now or timezone.now()
    membership.status = MembershipStatus.EXPIRED
    membership.cancel_at_period_end = False
    membership.current_period_end = min(membership.current_period_end, now)
    membership.save(update_fields=["status", "cancel_at_period_end", "current_period_end", "updated_at"])
    _revoke_access(membership, actor=actor, now=now)
    events.emit("membership.expired", actor=actor, obj=membership, plan=membership.plan.slug)
    return membership


@transaction.atomic
def membership_expire_due(*, now: datetime | None = None) -> int:
    """Expire every membership whose period has ended; returns how many."""
    now = now or timezone.now()
    due = (
        Membership.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("plan", "user")
        .filter(status__in=LIVE_STATUSES, current_period_end__lte=now)
        .order_by("id")
    )
    count = 0
    for membership in due:
        membership_end(actor=None, membership=membership, now=now)
        count += 1
    return count

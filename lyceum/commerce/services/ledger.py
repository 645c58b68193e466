"""The revenue ledger: every paid and refunded order line split between instructors and the
platform, exact to the minor unit.

Rounding rule (deterministic, the platform keeps every rounding remainder):

* Sale. A course line of ``A`` minor units is cut into one slice per instructor. With
  ``RevenueShare`` rows the slices are proportional to each row's ``share_bp`` and the
  instructor earns ``floor(A * share_bp / 10000)``; without rows the course's instructors
  (``CourseInstructor`` order) get equal slices and each earns
  ``floor(A * DEFAULT_BP / 10000 / n)``. Slices are rounded down and the leftover units go
  one each to the first slices in order, so the slices sum to ``A``; the platform gets
  ``slice - instructor``. A line without a course (membership) or without instructors is
  one all-platform entry.
* Refund. A refund of ``R`` is spread over the order's sale entries in proportion to what
  each still has unrefunded (prefix-floor allocation: entry ``k`` gets
  ``floor(R*Q_k/T) - floor(R*Q_{k-1}/T)`` with ``Q`` the running remaining total), so the
  refund entries sum to exactly ``-R`` and a full refund nets every entry to zero. Within
  an entry the instructor's clawback is rounded up (the platform keeps the remainder).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lyceum.commerce.models import LedgerEntry, LedgerKind, Order, OrderLine, Refund, RevenueShare

FULL_BP = 10000


@dataclass(frozen=True)
class _Slice:
    instructor_id: int | None
    gross: int
    instructor_amount: int


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _split(total: int, weights: list[int]) -> list[int]:
    """``total`` split proportionally to ``weights`` (equal if they are all 0), rounded down,
    leftover units one each to the first parts. Sums to ``total`` exactly."""
    if not any(weights):
        weights = [1] * len(weights)
    weight_sum = sum(weights)
    parts = [total * w // weight_sum for w in weights]
    for i in range(total - sum(parts)):
        parts[i] += 1
    return parts


def _line_slices(line: OrderLine, shares: list[RevenueShare], instructor_ids: list[int]) -> list[_Slice]:
    amount = line.amount
    if shares:
        bps = [s.share_bp for s in shares]
        denominator = max(FULL_BP, sum(bps))  # a misconfigured course never pays out more than the line
        grosses = _split(amount, bps)
        return [
            _Slice(s.instructor_id, g, amount * s.share_bp // denominator) for s, g in zip(shares, grosses, strict=True)
        ]
    if instructor_ids:
        n = len(instructor_ids)
        each = amount * settings.LYCEUM_DEFAULT_REVENUE_SHARE_BP // (FULL_BP * n)
        grosses = _split(amount, [1] * n)
        return [_Slice(uid, g, each) for uid, g in zip(instructor_ids, grosses, strict=True)]
    return [_Slice(None, amount, 0)]


@transaction.atomic
def ledger_record_sale(*, order: Order) -> list[LedgerEntry]:
    """Record a paid order's lines. Idempotent: a second call returns the existing entries."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    existing = list(LedgerEntry.objects.filter(order=order, kind=LedgerKind.SALE).order_by("id"))
    if existing:
        return existing
    lines = list(OrderLine.objects.filter(order=order).order_by("id"))
    course_ids = [line.course_id for line in lines if line.course_id is not None]
    shares: dict[int, list[RevenueShare]] = defaultdict(list)
    for share in RevenueShare.objects.filter(course_id__in=course_ids).order_by("id"):
        shares[share.course_id].append(share)
    from lyceum.courses.models import CourseInstructor

    teachers: dict[int, list[int]] = defaultdict(list)
    for link in CourseInstructor.objects.filter(course_id__in=course_ids).order_by("position", "id"):
        teachers[link.course_id].append(link.user_id)
    when = order.paid_at or timezone.now()
    entries = []
    for line in lines:
        if line.course_id is None:
            slices = [_Slice(None, line.amount, 0)]
        else:
            slices = _line_slices(line, shares[line.course_id], teachers[line.course_id])
        for part in slices:
            entries.append(
                LedgerEntry(
                    order=order,
                    kind=LedgerKind.SALE,
                    course_id=line.course_id,
                    instructor_id=part.instructor_id,
                    currency=order.currency,
                    gross=part.gross,
                    instructor_amount=part.instructor_amount,
                    platform_amount=part.gross - part.instructor_amount,
                    created_at=when,
                )
            )
    return LedgerEntry.objects.bulk_create(entries)


def _key(entry: LedgerEntry) -> tuple[Any, Any]:
    return (entry.course_id, entry.instructor_id)


@transaction.atomic
def ledger_record_refund(*, order: Order, refund: Refund) -> list[LedgerEntry]:
    """Negative entries for ``refund``, spread over the order's sale entries (see module doc)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    rows = list(LedgerEntry.objects.filter(order=order).order_by("id"))
    sales = [row for row in rows if row.kind == LedgerKind.SALE]
    refunded_gross: dict[tuple[Any, Any], int] = defaultdict(int)
    refunded_instructor: dict[tuple[Any, Any], int] = defaultdict(int)
    for row in rows:
        if row.kind == LedgerKind.REFUND:
            refunded_gross[_key(row)] += row.gross
            refunded_instructor[_key(row)] += row.instructor_amount
    remaining = [max(0, sale.gross + refunded_gross[_key(sale)]) for sale in sales]
    total_remaining = sum(remaining)
    amount = min(refund.amount, total_remaining)
    if amount <= 0:
        return []
    entries = []
    running = 0
    for sale, left in zip(sales, remaining, strict=True):
        before = amount * running // total_remaining
        running += left
        part = amount * running // total_remaining - before
        if part == 0:
            continue
        instructor_left = sale.instructor_amount + refunded_instructor[_key(sale)]
        clawback = _ceil_div(part * instructor_left, left) if instructor_left > 0 else 0
        entries.append(
            LedgerEntry(
                order=order,
                kind=LedgerKind.REFUND,
                course_id=sale.course_id,
                instructor_id=sale.instructor_id,
                currency=sale.currency,
                gross=-part,
                instructor_amount=-clawback,
                platform_amount=-(part - clawback),
                created_at=refund.created_at,
            )
        )
    return LedgerEntry.objects.bulk_create(entries)

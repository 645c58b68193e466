"""Revenue reads: the operator's order desk, memberships, instructor earnings and payouts.

Every figure is a sum of ``LedgerEntry`` rows, so "paid totals − refunds" is exact: refund
entries are negative and each entry balances (gross = instructor + platform).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.core.errors import NotFound

from .models import LedgerEntry, LedgerKind, Membership, Order, OrderStatus

SALE = Q(kind=LedgerKind.SALE)
REFUND = Q(kind=LedgerKind.REFUND)


def _sums() -> dict[str, Any]:
    return {
        "sales": Coalesce(Sum("gross", filter=SALE), 0),
        "refunds": Coalesce(Sum("gross", filter=REFUND), 0),
        "net": Coalesce(Sum("gross"), 0),
        "instructor_sales": Coalesce(Sum("instructor_amount", filter=SALE), 0),
        "instructor_refunds": Coalesce(Sum("instructor_amount", filter=REFUND), 0),
        "instructor_net": Coalesce(Sum("instructor_amount"), 0),
    }


# --- Orders (operators) -----------------------------------------------------------------------


def order_list_for_operator(*, status: str = "", query: str = "") -> QuerySet[Order]:
    orders = Order.objects.select_related("user", "product").order_by("-created_at", "-id")
    if status in OrderStatus.values:
        orders = orders.filter(status=status)
    query = query.strip()
    if query:
        orders = orders.filter(Q(number__icontains=query) | Q(user__email__icontains=query))
    return orders


def order_get_for_operator(*, number: str) -> Order:
    order = (
        Order.objects.filter(number=number)
        .select_related("user", "product", "coupon")
        .prefetch_related("lines__course", "payments", "refunds__actor")
        .first()
    )
    if order is None:
        raise NotFound(_("No such order."))
    return order


# --- Memberships ------------------------------------------------------------------------------


def membership_list_for_user(*, user: Any) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user_id=getattr(user, "pk", None))
        .select_related("plan")
        .prefetch_related("plan__courses")
        .order_by("-current_period_end", "-id")
    )


def membership_get_for_user(*, user: Any, membership_id: int) -> Membership:
    membership = membership_list_for_user(user=user).filter(pk=membership_id).first()
    if membership is None:
        raise NotFound(_("No such membership."))
    return membership


# --- Instructor earnings ----------------------------------------------------------------------


def earnings_monthly(*, instructor: Any) -> list[dict[str, Any]]:
    """Per month and currency: sales gross, refunds, and the instructor's amounts (newest first)."""
    rows = (
        LedgerEntry.objects.filter(instructor_id=instructor.pk)
        .annotate(month=TruncMonth("created_at"))
        .values("month", "currency")
        .annotate(**_sums())
        .order_by("-month", "currency")
    )
    return list(rows)


def earnings_by_course(*, instructor: Any) -> list[dict[str, Any]]:
    rows = (
        LedgerEntry.objects.filter(instructor_id=instructor.pk)
        .values("course_id", "course__title", "currency")
        .annotate(**_sums())
        .order_by("course__title", "currency")
    )
    return list(rows)


def earnings_entries(*, instructor: Any) -> QuerySet[LedgerEntry]:
    return (
        LedgerEntry.objects.filter(instructor_id=instructor.pk)
        .select_related("order", "course")
        .order_by("created_at", "id")
    )


# --- Operator payouts -------------------------------------------------------------------------


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The first instant of ``month`` and of the next one, in the site's time zone."""
    zone = timezone.get_current_timezone()
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return (
        datetime(month.year, month.month, 1, tzinfo=zone),
        datetime(following.year, following.month, 1, tzinfo=zone),
    )


def payout_report(*, month: date) -> list[dict[str, Any]]:
    """Per instructor and currency: what they earned in ``month`` net of refunds."""
    start, end = month_bounds(month)
    rows = (
        LedgerEntry.objects.filter(instructor__isnull=False, created_at__gte=start, created_at__lt=end)
        .values("instructor_id", "instructor__email", "instructor__display_name", "currency")
        .annotate(**_sums())
        .order_by("instructor__email", "currency")
    )
    return list(rows)


# --- CSV --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvTable:
    header: list[str]
    rows: Iterable[list[Any]]


def _cell(value: Any) -> Any:
    """Quote formulas so spreadsheets show a title like ``=SUM(A1)`` as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_text(table: CsvTable) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue()


def earnings_csv(*, instructor: Any) -> CsvTable:
    local = timezone.localtime
    return CsvTable(
        header=["date", "order", "kind", "course", "currency", "gross_minor", "instructor_minor", "platform_minor"],
        rows=(
            [
                local(e.created_at).date().isoformat(),
                e.order.number,
                e.kind,
                e.course.title if e.course else "",
                e.currency,
                e.gross,
                e.instructor_amount,
                e.platform_amount,
            ]
            for e in earnings_entries(instructor=instructor)
        ),
    )


def payout_csv(*, month: date) -> CsvTable:
    return CsvTable(
        header=[
            "month",
            "instructor_email",
            "instructor_name",
            "currency",
            "sales_minor",
            "refunds_minor",
            "net_minor",
        ],
        rows=(
            [
                f"{month:%Y-%m}",
                r["instructor__email"],
                r["instructor__display_name"],
                r["currency"],
                r["instructor_sales"],
                r["instructor_refunds"],
                r["instructor_net"],
            ]
            for r in payout_report(month=month)
        ),
    )

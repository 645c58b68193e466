"""Revenue pages: my membership, the operator's order desk with refunds, instructor earnings
and the operator payout report (HTML and CSV)."""

from __future__ import annotations

from datetime import date, datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lyceum.accounts.decorators import role_required
from lyceum.core.errors import ApplicationError, NotFound

from .. import reports
from ..models import OrderStatus
from ..services.memberships import membership_cancel
from ..services.refunds import REFUNDABLE, order_refund

ORDERS_PER_PAGE = 30


class RefundForm(forms.Form):
    amount = forms.IntegerField(
        label=gettext_lazy("Amount (minor units, e.g. 9900 = 99.00)"), min_value=1,
    )  # fmt: skip
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


def _csv(text: str, filename: str) -> HttpResponse:
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")  # BOM: Excel reads UTF-8
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Membership -------------------------------------------------------------------------------


@login_required
def membership_detail(request: HttpRequest) -> HttpResponse:
    memberships = reports.membership_list_for_user(user=request.user)
    return render(request, "commerce/membership_detail.html", {"memberships": memberships})


@require_POST
@login_required
def membership_cancel_view(request: HttpRequest, membership_id: int) -> HttpResponse:
    try:
        membership = reports.membership_get_for_user(user=request.user, membership_id=membership_id)
        membership_cancel(actor=request.user, membership=membership)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your membership will not renew. You keep access until the period ends."))
    return redirect("commerce:membership")


# --- Operator order desk ----------------------------------------------------------------------


@role_required("operator")
def operator_order_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    query = request.GET.get("q", "")[:100]
    orders = reports.order_list_for_operator(status=status, query=query)
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "commerce/operator_order_list.html",
        {"page": page, "orders": page.object_list, "status": status, "q": query, "statuses": OrderStatus.choices},
    )


@role_required("operator")
def operator_order_detail(request: HttpRequest, number: str) -> HttpResponse:
    try:
        order = reports.order_get_for_operator(number=number)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    refundable = order.status in REFUNDABLE
    remaining = order.total - order.refunded_amount
    form = RefundForm(request.POST if request.method == "POST" else None, initial={"amount": remaining})
    if request.method == "POST" and form.is_valid():
        try:
            order_refund(
                actor=request.user, order=order, amount=form.cleaned_data["amount"], reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The refund was issued."))
            return redirect("commerce:operator-order-detail", number=order.number)
    return render(
        request,
        "commerce/operator_order_detail.html",
        {"order": order, "form": form, "refundable": refundable, "remaining": remaining},
        status=400 if form.errors else 200,
    )


# --- Instructor earnings ----------------------------------------------------------------------


@role_required("instructor")
def earnings(request: HttpRequest) -> HttpResponse:
    context = {
        "monthly": reports.earnings_monthly(instructor=request.user),
        "courses": reports.earnings_by_course(instructor=request.user),
    }
    return render(request, "commerce/earnings.html", context)


@role_required("instructor")
def earnings_csv(request: HttpRequest) -> HttpResponse:
    return _csv(reports.csv_text(reports.earnings_csv(instructor=request.user)), "earnings.csv")


# --- Operator payouts -------------------------------------------------------------------------


def _month(request: HttpRequest) -> date:
    raw = request.GET.get("month", "")
    try:
        return datetime.strptime(raw, "%Y-%m").date()  # noqa: DTZ007 - a calendar month, no time
    except ValueError:
        today = timezone.localdate()
        return today.replace(day=1)


@role_required("operator")
def payouts(request: HttpRequest) -> HttpResponse:
    month = _month(request)
    context = {"month": month, "rows": reports.payout_report(month=month)}
    return render(request, "commerce/payout_report.html", context)


@role_required("operator")
def payouts_csv(request: HttpRequest) -> HttpResponse:
    month = _month(request)
    return _csv(reports.csv_text(reports.payout_csv(month=month)), f"payouts-{month:%Y-%m}.csv")

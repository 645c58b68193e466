"""Checkout, orders and receipts, the sandbox confirm page and the provider webhook endpoint."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from lyceum.core.errors import ApplicationError, NotFound

from .. import selectors
from ..forms import CheckoutForm
from ..models import OrderStatus, PaymentStatus
from ..providers.sandbox import sandbox_event
from ..services.coupons import coupon_quote
from ..services.orders import order_checkout, order_create, order_is_payable
from ..services.payments import payment_event_process

ORDERS_PER_PAGE = 20


def _product_or_404(slug: str):  # type: ignore[no-untyped-def]
    try:
        return selectors.product_get_for_checkout(slug=slug)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
def checkout(request: HttpRequest, slug: str) -> HttpResponse:
    product = _product_or_404(slug)
    data = request.POST if request.method == "POST" else None
    form = CheckoutForm(data, initial={"idempotency_key": uuid.uuid4().hex, "coupon": request.GET.get("coupon", "")})
    quote = coupon_quote(user=request.user, product=product, code="")
    if form.is_valid():
        code = form.cleaned_data["coupon"]
        try:
            quote = coupon_quote(user=request.user, product=product, code=code)
        except ApplicationError as exc:
            form.add_error("coupon", exc.message)
        if request.POST.get("action") == "pay" and not form.errors:
            if not form.cleaned_data["terms"]:
                form.add_error("terms", _("Please accept the terms of sale to continue."))
            else:
                try:
                    order = order_create(user=request.user, product=product, coupon_code=code,
                                         idempotency_key=form.cleaned_data["idempotency_key"] or None)  # fmt: skip
                    if order.status == OrderStatus.PAID:
                        return redirect("commerce:order-detail", number=order.number)
                    payment = order_checkout(
                        actor=request.user, order=order, idempotency_key=form.cleaned_data["idempotency_key"] or None
                    )
                except ApplicationError as exc:
                    form.add_error("coupon" if exc.field == "coupon" else None, exc.message)
                else:
                    return redirect(payment.checkout_url)
    return render(request, "commerce/checkout.html", {"product": product, "form": form, "quote": quote})


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.order_list_for_user(user=request.user), ORDERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "commerce/order_list.html", {"page": page, "orders": page.object_list})


@login_required
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    try:
        order = selectors.order_get_for_user(user=request.user, number=number)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    first_course = next((line.course for line in order.lines.all() if line.course is not None), None)
    return render(
        request,
        "commerce/order_detail.html",
        {"order": order, "payable": order_is_payable(order), "first_course": first_course},
    )


@login_required
@require_POST
def order_pay(request: HttpRequest, number: str) -> HttpResponse:
    try:
        order = selectors.order_get_for_user(user=request.user, number=number)
        payment = order_checkout(actor=request.user, order=order)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("commerce:order-detail", number=number)
    return redirect(payment.checkout_url)


@login_required
def sandbox_confirm(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        payment = selectors.payment_get_for_sandbox(user=request.user, reference=reference)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    open_for_payment = payment.status == PaymentStatus.CREATED and payment.order.status == OrderStatus.PENDING
    if request.method == "POST" and not open_for_payment:
        messages.warning(request, _("This payment is closed; nothing was charged."))
        return redirect("commerce:order-detail", number=payment.order.number)
    if request.method == "POST":
        outcome = "pay" if request.POST.get("outcome") == "pay" else "decline"
        body, headers = sandbox_event(payment=payment, outcome=outcome)
        payment_event_process(provider_name="sandbox", body=body, headers=headers)
        if outcome == "pay":
            messages.success(request, _("Payment received. Thank you!"))
        else:
            messages.warning(request, _("The payment was declined. You can try again."))
        return redirect("commerce:order-detail", number=payment.order.number)
    return render(
        request,
        "commerce/sandbox_confirm.html",
        {"payment": payment, "order": payment.order, "open_for_payment": open_for_payment},
    )


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, provider: str) -> HttpResponse:
    try:
        event = payment_event_process(provider_name=provider, body=request.body, headers=request.headers)
    except NotFound as exc:
        return JsonResponse(exc.as_dict(), status=404)
    except ApplicationError as exc:
        return JsonResponse(exc.as_dict(), status=400)
    return JsonResponse({"received": True, "event": event.event_id})

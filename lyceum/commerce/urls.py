from django.urls import path

from .views import checkout as checkout_views
from .views import revenue as revenue_views

app_name = "commerce"

urlpatterns: list = [
    # --- orders, checkout, sandbox, webhooks (orders engineer) ---
    path("checkout/<slug:slug>/", checkout_views.checkout, name="checkout"),
    path("orders/", checkout_views.order_list, name="order-list"),
    path("orders/<str:number>/", checkout_views.order_detail, name="order-detail"),
    path("orders/<str:number>/pay/", checkout_views.order_pay, name="order-pay"),
    path("payments/sandbox/<str:reference>/", checkout_views.sandbox_confirm, name="sandbox-confirm"),
    path("payments/webhooks/<str:provider>/", checkout_views.webhook, name="webhook"),
    # --- refunds, earnings, payouts, memberships (revenue engineer) ---
    path("membership/", revenue_views.membership_detail, name="membership"),
    path("membership/<int:membership_id>/cancel/", revenue_views.membership_cancel_view, name="membership-cancel"),
    path("operator/orders/", revenue_views.operator_order_list, name="operator-order-list"),
    path("operator/orders/<str:number>/", revenue_views.operator_order_detail, name="operator-order-detail"),
    path("operator/payouts/", revenue_views.payouts, name="payouts"),
    path("operator/payouts.csv", revenue_views.payouts_csv, name="payouts-csv"),
    path("studio/earnings/", revenue_views.earnings, name="earnings"),
    path("studio/earnings.csv", revenue_views.earnings_csv, name="earnings-csv"),
]

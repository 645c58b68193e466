from django.urls import path

from .views import checkout as checkout_views

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
]

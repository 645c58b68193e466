from django.urls import path  # noqa: F401

app_name = "commerce"

urlpatterns: list = [
    # --- orders, checkout, sandbox, webhooks (orders engineer) ---
    # --- refunds, earnings, payouts, memberships (revenue engineer) ---
]

"""Every write to commerce data, one module per area: orders and payments (orders.py,
payments.py), coupons (coupons.py), refunds (refunds.py), memberships (memberships.py) and
the revenue ledger (ledger.py)."""

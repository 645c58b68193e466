from ninja import Router

router = Router(tags=["commerce"])

# --- orders, checkout, payments (orders engineer) ---

# --- refunds, earnings, memberships (revenue engineer) ---

"""``{{ amount|money:currency }}``: integer minor units shown as a price, e.g. ¥99.00."""

from __future__ import annotations

from django import template

register = template.Library()

SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
ZERO_DECIMAL = {"JPY", "KRW"}


@register.filter(name="money")
def money(amount: int | None, currency: str = "CNY") -> str:
    if amount is None:
        return ""
    currency = (currency or "CNY").upper()
    symbol = SYMBOLS.get(currency, currency + " ")
    sign = "-" if amount < 0 else ""
    amount = abs(int(amount))
    if currency in ZERO_DECIMAL:
        return f"{sign}{symbol}{amount:,}"
    return f"{sign}{symbol}{amount // 100:,}.{amount % 100:02d}"

"""Forms of the retention pages: the at-risk filter, the selection posted from it, the campaign."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lyceum.commerce.models import DEFAULT_CURRENCY, Product
from lyceum.commerce.templatetags.commerce_money import ZERO_DECIMAL

from .campaigns import HOLDOUT_MAX, MAX_LEARNERS, MESSAGE_MAX, NAME_MAX, TITLE_MAX
from .churn.reasons import reason_choices

SEARCH_MAX = 100


def _reason_choices() -> list[tuple[str, Any]]:
    return [("", _("Any reason")), *reason_choices()]


class AtRiskFilterForm(forms.Form):
    min_risk = forms.IntegerField(label=_("Minimum risk (%)"), required=False, min_value=0, max_value=100)
    reason = forms.ChoiceField(label=_("Among the top reasons"), required=False, choices=_reason_choices)
    q = forms.CharField(label=_("Name or e-mail"), required=False, max_length=SEARCH_MAX, strip=True)

    def filters(self) -> dict[str, Any]:
        """The valid filters (an invalid one is dropped, and shown as an error)."""
        if not self.is_bound:
            return {"min_risk": None, "reason": "", "q": ""}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"min_risk": data.get("min_risk"), "reason": data.get("reason") or "", "q": data.get("q") or ""}


class IdListField(forms.Field):
    """Several ``user`` values (checkboxes) as a list of distinct positive ints."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("The selection is not valid: reload the list and select again.")}

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        if len(values) > MAX_LEARNERS + 1:
            values = values[: MAX_LEARNERS + 1]  # the service says what is too many
        try:
            ids = [int(v) for v in values]
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if any(i < 1 for i in ids):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return sorted(set(ids))


class SelectionForm(AtRiskFilterForm):
    """Which learners: the ticked ``user`` ids, or everyone matching the filter (``all_matching``)."""

    user = IdListField(required=False)
    all_matching = forms.BooleanField(required=False)


def currency_choices() -> list[tuple[str, str]]:
    codes = set(Product.objects.values_list("currency", flat=True).distinct()) | {DEFAULT_CURRENCY}
    return [(code, code) for code in sorted(codes)]


class CampaignForm(forms.Form):
    name = forms.CharField(
        label=_("Campaign name"), max_length=NAME_MAX, help_text=_("For the team only; learners do not see it.")
    )
    message_title = forms.CharField(
        label=_("Message title"),
        max_length=TITLE_MAX,
        required=False,
        help_text=_("Shown in the learner's notifications and e-mail."),
    )
    message_body = forms.CharField(
        label=_("Message"),
        max_length=MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown. Shown on the learner's message page with their coupon."),
    )
    coupon_percent_off = forms.IntegerField(label=_("Percent off"), required=False, min_value=1, max_value=100)
    coupon_amount_off = forms.DecimalField(
        label=_("or amount off"), required=False, min_value=Decimal("0.01"), max_digits=9, decimal_places=2
    )
    coupon_currency = forms.ChoiceField(label=_("Currency"), required=False, choices=currency_choices)
    coupon_valid_days = forms.IntegerField(label=_("Coupon valid for (days)"), min_value=1, max_value=366, initial=14)
    holdout_percent = forms.IntegerField(
        label=_("Hold-out share (%)"), min_value=0, max_value=HOLDOUT_MAX, initial=20,
        help_text=_("This share of the selected learners, drawn at random, gets nothing: the comparison group."),
    )  # fmt: skip
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        initial = {"idempotency_key": uuid.uuid4().hex, "coupon_currency": DEFAULT_CURRENCY}
        initial.update({k: v for k, v in (kwargs.pop("initial", None) or {}).items() if v not in (None, "")})
        super().__init__(*args, initial=initial, **kwargs)

    def service_kwargs(self) -> dict[str, Any]:
        """``campaign_send`` arguments (the amount off in minor units of the chosen currency)."""
        data = self.cleaned_data
        currency = data.get("coupon_currency") or DEFAULT_CURRENCY
        amount = data.get("coupon_amount_off")
        minor = None if amount is None else int(amount * (1 if currency in ZERO_DECIMAL else 100))
        return {
            "name": data["name"],
            "message_title": data.get("message_title") or "",
            "message_body": data.get("message_body") or "",
            "coupon_percent_off": data.get("coupon_percent_off"),
            "coupon_amount_off": minor,
            "coupon_currency": currency if minor is not None else "",
            "coupon_valid_days": data.get("coupon_valid_days") or 14,
            "holdout_percent": data["holdout_percent"],
            "idempotency_key": data.get("idempotency_key") or "",
        }

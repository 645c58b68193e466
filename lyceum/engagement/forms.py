"""Forms: the operator's reward form and the leaderboard filter."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RewardForm(forms.Form):
    title_en = forms.CharField(label=_("Title (English)"), max_length=120)
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=120, required=False)
    points_cost = forms.IntegerField(label=_("Points cost"), min_value=1, max_value=1_000_000)
    percent_off = forms.IntegerField(label=_("Percent off"), min_value=1, max_value=100, required=False)
    amount_off = forms.IntegerField(
        label=_("Amount off (minor units)"), min_value=1, required=False, help_text=_("For example 1000 = ¥10.00.")
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, required=False)
    valid_days = forms.IntegerField(label=_("Coupon valid for (days)"), min_value=1, max_value=366, initial=30)
    stock = forms.IntegerField(label=_("Stock"), min_value=0, max_value=1_000_000, initial=10)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def clean(self) -> dict:
        data = super().clean() or {}
        if (data.get("percent_off") is None) == (data.get("amount_off") is None):
            self.add_error("percent_off", _("Give either a percentage or an amount off."))
        return data


class LeaderboardForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"), choices=[("week", _("This week")), ("month", _("This month"))], required=False
    )
    course = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    group = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

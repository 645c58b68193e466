from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CheckoutForm(forms.Form):
    coupon = forms.CharField(label=_("Coupon code"), max_length=40, required=False)
    terms = forms.BooleanField(
        label=_("I accept the terms of sale and understand access starts right after payment."), required=False
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def clean_coupon(self) -> str:
        return self.cleaned_data["coupon"].strip()

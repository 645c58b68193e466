from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Channel, Kind


class PreferencesForm(forms.Form):
    """One radio group per kind (named by the kind) and the daily digest checkbox."""

    daily_digest = forms.BooleanField(label=_("Send me one daily summary instead of separate e-mails"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, choices=Channel.choices, widget=forms.RadioSelect
            )

    def kind_rows(self) -> list[tuple[str, forms.BoundField]]:
        return [(str(kind.label), self[kind.value]) for kind in Kind]

    def channels(self) -> dict[str, str]:
        return {kind.value: self.cleaned_data[kind.value] for kind in Kind}

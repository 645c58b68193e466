"""The period picker of the analytics pages: last 7/30/90 days or a custom range."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_DAYS = 366
DEFAULT_DAYS = 30
PRESETS = (7, 30, 90)


class PeriodForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[
            ("7", _("Last 7 days")),
            ("30", _("Last 30 days")),
            ("90", _("Last 90 days")),
            ("custom", _("Custom")),
        ],
    )
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict:
        data = super().clean() or {}
        today = timezone.localdate()
        period = data.get("period") or ""
        start, end = data.get("start"), data.get("end")
        if period != "custom" and not (start or end):
            days = int(period) if period in {str(p) for p in PRESETS} else DEFAULT_DAYS
            data["start"], data["end"] = today - timedelta(days=days - 1), today
            return data
        if self.errors:
            return data
        if start is None:
            self.add_error("start", _("Choose a start date."))
        if end is None:
            self.add_error("end", _("Choose an end date."))
        if start is None or end is None:
            return data
        if end > today:
            self.add_error("end", _("The period cannot end in the future."))
        elif start > end:
            self.add_error("start", _("The start must be on or before the end."))
        elif (end - start).days + 1 > MAX_DAYS:
            self.add_error(None, _("Choose at most %(days)s days.") % {"days": MAX_DAYS})
        return data

    def dates(self) -> tuple[date, date]:
        """The chosen period, or the last 30 days when the input is invalid."""
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        today = timezone.localdate()
        return today - timedelta(days=DEFAULT_DAYS - 1), today

    def is_custom(self) -> bool:
        return bool(self.data.get("period") == "custom" or self.data.get("start") or self.data.get("end"))

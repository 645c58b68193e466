"""Moderation forms: they parse and bound input; the services decide (and name the field at fault)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import ActionKind, AppealStatus, ReportReason, TargetKind
from .services.cases import DECISIONS, MUTE_DAYS

TEXTAREA = {"rows": 4}


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("What is wrong?"), choices=ReportReason.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note for the moderators"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Required when you choose “Something else”."),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)


class RulesAcceptForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)


class RulesForm(forms.Form):
    body_en = forms.CharField(
        label=_("Rules in English"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Markdown."), required=False,
    )  # fmt: skip
    body_zh = forms.CharField(
        label=_("Rules in Chinese"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Markdown."), required=False,
    )  # fmt: skip
    summary = forms.CharField(
        label=_("What changed"), max_length=200, required=False,
        help_text=_("Members read this before they accept the new version."),
    )  # fmt: skip


MUTE_LABELS = {1: _("1 day"), 3: _("3 days"), 7: _("7 days"), 30: _("30 days")}
MUTE_CHOICES = [(d, MUTE_LABELS[d]) for d in MUTE_DAYS]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[(d, ActionKind(d).label) for d in DECISIONS])
    reason = forms.CharField(
        label=_("Reason (the member reads it)"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    body = forms.CharField(label=_("Text"), max_length=20_000, required=False, widget=forms.Textarea(attrs=TEXTAREA))
    mute_days = forms.TypedChoiceField(
        label=_("Mute for"), choices=MUTE_CHOICES, coerce=int, required=False, empty_value=None
    )
    ban_until = forms.DateTimeField(
        label=_("Ban until (empty: for good)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("Why should the moderators change their decision?"),
        max_length=2000,
        widget=forms.Textarea(attrs=TEXTAREA),
    )


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(AppealStatus.UPHELD, _("Accept: undo the decision")), (AppealStatus.REJECTED, _("Reject"))]
    )
    note = forms.CharField(
        label=_("Note to the member"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class TakedownForm(forms.Form):
    claimant_name = forms.CharField(label=_("Your name"), max_length=120)
    claimant_email = forms.EmailField(label=_("E-mail"))
    organisation = forms.CharField(label=_("Organisation"), max_length=160, required=False)
    work = forms.CharField(
        label=_("The original work"), max_length=2000, widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("What it is and where the original is published."),
    )  # fmt: skip
    evidence = forms.CharField(
        label=_("Evidence that you hold the rights"), max_length=4000, widget=forms.Textarea(attrs=TEXTAREA)
    )
    location = forms.CharField(
        label=_("Where it is copied on this site"), max_length=500,
        help_text=_("The address of the page, e.g. https://…/community/t/12/"),
    )  # fmt: skip
    good_faith = forms.BooleanField(
        label=_(
            "I believe in good faith that this use is not authorised by the rights holder, and the "
            "information above is accurate."
        )
    )


class TakedownTargetForm(forms.Form):
    target_kind = forms.ChoiceField(label=pgettext_lazy("takedown", "Kind"), choices=TargetKind.choices)
    target_id = forms.IntegerField(label=_("Number"), min_value=1)


class TakedownStepForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

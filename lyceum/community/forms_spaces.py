"""Forms for spaces, threads and replies. They only shape input: the services validate."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lyceum.courses.models import Course

from .models import PostPolicy, SpaceKind, ThreadKind
from .models.spaces import BODY_MAX, TITLE_MAX

BODY_HELP = _(
    "Markdown: **bold**, `code`, ```fenced code blocks```, [links](https://…), ![images](https://…). "
    "Mention someone with @Name (their display name without spaces)."
)


class ThreadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ThreadKind.choices, initial=ThreadKind.DISCUSSION)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX, required=False)
    body = forms.CharField(
        label=_("Body"),
        widget=forms.Textarea(attrs={"rows": 10, "data-mention-input": ""}),
        max_length=BODY_MAX,
        required=False,
        help_text=BODY_HELP,
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=300, help_text=_("Up to five, separated by commas.")
    )

    def __init__(self, *args: Any, kinds: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = [(v, label) for v, label in ThreadKind.choices if v in kinds]


class ThreadEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX, required=False)
    body = forms.CharField(
        label=_("Body"),
        widget=forms.Textarea(attrs={"rows": 10, "data-mention-input": ""}),
        max_length=BODY_MAX,
        required=False,
        help_text=BODY_HELP,
    )
    tags = forms.CharField(label=_("Tags"), required=False, max_length=300)


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        widget=forms.Textarea(attrs={"rows": 5, "data-mention-input": ""}),
        max_length=BODY_MAX,
        required=False,
        help_text=BODY_HELP,
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class SpaceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    rules = forms.CharField(
        label=_("Rules summary"), widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text=_("Markdown.")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=SpaceKind.choices, initial=SpaceKind.GLOBAL)
    course = forms.ModelChoiceField(
        label=_("Course (course spaces)"), queryset=Course.objects.order_by("title"), required=False
    )
    access_courses = forms.ModelMultipleChoiceField(
        label=_("Courses whose learners may enter (members-only spaces)"),
        queryset=Course.objects.order_by("title"),
        required=False,
    )
    access_plans = forms.CharField(
        label=_("Membership plans (members-only spaces)"),
        required=False,
        help_text=_("Plan slugs separated by commas; empty with no courses means any membership."),
    )
    post_policy = forms.ChoiceField(label=_("Who may start threads"), choices=PostPolicy.choices)
    position = forms.IntegerField(label=_("Position"), min_value=0, initial=0, required=False)
    archived = forms.BooleanField(
        label=_("Archived"), required=False, help_text=_("Hidden from members; staff still see it. Nobody can post.")
    )

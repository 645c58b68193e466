"""Forms for course reviews. They parse; ``services/reviews.py`` decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models.reviews import REVIEW_TEXT_MAX

RATING_CHOICES = [
    (5, _("5 stars — excellent")),
    (4, _("4 stars — good")),
    (3, _("3 stars — okay")),
    (2, _("2 stars — poor")),
    (1, _("1 star — bad")),
]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "rating-input"}),
        error_messages={"required": _("Choose a rating from 1 to 5 stars.")},
    )
    text = forms.CharField(
        label=_("Your review"),
        required=False,
        max_length=REVIEW_TEXT_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What did you like? What could be better? Plain text; other learners will read it."),
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your reply"),
        required=False,
        max_length=REVIEW_TEXT_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown under the review as the instructor's reply. Leave empty to remove your reply."),
    )

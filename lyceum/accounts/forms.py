from __future__ import annotations

import zoneinfo
from functools import lru_cache
from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import MAX_WEEKLY_HOURS, Format, Goal, LearnerProfile, Level, StudyTime, Topic, User


class SignupForm(AllauthSignupForm):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        help_text=_("Shown next to your posts. You can change it later."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )

    field_order = ["display_name", "email", "password1", "password2"]


class SurveyForm(forms.Form):
    goals = forms.MultipleChoiceField(
        label=_("What brings you here?"),
        choices=Goal.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    weekly_hours = forms.IntegerField(
        label=_("How many hours a week can you study?"),
        min_value=0,
        max_value=MAX_WEEKLY_HOURS,
        required=False,
    )
    formats = forms.MultipleChoiceField(
        label=_("How do you like to learn?"),
        choices=Format.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    study_time = forms.ChoiceField(
        label=_("When do you usually study?"),
        choices=StudyTime.choices,
        widget=forms.RadioSelect,
        required=False,
    )

    LEVEL_CHOICES = [("", _("Not interested")), *Level.choices]

    def __init__(self, *args: Any, topics: list[Topic], profile: LearnerProfile | None = None, **kwargs: Any):
        initial: dict[str, Any] = kwargs.pop("initial", {}) or {}
        if profile is not None:
            initial.setdefault("goals", [g.goal for g in profile.goals.all()])
            initial.setdefault("formats", [f.format for f in profile.formats.all()])
            initial.setdefault("weekly_hours", profile.weekly_hours)
            initial.setdefault("study_time", profile.study_time)
            for interest in profile.interests.all():
                initial.setdefault(f"topic_{interest.topic.slug}", interest.level)
        super().__init__(*args, initial=initial, **kwargs)
        self.topics = topics
        for topic in topics:
            self.fields[f"topic_{topic.slug}"] = forms.ChoiceField(
                label=topic.name, choices=self.LEVEL_CHOICES, required=False
            )

    def topic_fields(self) -> list[forms.BoundField]:
        return [self[f"topic_{t.slug}"] for t in self.topics]

    def interests(self) -> dict[str, str]:
        return {
            t.slug: self.cleaned_data[f"topic_{t.slug}"]
            for t in self.topics
            if self.cleaned_data.get(f"topic_{t.slug}")
        }


@lru_cache(maxsize=1)
def timezone_choices() -> list[tuple[str, str]]:
    names = sorted(n for n in zoneinfo.available_timezones() if "/" in n and not n.startswith(("Etc/", "SystemV/")))
    return [(n, n.replace("_", " ")) for n in ["UTC", *names]]


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=80)
    bio = forms.CharField(
        label=_("Bio"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Markdown is supported."),
    )
    avatar = forms.ImageField(label=_("Avatar"), required=False, help_text=_("PNG, JPEG, WebP or GIF, up to 2 MB."))
    remove_avatar = forms.BooleanField(label=_("Remove current avatar"), required=False)
    locale = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Same as browser")), *settings.LANGUAGES], required=False
    )
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices)

    @classmethod
    def for_user(cls, user: User, *args: Any, **kwargs: Any) -> ProfileForm:
        initial = {
            "display_name": user.display_name,
            "bio": user.bio,
            "locale": user.locale,
            "timezone": user.timezone,
        }
        return cls(*args, initial=initial, **kwargs)


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}), required=False
    )
    confirm = forms.BooleanField(label=_("I understand this cannot be undone."))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if user.has_usable_password():
            self.fields["password"].required = True

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password", "")
        if self.user.has_usable_password() and not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."))
        return password

"""Forms of the learning-path pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lyceum.accounts.models import Level, Topic
from lyceum.courses.models import Course, CourseStatus

from . import paths

CURATED_SLOTS = 8


class _CourseChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} · {obj.get_level_display()}"


def _published() -> Any:
    return Course.objects.filter(status=CourseStatus.PUBLISHED).order_by("title")


class WeeklyMinutesField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Minutes per week"))
        super().__init__(min_value=paths.MIN_WEEKLY_MINUTES, max_value=paths.MAX_WEEKLY_MINUTES, **kwargs)


class GoalForm(forms.Form):
    """Plan a path to a course, or to a topic at a level."""

    course = _CourseChoice(queryset=Course.objects.none(), required=False, label=_("A course"))
    topic = forms.ModelChoiceField(
        queryset=Topic.objects.all(), required=False, to_field_name="slug", label=_("or a topic")
    )
    level = forms.ChoiceField(choices=Level.choices, required=False, initial=Level.BEGINNER, label=_("at level"))
    weekly_minutes = WeeklyMinutesField(required=False, help_text=_("Leave empty to use your survey answer."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = _published()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        course, topic = data.get("course"), data.get("topic")
        if bool(course) == bool(topic):
            raise forms.ValidationError(_("Choose a course, or a topic and a level."))
        if course is not None:
            data["goal"] = f"course:{course.pk}"
        elif topic is not None:
            data["goal"] = f"topic:{topic.slug}:{data.get('level') or 'beginner'}"
        return data


class StartForm(forms.Form):
    weekly_minutes = WeeklyMinutesField(required=False, help_text=_("Leave empty to use your survey answer."))


class BudgetForm(forms.Form):
    weekly_minutes = WeeklyMinutesField()


class CuratedPathForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    slug = forms.SlugField(
        label=_("Address"), max_length=60, required=False, help_text=_("Made from the title when left empty.")
    )
    description = forms.CharField(label=_("Description"), max_length=4000, required=False, widget=forms.Textarea)
    is_published = forms.BooleanField(label=_("Published"), required=False, initial=True)

    def __init__(self, *args: Any, slots: int = CURATED_SLOTS, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["slug"]
        courses = _published()
        for i in range(1, slots + 1):
            self.fields[f"step_{i}"] = _CourseChoice(queryset=courses, required=False, label=_("Step %(n)d") % {"n": i})

    def step_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith("step_")]

    def course_ids(self) -> list[int]:
        return [c.pk for name, c in self.cleaned_data.items() if name.startswith("step_") and c is not None]

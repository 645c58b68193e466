"""Forms of the study group pages. They parse; the services validate again and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lyceum.accounts.models import Topic
from lyceum.courses.models import Course, CourseStatus

from .access import standing
from .models import GroupVisibility
from .models.groups import GROUP_SIZE_MAX
from .services.groups import DESCRIPTION_MAX, GOAL_MINUTES_MAX, GOAL_TEXT_MAX, MINUTES_MAX, NAME_MAX, NOTE_MAX, POST_MAX


def course_choices(user: Any) -> list[tuple[Any, Any]]:
    """Courses first that the user studies or teaches, then the rest of the catalogue."""
    s = standing(user)
    mine_ids = s.course_ids | s.instructed_course_ids
    courses = list(
        Course.objects.filter(Q(status=CourseStatus.PUBLISHED) | Q(pk__in=mine_ids))
        .only("pk", "title")
        .order_by("title", "pk")
    )
    mine = [(c.pk, c.title) for c in courses if c.pk in mine_ids]
    rest = [(c.pk, c.title) for c in courses if c.pk not in mine_ids]
    choices: list[tuple[Any, Any]] = [("", _("No course"))]
    if mine:
        choices.append((_("My courses"), mine))
    if rest:
        choices.append((_("All courses"), rest))
    return choices


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Group name"), max_length=NAME_MAX)
    description = forms.CharField(
        label=_("What the group is about"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    course = forms.TypedChoiceField(label=_("Course studied together"), coerce=int, empty_value=None, required=False)
    topic = forms.TypedChoiceField(label=_("Topic"), coerce=int, empty_value=None, required=False)
    visibility = forms.ChoiceField(
        label=_("Who can join"), choices=GroupVisibility.choices, widget=forms.RadioSelect, initial="public"
    )
    max_members = forms.IntegerField(label=_("Size limit"), min_value=2, max_value=GROUP_SIZE_MAX, initial=20)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].choices = course_choices(user)  # type: ignore[attr-defined]
        self.fields["topic"].choices = [("", _("No topic")), *[(t.pk, t.name) for t in Topic.objects.all()]]  # type: ignore[attr-defined]


class GroupCreateForm(GroupForm):
    weekly_goal_minutes = forms.IntegerField(
        label=_("Weekly goal (minutes per member)"), min_value=0, max_value=GOAL_MINUTES_MAX, initial=120
    )
    weekly_goal_text = forms.CharField(
        label=_("This week's goal"),
        max_length=GOAL_TEXT_MAX,
        required=False,
        help_text=_("For example: finish module 2 and share one takeaway."),
    )


class GoalForm(forms.Form):
    weekly_goal_minutes = forms.IntegerField(
        label=_("Minutes per member this week"), min_value=0, max_value=GOAL_MINUTES_MAX
    )
    weekly_goal_text = forms.CharField(label=_("This week's goal"), max_length=GOAL_TEXT_MAX, required=False)


class CheckInForm(forms.Form):
    minutes = forms.IntegerField(
        label=_("Minutes studied today"),
        min_value=1,
        max_value=MINUTES_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "checkin-minutes", "placeholder": "40"}),
    )
    note = forms.CharField(
        label=_("What did you do?"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Finished lesson 3, took notes on joins")}),
    )
    lesson = forms.TypedChoiceField(label=_("Lesson"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args: Any, lessons: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        if lessons:
            modules: dict[int, tuple[str, list[tuple[int, str]]]] = {}
            for lesson in lessons:  # grouped by module, in outline order
                modules.setdefault(lesson.module_id, (lesson.module.title, []))[1].append((lesson.pk, lesson.title))
            groups = list(modules.values())
            grouped: list[Any] = groups if len(groups) > 1 else groups[0][1]
            self.fields["lesson"].choices = [("", _("No lesson")), *grouped]  # type: ignore[attr-defined]
        else:
            del self.fields["lesson"]


class PostForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=POST_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("Share a question, a resource or a win…")}),
        help_text=_("Markdown works: **bold**, `code`, links."),
    )


class DiscoverForm(forms.Form):
    q = forms.CharField(label=_("Search groups"), max_length=80, required=False)
    topic = forms.TypedChoiceField(label=_("Topic"), coerce=int, empty_value=None, required=False)
    course = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", _("All topics")), *[(t.pk, t.name) for t in Topic.objects.all()]]  # type: ignore[attr-defined]

"""Studio and review forms. They parse input; the rules live in ``courses.services``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lyceum.accounts.models import Level

from .models import (
    REVIEW_CHECKLIST,
    Category,
    Course,
    CourseLanguage,
    CourseStatus,
    LessonKind,
    MatchMode,
    Question,
    QuestionKind,
)
from .services import MAX_CHOICES, LessonData, QuestionData


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _markdown_area(rows: int = 10) -> forms.Textarea:
    # studio.js adds a live preview to textareas marked data-markdown.
    return forms.Textarea(attrs={"rows": rows, "data-markdown": "1"})


class CourseCreateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    subtitle = forms.CharField(label=_("Subtitle"), max_length=240, required=False)
    slug = forms.CharField(
        label=_("Web address"),
        max_length=120,
        required=False,
        help_text=_("Lowercase Latin letters, digits and hyphens. Leave empty to make one from the title."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=CourseLanguage.choices)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)


class CourseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    subtitle = forms.CharField(label=_("Subtitle"), max_length=240, required=False)
    slug = forms.CharField(label=_("Web address"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=_markdown_area(12), help_text=_("Markdown is supported.")
    )
    objectives = forms.CharField(
        label=_("What learners will learn"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One objective per line."),
    )
    cover = forms.FileField(
        label=_("Cover image"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}),
        help_text=_("PNG, JPEG, WebP or GIF."),
    )
    remove_cover = forms.BooleanField(label=_("Remove the cover image"), required=False)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all(), required=False)
    tags = forms.CharField(label=_("Tags"), required=False, max_length=800, help_text=_("Separate tags with commas."))
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    language = forms.ChoiceField(label=_("Language"), choices=CourseLanguage.choices)
    estimated_hours = forms.DecimalField(
        label=_("Estimated hours"), min_value=Decimal(0), max_value=Decimal("9999.9"), decimal_places=1
    )
    prerequisites = forms.ModelMultipleChoiceField(
        label=_("Prerequisites"),
        queryset=Course.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Published courses learners should take first."),
    )
    is_free = forms.BooleanField(label=_("Free course"), required=False)
    downloads_allowed = forms.BooleanField(label=_("Learners may download videos and files"), required=False)

    def __init__(self, *args: Any, course: Course, **kwargs: Any) -> None:
        initial = {
            "title": course.title,
            "subtitle": course.subtitle,
            "slug": course.slug,
            "description": course.description,
            "objectives": course.objectives,
            "category": course.category_id,
            "tags": ", ".join(t.name for t in course.tags.all()),
            "level": course.level,
            "language": course.language,
            "estimated_hours": course.estimated_hours,
            "prerequisites": [c.pk for c in course.prerequisites.all()],
            "is_free": course.is_free,
            "downloads_allowed": course.downloads_allowed,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.course = course
        self.fields["prerequisites"].queryset = Course.objects.filter(  # type: ignore[attr-defined]
            status=CourseStatus.PUBLISHED
        ).exclude(pk=course.pk)
        if course.published_at is not None:
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = _("The address stays fixed once the course has been published.")
        if not course.cover:
            del self.fields["remove_cover"]

    def tag_names(self) -> list[str]:
        raw = self.cleaned_data.get("tags", "").replace("，", ",")
        return [name.strip() for name in raw.split(",") if name.strip()]


class InstructorAddForm(forms.Form):
    email = forms.EmailField(label=_("Co-instructor's e-mail"))


class ModuleForm(forms.Form):
    title = forms.CharField(label=_("Module title"), max_length=160)
    release_at = forms.DateTimeField(
        label=_("Opens on"), required=False, widget=DateTimeLocalInput(), help_text=_("Leave empty to open at once.")
    )
    release_after_days = forms.IntegerField(
        label=_("Opens after days enrolled"),
        required=False,
        min_value=0,
        max_value=3650,
        help_text=_("Drip release: the number of days after a learner enrols."),
    )


class LessonForm(forms.Form):
    title = forms.CharField(label=_("Lesson title"), max_length=160)
    kind = forms.ChoiceField(label=_("Kind"), choices=LessonKind.choices, widget=forms.Select(attrs={"data-kind": "1"}))
    body = forms.CharField(
        label=_("Content"),
        required=False,
        widget=_markdown_area(14),
        help_text=_("Markdown. The lesson text, or notes shown with a video, audio, file, quiz or live session."),
    )
    media = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_(
            "Video: MP4, WebM or MOV. Audio: MP3, M4A, OGG or WAV. "
            "File: PDF, ZIP, EPUB or an office document. A new upload replaces the old file."
        ),
    )
    live_url = forms.URLField(label=_("Live session link"), required=False, max_length=200, assume_scheme="https")
    live_starts_at = forms.DateTimeField(label=_("Live session starts"), required=False, widget=DateTimeLocalInput())
    duration_minutes = forms.IntegerField(
        label=_("Length in minutes"),
        required=False,
        min_value=0,
        max_value=24 * 60,
        help_text=_("For text, file, quiz and live lessons; video and audio are measured automatically."),
    )
    is_preview = forms.BooleanField(label=_("Free preview (anyone may open it)"), required=False)
    is_required = forms.BooleanField(label=_("Required to complete the course"), required=False, initial=True)
    release_at = forms.DateTimeField(
        label=_("Opens on"), required=False, widget=DateTimeLocalInput(), help_text=_("Leave empty to open at once.")
    )
    release_after_days = forms.IntegerField(
        label=_("Opens after days enrolled"), required=False, min_value=0, max_value=3650
    )

    # Which fields studio.js shows for which kind (all show without JavaScript).
    KIND_FIELDS = {
        "media": "video audio file",
        "live_url": "live",
        "live_starts_at": "live",
        "duration_minutes": "text file quiz live",
    }

    @classmethod
    def initial_for(cls, lesson: Any) -> dict[str, Any]:
        return {
            "title": lesson.title,
            "kind": lesson.kind,
            "body": lesson.body,
            "live_url": lesson.live_url,
            "live_starts_at": lesson.live_starts_at,
            "duration_minutes": round(lesson.duration_seconds / 60) if lesson.duration_seconds else None,
            "is_preview": lesson.is_preview,
            "is_required": lesson.is_required,
            "release_at": lesson.release_at,
            "release_after_days": lesson.release_after_days,
        }

    def lesson_data(self) -> LessonData:
        data = self.cleaned_data
        minutes = data.get("duration_minutes")
        return LessonData(
            title=data["title"],
            kind=data["kind"],
            body=data.get("body", ""),
            is_preview=data.get("is_preview", False),
            is_required=data.get("is_required", False),
            release_at=data.get("release_at"),
            release_after_days=data.get("release_after_days"),
            live_url=data.get("live_url", ""),
            live_starts_at=data.get("live_starts_at"),
            duration_seconds=minutes * 60 if minutes is not None else None,
        )


class QuizSettingsForm(forms.Form):
    pass_percent = forms.IntegerField(label=_("Pass mark (%)"), min_value=0, max_value=100)
    max_attempts = forms.IntegerField(
        label=_("Attempts allowed"), min_value=0, max_value=100, help_text=_("0 means unlimited.")
    )


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=QuestionKind.choices, widget=forms.Select(attrs={"data-question-kind": "1"})
    )
    prompt = forms.CharField(label=_("Question"), widget=_markdown_area(4), help_text=_("Markdown is supported."))
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=100, initial=1)
    true_false_answer = forms.ChoiceField(
        label=_("The statement is"),
        choices=[("true", _("True")), ("false", _("False"))],
        required=False,
        widget=forms.RadioSelect,
    )
    accepted_answers = forms.CharField(
        label=_("Accepted answers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Short answers: one accepted answer per line."),
    )
    match_mode = forms.ChoiceField(
        label=_("Match answers by"), choices=MatchMode.choices, initial=MatchMode.EXACT, required=False
    )
    case_sensitive = forms.BooleanField(label=_("Upper and lower case must match"), required=False)
    explanation = forms.CharField(
        label=_("Explanation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the learner after answering."),
    )

    def __init__(self, *args: Any, language: str = "en", question: Question | None = None, **kwargs: Any) -> None:
        initial: dict[str, Any] = kwargs.pop("initial", None) or {}
        if question is not None:
            initial.update(
                kind=question.kind,
                prompt=question.prompt,
                points=question.points,
                accepted_answers="\n".join(question.accepted_answers or []),
                match_mode=question.match_mode,
                case_sensitive=question.case_sensitive,
                explanation=question.explanation,
            )
            choices = list(question.choices.all())
            for index, choice in enumerate(choices[:MAX_CHOICES], start=1):
                initial[f"choice_{index}"] = choice.text
                initial[f"correct_{index}"] = choice.is_correct
            if question.kind == QuestionKind.TRUE_FALSE and choices:
                initial["true_false_answer"] = "true" if choices[0].is_correct else "false"
        super().__init__(*args, initial=initial, **kwargs)
        self.language = language
        for index in range(1, MAX_CHOICES + 1):
            self.fields[f"choice_{index}"] = forms.CharField(
                label=_("Answer %(n)s") % {"n": index}, max_length=500, required=False
            )
            self.fields[f"correct_{index}"] = forms.BooleanField(label=_("Correct"), required=False)

    def choice_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"choice_{i}"], self[f"correct_{i}"]) for i in range(1, MAX_CHOICES + 1)]

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("kind", "prompt", "points")]

    def short_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("accepted_answers", "match_mode", "case_sensitive")]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == QuestionKind.TRUE_FALSE and not data.get("true_false_answer"):
            self.add_error("true_false_answer", _("Say whether the statement is true or false."))
        return data

    def question_data(self) -> QuestionData:
        data = self.cleaned_data
        kind = data["kind"]
        if kind == QuestionKind.TRUE_FALSE:
            # Stored as two choices, worded in the course's language.
            with translation.override(self.language):
                is_true = data["true_false_answer"] == "true"
                choices = [(gettext("True"), is_true), (gettext("False"), not is_true)]
        else:
            choices = [(data.get(f"choice_{i}", ""), bool(data.get(f"correct_{i}"))) for i in range(1, MAX_CHOICES + 1)]
        return QuestionData(
            kind=kind,
            prompt=data["prompt"],
            explanation=data.get("explanation", ""),
            points=data["points"],
            choices=choices,
            accepted_answers=data.get("accepted_answers", "").splitlines(),
            match_mode=data.get("match_mode") or MatchMode.EXACT,
            case_sensitive=data.get("case_sensitive", False),
        )


class SubmitForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the reviewer"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: what to look at, what changed since the last review."),
    )


class ChangeForm(forms.Form):
    summary = forms.CharField(
        label=_("What changed"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Learners see this in the course's changelog, with the date."),
    )


class ReviewForm(forms.Form):
    checklist = forms.MultipleChoiceField(
        label=_("Quality checklist"),
        choices=REVIEW_CHECKLIST,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick every item to approve."),
    )
    comments = forms.CharField(
        label=_("Comments for the instructors"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Required when you send the course back. Markdown is supported."),
    )
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve and publish")), ("send_back", _("Send back with comments"))],
        widget=forms.HiddenInput,
    )


class PreviewForm(forms.Form):
    text = forms.CharField(required=False, max_length=200_000, strip=False)

"""Forms of the survey builder and of the learner's answer page. They only parse; the
services validate (and their errors come back onto these fields)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lyceum.courses.models import Course

from .models import QuestionKind, SurveyAudience, SurveyQuestion


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class SurveyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    intro = forms.CharField(
        label=_("Introduction"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown above the questions: why you ask and how long it takes."),
    )
    audience = forms.ChoiceField(label=_("Who is asked"), choices=SurveyAudience.choices)
    course = forms.ModelChoiceField(
        label=_("Course"),
        required=False,
        queryset=Course.objects.order_by("title"),
        help_text=_(
            "Needed unless everyone is asked. Dropped = enrolled, not finished, and no learning activity for 30 days."
        ),
    )
    opens_at = forms.DateTimeField(
        label=_("Opens"), required=False, widget=DateTimeLocalInput(), help_text=_("Empty: as soon as it is published.")
    )
    closes_at = forms.DateTimeField(
        label=_("Closes"), required=False, widget=DateTimeLocalInput(), help_text=_("Empty: open until closed by hand.")
    )


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("Question"), max_length=300)
    options = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Single and multiple choice only: one option per line, 2 to 20."),
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)

    @classmethod
    def for_question(cls, question: SurveyQuestion, data: Any = None, **kwargs: Any) -> QuestionForm:
        initial = {
            "kind": question.kind,
            "text": question.text,
            "options": "\n".join(question.options),
            "required": question.required,
        }
        return cls(data, initial=initial, **kwargs)

    def option_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("options", "").splitlines() if line.strip()]


class _LenientChoice(forms.ChoiceField):
    """Renders the choices but lets any value through: the service says what is wrong."""

    def valid_value(self, value: Any) -> bool:
        return True


class _LenientMultipleChoice(forms.MultipleChoiceField):
    def valid_value(self, value: Any) -> bool:
        return True


class AnswerForm(forms.Form):
    """One field per question, named ``q_<id>``. Fields are optional here: the service decides
    what is required and in range, so the page and the API say the same thing."""

    def __init__(self, *args: Any, questions: list[SurveyQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            self.fields[self.name_for(q.pk)] = self._field(q)

    @staticmethod
    def name_for(question_id: int | str) -> str:
        return f"q_{question_id}"

    @staticmethod
    def _field(q: SurveyQuestion) -> forms.Field:
        label = q.text
        if q.kind == QuestionKind.SINGLE:
            choices = [(str(i), o) for i, o in enumerate(q.options)]
            return _LenientChoice(label=label, required=False, choices=choices, widget=forms.RadioSelect)
        if q.kind == QuestionKind.MULTIPLE:
            choices = [(str(i), o) for i, o in enumerate(q.options)]
            return _LenientMultipleChoice(
                label=label, required=False, choices=choices, widget=forms.CheckboxSelectMultiple
            )
        if q.kind == QuestionKind.SCALE:
            choices = [(str(i), str(i)) for i in range(1, 6)]
            return _LenientChoice(label=label, required=False, choices=choices, widget=forms.RadioSelect)
        if q.kind == QuestionKind.NPS:
            choices = [(str(i), str(i)) for i in range(0, 11)]
            return _LenientChoice(label=label, required=False, choices=choices, widget=forms.RadioSelect)
        return forms.CharField(label=label, required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))

    def rows(self) -> list[tuple[SurveyQuestion, forms.BoundField]]:
        return [(q, self[self.name_for(q.pk)]) for q in self.questions]

    def answers(self) -> dict[int, Any]:
        return {q.pk: self.cleaned_data.get(self.name_for(q.pk)) for q in self.questions}

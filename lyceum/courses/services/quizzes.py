"""Quizzes and their questions (studio quiz builder)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from lyceum.accounts.models import User
from lyceum.core.errors import ValidationFailed

from ..models import (
    Choice,
    Lesson,
    LessonKind,
    MatchMode,
    Question,
    QuestionKind,
    Quiz,
)
from ._common import MAX_CHOICES, _clean_text, _emit_course_updated, _require_editor
from .outline import _move, _renumber

# --- Quizzes ---


@transaction.atomic
def quiz_update(*, actor: User, lesson: Lesson, pass_percent: int, max_attempts: int) -> Quiz:
    _require_editor(actor, lesson.course)
    if lesson.kind != LessonKind.QUIZ:
        raise ValidationFailed(_("This lesson is not a quiz."), field="kind")
    if not 0 <= pass_percent <= 100:
        raise ValidationFailed(_("The pass mark is a percentage from 0 to 100."), field="pass_percent")
    if not 0 <= max_attempts <= 100:
        raise ValidationFailed(_("Allow from 0 (unlimited) to 100 attempts."), field="max_attempts")
    quiz, _created = Quiz.objects.get_or_create(lesson=lesson)
    quiz.pass_percent = pass_percent
    quiz.max_attempts = max_attempts
    quiz.save(update_fields=["pass_percent", "max_attempts"])
    _emit_course_updated(actor, lesson.course, part="quiz", action="updated", lesson_id=lesson.pk)
    return quiz


@dataclass(frozen=True)
class QuestionData:
    """A quiz question. Choice questions carry ``choices`` as (text, is correct) in order;
    true/false questions carry exactly two (the "true" one first); short answers carry
    ``accepted_answers`` (exact texts, or regular expressions with ``match_mode="regex"``)."""

    kind: str
    prompt: str
    explanation: str = ""
    points: int = 1
    choices: list[tuple[str, bool]] = field(default_factory=list)
    accepted_answers: list[str] = field(default_factory=list)
    match_mode: str = MatchMode.EXACT
    case_sensitive: bool = False


def _clean_question(data: QuestionData) -> QuestionData:
    if data.kind not in QuestionKind.values:
        raise ValidationFailed(_("Unknown kind of question."), field="kind")
    prompt = _clean_text(data.prompt, field="prompt", max_length=5000)
    if not prompt:
        raise ValidationFailed(_("Write the question."), field="prompt")
    explanation = _clean_text(data.explanation, field="explanation", max_length=5000)
    if not 1 <= data.points <= 100:
        raise ValidationFailed(_("A question is worth from 1 to 100 points."), field="points")
    choices = [(text.strip(), bool(correct)) for text, correct in data.choices if text.strip()]
    accepted = [a.strip() for a in data.accepted_answers if a.strip()]
    if any(len(text) > 500 for text, _correct in choices):
        raise ValidationFailed(_("An answer has at most 500 characters."), field="choices")
    correct = sum(1 for _text, is_correct in choices if is_correct)
    if data.kind == QuestionKind.SHORT:
        if data.match_mode not in MatchMode.values:
            raise ValidationFailed(_("Unknown match mode."), field="match_mode")
        if not accepted:
            raise ValidationFailed(_("Give at least one accepted answer."), field="accepted_answers")
        if any(len(a) > 200 for a in accepted):
            raise ValidationFailed(_("An accepted answer has at most 200 characters."), field="accepted_answers")
        if data.match_mode == MatchMode.REGEX:
            for pattern in accepted:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValidationFailed(
                        _("“%(p)s” is not a valid regular expression: %(e)s") % {"p": pattern, "e": exc},
                        field="accepted_answers",
                    ) from exc
        choices = []
    else:
        accepted = []
        if data.kind == QuestionKind.TRUE_FALSE and len(choices) != 2:
            raise ValidationFailed(_("A true-or-false question has exactly two answers."), field="choices")
        if len(choices) < 2:
            raise ValidationFailed(_("Give at least two answers."), field="choices")
        if len(choices) > MAX_CHOICES:
            raise ValidationFailed(_("Give at most %(n)s answers.") % {"n": MAX_CHOICES}, field="choices")
        if data.kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE) and correct != 1:
            raise ValidationFailed(_("Mark exactly one answer as correct."), field="choices")
        if data.kind == QuestionKind.MULTIPLE and correct < 1:
            raise ValidationFailed(_("Mark at least one answer as correct."), field="choices")
    return QuestionData(
        kind=data.kind,
        prompt=prompt,
        explanation=explanation,
        points=data.points,
        choices=choices,
        accepted_answers=accepted,
        match_mode=data.match_mode if data.kind == QuestionKind.SHORT else MatchMode.EXACT,
        case_sensitive=data.case_sensitive if data.kind == QuestionKind.SHORT else False,
    )


def _save_choices(question: Question, choices: list[tuple[str, bool]]) -> None:
    """Update choices in place by position, so earlier attempts keep pointing at the same rows."""
    existing = list(question.choices.order_by("position", "id"))
    for position, (text, correct) in enumerate(choices):
        if position < len(existing):
            choice = existing[position]
            if (choice.text, choice.is_correct, choice.position) != (text, correct, position):
                choice.text, choice.is_correct, choice.position = text, correct, position
                choice.save(update_fields=["text", "is_correct", "position"])
        else:
            Choice.objects.create(question=question, text=text, is_correct=correct, position=position)
    for choice in existing[len(choices) :]:
        choice.delete()


def _apply_question(question: Question, data: QuestionData) -> None:
    question.kind = data.kind
    question.prompt = data.prompt
    question.explanation = data.explanation
    question.points = data.points
    question.accepted_answers = data.accepted_answers
    question.match_mode = data.match_mode
    question.case_sensitive = data.case_sensitive


@transaction.atomic
def question_create(*, actor: User, quiz: Quiz, data: QuestionData) -> Question:
    lesson = quiz.lesson
    _require_editor(actor, lesson.course)
    data = _clean_question(data)
    position = (quiz.questions.aggregate(m=Max("position"))["m"] or 0) + 1 if quiz.questions.exists() else 0
    question = Question(quiz=quiz, position=position)
    _apply_question(question, data)
    question.save()
    _save_choices(question, data.choices)
    _emit_course_updated(actor, lesson.course, part="question", action="created", question_id=question.pk)
    return question


@transaction.atomic
def question_update(*, actor: User, question: Question, data: QuestionData) -> Question:
    course = question.quiz.lesson.course
    _require_editor(actor, course)
    data = _clean_question(data)
    _apply_question(question, data)
    question.save()
    _save_choices(question, data.choices)
    _emit_course_updated(actor, course, part="question", action="updated", question_id=question.pk)
    return question


@transaction.atomic
def question_delete(*, actor: User, question: Question) -> None:
    quiz = question.quiz
    course = quiz.lesson.course
    _require_editor(actor, course)
    question_id = question.pk
    question.delete()
    _renumber(list(Question.objects.select_for_update().filter(quiz=quiz).order_by("position", "id")))
    _emit_course_updated(actor, course, part="question", action="deleted", question_id=question_id)


@transaction.atomic
def question_move(*, actor: User, question: Question, direction: str) -> bool:
    course = question.quiz.lesson.course
    _require_editor(actor, course)
    questions = list(Question.objects.select_for_update().filter(quiz_id=question.quiz_id).order_by("position", "id"))
    moved = _move(questions, question.pk, direction)
    if moved:
        _emit_course_updated(actor, course, part="question", action="moved", question_id=question.pk)
    return moved

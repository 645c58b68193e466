"""Small builders for courses with modules, lessons and quizzes (test data only)."""

from __future__ import annotations

import itertools
from typing import Any

from django.utils import timezone

from lyceum.courses.models import (
    Choice,
    Course,
    CourseInstructor,
    CourseStatus,
    Lesson,
    LessonKind,
    MatchMode,
    Module,
    Question,
    QuestionKind,
    Quiz,
)

_seq = itertools.count(1)


def make_course(
    *,
    instructor: Any = None,
    status: str = CourseStatus.PUBLISHED,
    is_free: bool = True,
    lessons: int = 3,
    **fields: Any,
) -> Course:
    n = next(_seq)
    course = Course.objects.create(
        slug=fields.pop("slug", f"course-{n}"),
        title=fields.pop("title", f"Course {n}"),
        status=status,
        is_free=is_free,
        published_at=timezone.now() if status == CourseStatus.PUBLISHED else None,
        **fields,
    )
    if instructor is not None:
        CourseInstructor.objects.create(course=course, user=instructor)
    module = Module.objects.create(course=course, title="Module 1", position=0)
    for i in range(lessons):
        Lesson.objects.create(
            course=course, module=module, title=f"Lesson {i + 1}", position=i, body=f"Body **{i + 1}**",
            is_preview=(i == 0),
        )  # fmt: skip
    return course


def add_lesson(course: Course, **fields: Any) -> Lesson:
    module = fields.pop("module", None) or course.modules.first()
    position = course.lessons.count()
    return Lesson.objects.create(
        course=course, module=module, position=position, title=fields.pop("title", "Extra"), **fields
    )


def add_quiz(course: Course, *, pass_percent: int = 60, max_attempts: int = 0) -> Quiz:
    """A quiz lesson with one question of every kind; returns the quiz."""
    lesson = add_lesson(course, title="Check yourself", kind=LessonKind.QUIZ)
    quiz = Quiz.objects.create(lesson=lesson, pass_percent=pass_percent, max_attempts=max_attempts)
    single = Question.objects.create(
        quiz=quiz, kind=QuestionKind.SINGLE, prompt="2 + 2?", explanation="Four.", position=0
    )
    Choice.objects.create(question=single, text="3", position=0)
    Choice.objects.create(question=single, text="4", is_correct=True, position=1)
    multiple = Question.objects.create(quiz=quiz, kind=QuestionKind.MULTIPLE, prompt="Primes?", position=1)
    Choice.objects.create(question=multiple, text="2", is_correct=True, position=0)
    Choice.objects.create(question=multiple, text="3", is_correct=True, position=1)
    Choice.objects.create(question=multiple, text="4", position=2)
    true_false = Question.objects.create(quiz=quiz, kind=QuestionKind.TRUE_FALSE, prompt="Python is typed?", position=2)
    Choice.objects.create(question=true_false, text="True", is_correct=True, position=0)
    Choice.objects.create(question=true_false, text="False", position=1)
    Question.objects.create(
        quiz=quiz, kind=QuestionKind.SHORT, prompt="Capital of France?", position=3, accepted_answers=["Paris"],
    )  # fmt: skip
    Question.objects.create(
        quiz=quiz, kind=QuestionKind.SHORT, prompt="A year in the 1990s?", position=4,
        accepted_answers=[r"199\d"], match_mode=MatchMode.REGEX,
    )  # fmt: skip
    return quiz


def right_answers(quiz: Quiz) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for q in quiz.questions.all():
        correct = [c.pk for c in q.choices.all() if c.is_correct]
        if q.kind == QuestionKind.MULTIPLE:
            answers[str(q.pk)] = correct
        elif q.kind == QuestionKind.SHORT:
            answers[str(q.pk)] = "  paris " if q.match_mode == MatchMode.EXACT else "1994"
        else:
            answers[str(q.pk)] = correct[0]
    return answers

"""Demo learning history: most learners start a course or two, fewer finish.

Runs after the accounts and courses demos. Everything goes through learning.services
with backdated ``at`` times so analytics see a plausible past.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction

from lyceum.accounts.models import TopicInterest, User
from lyceum.courses.models import Course, CourseStatus, LessonKind, QuestionKind

from . import services
from .models import Enrollment


def _right_answers(quiz: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question in quiz.questions.all():
        correct = [c.pk for c in question.choices.all() if c.is_correct]
        if question.kind == QuestionKind.MULTIPLE:
            answers[str(question.pk)] = correct
        elif correct:
            answers[str(question.pk)] = correct[0]
        elif question.kind == QuestionKind.TRUE_FALSE:
            expected = str((question.accepted_answers or ["true"])[0]).lower() in {"true", "1", "yes"}
            answers[str(question.pk)] = expected
        elif question.match_mode == "exact" and question.accepted_answers:
            answers[str(question.pk)] = str(question.accepted_answers[0])
    return answers


def seed(ctx: Any) -> None:
    rng = ctx.rng
    courses = list(
        Course.objects.filter(status=CourseStatus.PUBLISHED, is_free=True)
        .select_related("category")
        .prefetch_related("lessons__quiz__questions__choices")
        .order_by("pk")
    )
    if not courses:
        ctx.stdout.write("learning: no free published courses to enroll in")
        return
    by_topic: dict[int | None, list[Course]] = {}
    for course in courses:
        by_topic.setdefault(course.category.topic_id if course.category else None, []).append(course)
    interests: dict[int, set[int]] = {}
    for user_id, topic_id in TopicInterest.objects.values_list("profile__user_id", "topic_id"):
        interests.setdefault(user_id, set()).add(topic_id)
    learners = list(User.objects.filter(email__startswith="learner", email__endswith="@example.com").order_by("email"))
    created = 0
    for user in ctx.progress(learners, desc="learning", total=len(learners)):
        # Draw the whole plan first so reruns consume the random stream identically.
        liked = [c for t in sorted(interests.get(user.pk, set())) for c in by_topic.get(t, [])]
        pool = liked or courses
        n_courses = rng.choices([0, 1, 2, 3], weights=[0.15, 0.4, 0.3, 0.15])[0]
        picks = rng.sample(pool, min(n_courses, len(pool)))
        plans = []
        for course in picks:
            start_after = timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 23))
            # Engagement falls off: many watch a little, a third finish.
            depth = rng.choices([0.1, 0.3, 0.6, 1.0], weights=[0.3, 0.25, 0.15, 0.3])[0]
            pace_hours = rng.randint(6, 72)
            plans.append((course, start_after, depth, pace_hours))
        for course, start_after, depth, pace_hours in plans:
            if Enrollment.objects.filter(user=user, course=course).exists():
                continue
            enrolled_at = min(user.date_joined + start_after, ctx.now - timedelta(hours=1))
            with transaction.atomic():
                services.enrollment_create(user=user, course=course, at=enrolled_at)
                lessons = sorted(
                    course.lessons.all(), key=lambda lesson: (lesson.module_id, lesson.position, lesson.pk)
                )
                todo = lessons[: max(1, round(len(lessons) * depth))]
                when = enrolled_at
                for lesson in todo:
                    when = min(when + timedelta(hours=pace_hours), ctx.now - timedelta(minutes=5))
                    if lesson.release_at or lesson.release_after_days:
                        break  # drip lessons open later; the demo learner stops here
                    services.lesson_view_record(user=user, lesson=lesson, at=when)
                    if lesson.kind == LessonKind.QUIZ:
                        quiz = getattr(lesson, "quiz", None)
                        if quiz is not None:
                            services.quiz_attempt_submit(
                                user=user, quiz_id=quiz.pk, answers=_right_answers(quiz), at=when
                            )
                    else:
                        services.lesson_complete(user=user, lesson_id=lesson.pk, at=when)
            created += 1
    ctx.stdout.write(f"learning: {created} enrollments created, {Enrollment.objects.count()} in total")

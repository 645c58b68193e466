"""Demo learning history: day-by-day behaviour with a latent, drifting motivation.

Runs after the accounts and courses demos. Each learner picks 0-3 free courses matching
their interests (plus a few spare ones for when they run out of lessons); the simulator
in ``demo_behaviour`` then plays their days from sign-up to now: sign-ins, study sessions,
lesson progress and quizzes, slowing down before churners leave. Everything goes through
learning.services (and ``core.events.emit`` for sign-ins and video progress) with
backdated ``at`` times so analytics see a plausible past.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from lyceum.accounts.models import LearnerProfile, TopicInterest, User
from lyceum.core.models import Event
from lyceum.courses.models import Course, CourseStatus

from . import demo_behaviour

SPARE_COURSES = 2  # at most this many more courses when a learner runs out of lessons
PERSONA = "learner@example.com"  # the demo sign-in: a regular learner, never a churner


def seed(ctx: Any) -> None:
    rng = ctx.rng
    courses = list(
        Course.objects.filter(status=CourseStatus.PUBLISHED, is_free=True)
        .select_related("category")
        .prefetch_related("modules", "lessons__quiz__questions__choices")
        .order_by("pk")
    )
    if not courses:
        ctx.stdout.write("learning: no free published courses to enroll in")
        return
    by_pk = {course.pk: course for course in courses}
    specs = {course.pk: demo_behaviour.course_spec(course) for course in courses}
    by_topic: dict[int | None, list[Course]] = {}
    for course in courses:
        by_topic.setdefault(course.category.topic_id if course.category else None, []).append(course)
    interests: dict[int, set[int]] = {}
    for user_id, topic_id in TopicInterest.objects.values_list("profile__user_id", "topic_id"):
        interests.setdefault(user_id, set()).add(topic_id)
    hours = dict(LearnerProfile.objects.values_list("user_id", "weekly_hours"))
    tz = timezone.get_default_timezone()  # the platform day, as the analytics rollup counts it
    learners = list(User.objects.filter(email__startswith="learner", email__endswith="@example.com").order_by("email"))
    simulated = steps = 0
    active_days: dict[int, list[date]] = ctx.data.setdefault("learning_active_days", {})
    for user in ctx.progress(learners, desc="learning", total=len(learners)):
        # Draw the whole plan first so reruns consume the random stream identically: the
        # shared stream gives the course picks and one seed; the simulation has its own.
        liked = [c for t in sorted(interests.get(user.pk, set())) for c in by_topic.get(t, [])]
        pool = liked or courses
        n_courses = rng.choices([0, 1, 2, 3], weights=[0.15, 0.4, 0.3, 0.15])[0]
        picks = rng.sample(pool, min(n_courses, len(pool)))
        if user.email == PERSONA and not picks:
            picks = pool[:1]  # the demo sign-in always has a course in progress
        spare_pool = [c for c in pool if c not in picks] or [c for c in courses if c not in picks]
        spares = rng.sample(spare_pool, min(SPARE_COURSES, len(spare_pool)))
        plan = demo_behaviour.plan_learner(
            random.Random(rng.getrandbits(64)),
            joined=user.date_joined,
            now=ctx.now,
            tz=tz,
            courses=[specs[c.pk] for c in picks],
            spares=[specs[c.pk] for c in spares] if picks else [],
            weekly_hours=hours.get(user.pk),
            regular=user.email == PERSONA,
        )
        # Later demos (community posts, events...) may read when each learner was active, so a
        # churned learner does not post after leaving. Platform-time dates, reruns included.
        active_days[user.pk] = plan.active_days
        # Every plan signs in on the sign-up day, so a demo sign-in marks a simulated learner.
        if Event.objects.filter(actor=user, name="user.signed_in").exists():
            continue
        with transaction.atomic():
            steps += demo_behaviour.write_plan(user=user, plan=plan, courses=by_pk)
        simulated += 1
    ctx.stdout.write(f"learning: {simulated} learners simulated ({steps} steps)")

"""Demo reviews: ratings and texts in Chinese and English from enrolled demo learners, with
instructor replies and helpful votes.

Each course gets a latent quality and one recurring weakness (audio, pace or too few
exercises), so its rating mix is realistic and its negative reviews keep naming the same
problem in both languages — the feedback analysis then has something real to find.
Learners who completed a course review it more often (and a little more kindly).

Everything goes through ``services.reviews`` with backdated ``at`` times and rate limits off.
One number is drawn from ``ctx.rng`` to seed a local generator, and every plan is drawn
before anything is checked, so reruns are deterministic and change nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lyceum.courses.models import Course, CourseInstructor, CourseStatus
from lyceum.learning.models import Enrollment

from .models import Review, ReviewHelpful
from .services import reviews as services

ISSUES = ("audio", "pace", "practice")

NEGATIVE = {
    ("audio", "en"): [
        "The audio quality is poor: background noise and the volume keeps changing.",
        "Content is fine but the audio quality makes it hard to follow. Please re-record.",
        "Poor audio quality in most videos, I had to turn on subtitles.",
        "Echo and hiss in the recordings. The audio quality needs work.",
        "Good slides, but the audio quality is bad enough that I gave up on module 2.",
    ],
    ("audio", "zh"): [
        "音质很差，有杂音，听着很累。",
        "声音忽大忽小，音质很差，希望重新录制。",
        "内容还行，但是音质太差了，听不清楚。",
        "音质很差，戴耳机听都有回声。",
        "录音有电流声，音质需要改进。",
    ],
    ("pace", "en"): [
        "Way too fast for beginners. The pace never slows down.",
        "The pace is too fast and steps are skipped without explanation.",
        "Too fast. I had to pause every minute to keep up.",
        "Far too fast for a beginner course; the pace assumes you already know the topic.",
        "The pace is too fast in the second half and the examples get skipped.",
    ],
    ("pace", "zh"): [
        "讲得太快了，跟不上，很多步骤一带而过。",
        "节奏太快了，零基础完全听不懂。",
        "太快了，希望讲慢一点，多解释一下。",
        "讲得太快了，关键步骤没有解释清楚。",
        "第二章开始节奏太快，完全跟不上。",
    ],
    ("practice", "en"): [
        "Not enough exercises. Lots of talking, very little practice.",
        "I needed more practice exercises to actually learn this.",
        "Too few exercises and the quiz is too short.",
        "Not enough exercises to practise what the videos show.",
        "Needs more practice exercises; watching alone does not stick.",
    ],
    ("practice", "zh"): [
        "练习太少，光听不练，学完还是不会。",
        "练习太少了，希望每节课后都有练习题。",
        "理论讲得多，练习太少，作业也没有答案解析。",
        "练习太少，测验也太简单了。",
        "视频不错，可惜练习太少，没法巩固。",
    ],
}
MIXED = {
    "en": [
        "Good content overall, but the pace is too fast in the later modules.",
        "Decent course. More exercises would help, and the audio quality could be better.",
        "Useful, although some examples feel outdated.",
    ],
    "zh": [
        "内容还可以，就是练习太少。",
        "整体不错，但讲得有点快，需要反复看。",
        "有收获，不过部分例子有点过时。",
    ],
}
POSITIVE = {
    "en": [
        "Clear explanations and great examples. Highly recommend!",
        "Well structured, great examples and the quizzes really check your understanding.",
        "Practical projects and clear explanations. I use this at work now.",
        "The instructor explains complex ideas simply. Great examples throughout.",
        "Exactly the right level of detail. Clear explanations, useful exercises.",
    ],
    "zh": [
        "讲解清晰，例子很实用，推荐！",
        "老师讲得很清楚，案例很实用，学完马上能用在工作中。",
        "结构清晰，练习设计得很用心。",
        "非常实用，讲解清晰，节奏刚好。",
        "干货满满，例子很实用，值得反复学习。",
    ],
}
REPLIES_NEGATIVE = {
    ("audio", "en"): "Thank you for the honest feedback. We are re-recording the audio of modules 1–3 this month.",
    ("audio", "zh"): "感谢反馈！我们正在重新录制前三章的音频，本月内更新。",
    ("pace", "en"): "Thanks — we added slower walkthrough videos for the hardest lessons. Let us know if they help.",
    ("pace", "zh"): "谢谢建议！我们为难点补充了慢速讲解视频，欢迎再看看。",
    ("practice", "en"): "Fair point. We are adding an exercise set after every module, the first ones are live.",
    ("practice", "zh"): "收到！每章结束后都会新增练习题，第一批已经上线。",
}
REPLIES_POSITIVE = {
    "en": "Thank you! Glad the examples helped.",
    "zh": "谢谢支持，很高兴对你有帮助！",
}


@dataclass
class Plan:
    review: bool
    rating: int
    language: str
    text_index: int
    with_text: bool
    days_after: float
    voters: list[int]
    reply: bool
    reply_hours: float


def _rating(rng: random.Random, quality: float, completed: bool) -> int:
    mean = quality + (0.3 if completed else -0.2)
    return min(5, max(1, round(rng.gauss(mean, 1.0))))


def _plan(rng: random.Random, quality: float, language: str, completed: bool) -> Plan:
    review = rng.random() < (0.7 if completed else 0.3)
    rating = _rating(rng, quality, completed)
    other_language = rng.random() < 0.2
    lang = ("en" if language == "zh" else "zh") if other_language else language
    return Plan(
        review=review,
        rating=rating,
        language=lang,
        text_index=rng.randrange(1000),
        with_text=rng.random() < 0.88,
        days_after=rng.uniform(3, 40),
        voters=[rng.randrange(10_000) for _ in range(rng.choices([0, 1, 2, 4, 7], weights=[3, 3, 2, 1, 1])[0])],
        reply=rng.random() < (0.7 if rating <= 2 else 0.15),
        reply_hours=rng.uniform(2, 72),
    )


def _text(plan: Plan, issue: str) -> str:
    if not plan.with_text:
        return ""
    if plan.rating <= 2:
        pool = NEGATIVE[(issue, plan.language)]
    elif plan.rating == 3:
        pool = MIXED[plan.language]
    else:
        pool = POSITIVE[plan.language]
    return pool[plan.text_index % len(pool)]


def _eligible(course: Course, now: Any) -> list[Enrollment]:
    live = Q(revoked_at__isnull=True) & (Q(access_until__isnull=True) | Q(access_until__gt=now))
    demo_learner = Q(user__email__startswith="learner", user__email__endswith="@example.com")
    return list(
        Enrollment.objects.filter(demo_learner, course=course)
        .filter(live | Q(completed_at__isnull=False))
        .select_related("user")
        .order_by("user__email")
    )


def _seed_course(course: Course, plans: list[tuple[Enrollment, Plan]], issue: str, instructor: Any, ctx: Any) -> int:
    created = 0
    now = timezone.now()
    reviews: list[tuple[Review, Plan]] = []
    for enrollment, plan in plans:
        if not plan.review:
            continue
        review = Review.objects.filter(course=course, user=enrollment.user).first()
        if review is None:
            start = enrollment.completed_at or enrollment.created_at
            when = min(start + timedelta(days=plan.days_after), now - timedelta(hours=2))
            review, _new = services.review_save(
                actor=enrollment.user, course=course, rating=plan.rating, text=_text(plan, issue), at=when,
                rate_limit=False,
            )  # fmt: skip
            created += 1
        reviews.append((review, plan))
    people = [e.user for e, _p in plans]
    for review, plan in reviews:
        if plan.reply and instructor is not None and review.text and not review.instructor_reply:
            if review.rating <= 2:
                text = REPLIES_NEGATIVE[(issue, plan.language)]
            elif review.rating >= 4:
                text = REPLIES_POSITIVE[plan.language]
            else:
                text = ""
            if text:
                at = min(review.created_at + timedelta(hours=plan.reply_hours), now - timedelta(hours=1))
                services.review_reply(actor=instructor, review=review, text=text, at=at)
        voters = {people[i % len(people)].pk: people[i % len(people)] for i in plan.voters} if people else {}
        # Detailed complaints and praise collect the votes; one-liners fewer.
        for voter in voters.values():
            if voter.pk == review.user_id or not review.text:
                continue
            if ReviewHelpful.objects.filter(review=review, user=voter).exists():
                continue
            at = min(review.created_at + timedelta(days=1), now - timedelta(minutes=30))
            services.review_helpful_toggle(actor=voter, review=review, at=at, rate_limit=False)
    return created


def seed(ctx: Any) -> None:
    rng = random.Random(ctx.rng.random())  # noqa: S311 - one draw from the shared stream, whatever the data
    courses = list(Course.objects.filter(status=CourseStatus.PUBLISHED).order_by("slug"))
    course_traits = {
        course.pk: (rng.choice([2.3, 3.2, 3.9, 4.2, 4.4, 4.6]), rng.choice(ISSUES), rng.random()) for course in courses
    }
    instructors: dict[int, Any] = {}
    for link in CourseInstructor.objects.filter(course__in=courses).select_related("user").order_by("position", "pk"):
        instructors.setdefault(link.course_id, link.user)
    now = ctx.now
    created = 0
    for course in ctx.progress(courses, desc="reviews", total=len(courses)):
        quality, issue, _spare = course_traits[course.pk]
        language = "zh" if course.language.startswith("zh") else "en"
        course_rng = random.Random(f"{course.slug}:{rng.random()}")  # noqa: S311 - demo data
        enrollments = _eligible(course, now)
        plans = [(e, _plan(course_rng, quality, language, e.completed_at is not None)) for e in enrollments]
        if not plans:
            continue
        with transaction.atomic():
            created += _seed_course(course, plans, issue, instructors.get(course.pk), ctx)
    ctx.stdout.write(f"reviews: {created} created, {Review.objects.count()} in total")

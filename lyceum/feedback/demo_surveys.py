"""Demo surveys (问卷): a course-satisfaction survey (Chinese) for the learners of the most
popular course, a platform NPS survey (English) for all learners, and a "why did you stop?"
survey for the learners who dropped the course with the most drop-outs, with answers that
give a realistic NPS and recurring free-text reasons.

Everything goes through ``services.surveys``. The shared random stream gives exactly one
value (the seed of a private stream), drawn before anything is checked, so the other demos
see the same stream whatever happens here; a survey that already exists (by title) is
skipped with its answers, so a rerun changes nothing. The demo learner 小明
(learner@example.com) is left out of the answers, so the home page shows "A survey for you".
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q

from lyceum.accounts.models import User
from lyceum.courses.models import Course, CourseStatus
from lyceum.learning.models import Enrollment

from .models import Survey, SurveyAudience
from .selectors.surveys import survey_audience_users
from .services import surveys as services

DEMO_LEARNER = "learner@example.com"

SATISFACTION_TITLE = "课程满意度调查"
PLATFORM_TITLE = "How are we doing? Lyceum platform survey"
DROPPED_TITLE = "Why did you stop? · 你为什么没有学完？"

ZH_COMMENTS = [
    "讲得很清楚，例子很实用",
    "希望多一些练习题",
    "视频太长了，能不能拆成短一点的",
    "节奏有点快，后面跟不上",
    "老师答疑很及时，赞",
    "希望增加项目实战",
    "字幕有几处错误",
    "很适合零基础入门",
]
EN_COMMENTS = [
    "More live sessions please",
    "The study groups kept me going",
    "Search could be better",
    "Videos too long for my commute",
    "Love the certificates",
    "Mobile player is a bit slow",
    "Q&A answers are fast and helpful",
    "Would like more advanced courses",
]
DROP_REASONS = ["没时间 / No time", "Too hard", "Videos too long", "Not what I expected", "Other"]
DROP_TEXTS = [
    "没时间，工作太忙了",
    "没时间",
    "工作加班，没时间学习",
    "too hard after the second module",
    "Too hard for a beginner",
    "videos too long, I learn on my phone",
    "Videos too long",
    "视频太长，看不下去",
    "内容太难了",
    "Lost motivation without a study partner",
]


def _nps_value(rng: random.Random, engaged: bool) -> int:
    """Engaged learners lean to promoters; the rest spread wider (overall NPS about +20)."""
    if engaged:
        return rng.choices(range(11), weights=[0, 0, 0, 1, 1, 2, 3, 8, 14, 30, 40])[0]
    return rng.choices(range(11), weights=[2, 1, 2, 3, 4, 7, 9, 14, 16, 20, 22])[0]


def _plan_satisfaction(rng: random.Random, user: User, progress: int) -> dict[str, Any] | None:
    if rng.random() > 0.55:
        return None
    engaged = progress >= 60
    clarity = rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 5, 12, 14] if engaged else [2, 4, 9, 10, 6])[0]
    teaching = min(5, max(1, clarity + rng.choice([-1, 0, 0, 1])))
    nps = _nps_value(rng, engaged)
    when = rng.choice([0, 0, 1, 1, 1, 2, 3])
    comment = rng.choice(ZH_COMMENTS) if rng.random() < 0.45 else ""
    return {"clarity": clarity, "teaching": teaching, "nps": nps, "when": when, "comment": comment}


def _plan_platform(rng: random.Random, user: User, completed: bool) -> dict[str, Any] | None:
    if rng.random() > 0.35:
        return None
    nps = _nps_value(rng, completed)
    features = sorted(rng.sample(range(5), rng.randint(1, 3)))
    source = rng.choice([0, 0, 1, 2, 3])
    comment = rng.choice(EN_COMMENTS) if rng.random() < 0.35 else ""
    return {"nps": nps, "features": features, "source": source, "comment": comment}


def _plan_dropped(rng: random.Random, user: User) -> dict[str, Any] | None:
    if rng.random() > 0.65:
        return None
    reason = rng.choices(range(len(DROP_REASONS)), weights=[40, 22, 20, 12, 6])[0]
    come_back = rng.choices([1, 2, 3, 4, 5], weights=[3, 5, 8, 6, 3])[0]
    text = rng.choice(DROP_TEXTS) if rng.random() < 0.8 else ""
    return {"reason": reason, "come_back": come_back, "text": text}


def _answer(survey: Survey, user: User, values: dict[int, Any], at: Any, now: Any, since: Any = None) -> int:
    """Answer at ``at``, but never before the person joined (or enrolled) nor in the future."""
    earliest = max(since or user.date_joined, survey.opens_at) + timedelta(minutes=30)
    at = min(max(at, earliest), now - timedelta(minutes=1))
    services.survey_answer(actor=user, survey=survey, answers=values, now=now, at=at)
    return 1


def seed(ctx: Any) -> None:
    rng = random.Random(ctx.rng.getrandbits(64))  # noqa: S311 - demo data; one value from the shared stream
    now = ctx.now
    operator = User.objects.filter(email="operator@example.com").first()
    if operator is None:
        ctx.stdout.write("feedback: no demo operator for surveys")
        return
    existing = set(Survey.objects.filter(title__in=[SATISFACTION_TITLE, PLATFORM_TITLE, DROPPED_TITLE]).values_list(
        "title", flat=True
    ))  # fmt: skip
    published = Course.objects.filter(status=CourseStatus.PUBLISHED)
    popular = published.annotate(n=Count("enrollments")).order_by("-n", "pk").first()
    if popular is None:
        ctx.stdout.write("feedback: no courses for surveys")
        return
    cutoff = now - timedelta(days=30)
    dropped_course = (
        published.annotate(
            n=Count(
                "enrollments",
                filter=Q(
                    enrollments__revoked_at__isnull=True,
                    enrollments__completed_at__isnull=True,
                    enrollments__progress_percent__lt=100,
                    enrollments__last_activity_at__lt=cutoff,
                ),
            )
        )
        .order_by("-n", "pk")
        .first()
    )
    answered = 0

    if SATISFACTION_TITLE not in existing:
        survey = services.survey_create(
            actor=operator,
            title=SATISFACTION_TITLE,
            intro=f"关于《{popular.title}》：两分钟，帮助讲师把课程做得更好。",
            audience=SurveyAudience.COURSE,
            course=popular,
            opens_at=now - timedelta(days=21),
            closes_at=now + timedelta(days=9),
        )
        add = services.survey_question_add
        clarity = add(actor=operator, survey=survey, kind="scale", text="课程内容讲得清楚吗？（1 很差 – 5 很好）")
        teaching = add(actor=operator, survey=survey, kind="scale", text="你对讲师的讲解满意吗？")
        nps = add(actor=operator, survey=survey, kind="nps", text="你有多大可能向朋友或同事推荐这门课？")
        when = add(
            actor=operator,
            survey=survey,
            kind="single",
            text="你通常什么时候学习？",
            options=["早上通勤路上", "午休", "晚上下班后", "周末"],
        )
        comment = add(actor=operator, survey=survey, kind="text", text="还有什么建议？", required=False)
        survey = services.survey_publish(actor=operator, survey=survey)
        people = list(
            Enrollment.objects.filter(course=popular, user__in=survey_audience_users(survey=survey, now=now))
            .exclude(user__email=DEMO_LEARNER)
            .select_related("user")
            .order_by("user_id")
        )
        for enrollment in people:
            plan = _plan_satisfaction(rng, enrollment.user, enrollment.progress_percent)
            at = now - timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 23))
            if plan is None:
                continue
            values = {
                clarity.pk: plan["clarity"],
                teaching.pk: plan["teaching"],
                nps.pk: plan["nps"],
                when.pk: plan["when"],
                comment.pk: plan["comment"],
            }
            answered += _answer(survey, enrollment.user, values, at, now, since=enrollment.created_at)

    if PLATFORM_TITLE not in existing:
        survey = services.survey_create(
            actor=operator,
            title=PLATFORM_TITLE,
            intro="Three quick questions about Lyceum as a whole. Thank you for helping us improve!",
            audience=SurveyAudience.ALL,
            opens_at=now - timedelta(days=14),
        )
        add = services.survey_question_add
        nps = add(actor=operator, survey=survey, kind="nps", text="How likely are you to recommend Lyceum to a friend?")
        features = add(
            actor=operator,
            survey=survey,
            kind="multiple",
            text="Which parts of Lyceum do you use?",
            options=["Courses", "Q&A", "Study groups", "Live events", "Certificates"],
        )
        source = add(
            actor=operator,
            survey=survey,
            kind="single",
            text="How did you hear about us?",
            options=["A friend", "Search engine", "Social media", "An instructor"],
        )
        comment = add(actor=operator, survey=survey, kind="text", text="What should we improve?", required=False)
        survey = services.survey_publish(actor=operator, survey=survey)
        completed = set(Enrollment.objects.filter(completed_at__isnull=False).values_list("user_id", flat=True))
        people = list(
            survey_audience_users(survey=survey, now=now)
            .filter(email__startswith="learner", email__endswith="@example.com")
            .exclude(email=DEMO_LEARNER)
            .order_by("pk")
        )
        for user in people:
            plan = _plan_platform(rng, user, user.pk in completed)
            at = now - timedelta(days=rng.randint(0, 13), hours=rng.randint(0, 23))
            if plan is None:
                continue
            values = {
                nps.pk: plan["nps"],
                features.pk: plan["features"],
                source.pk: plan["source"],
                comment.pk: plan["comment"],
            }
            answered += _answer(survey, user, values, at, now)

    if DROPPED_TITLE not in existing and dropped_course is not None:
        survey = services.survey_create(
            actor=operator,
            title=DROPPED_TITLE,
            intro=f"You started “{dropped_course.title}” but have not been back for a while. "
            "What got in the way? 告诉我们原因，我们会改进。",
            audience=SurveyAudience.DROPPED,
            course=dropped_course,
            opens_at=now - timedelta(days=10),
            closes_at=now + timedelta(days=20),
        )
        add = services.survey_question_add
        reason = add(
            actor=operator,
            survey=survey,
            kind="single",
            text="Main reason you stopped / 主要原因",
            options=DROP_REASONS,
        )
        come_back = add(
            actor=operator, survey=survey, kind="scale", text="How likely are you to come back? / 你会回来继续学吗？"
        )
        text = add(actor=operator, survey=survey, kind="text", text="Tell us more / 详细说说", required=False)
        survey = services.survey_publish(actor=operator, survey=survey)
        people = list(survey_audience_users(survey=survey, now=now).exclude(email=DEMO_LEARNER).order_by("pk"))
        for user in people:
            plan = _plan_dropped(rng, user)
            at = now - timedelta(days=rng.randint(0, 9), hours=rng.randint(0, 23))
            if plan is None:
                continue
            values = {reason.pk: plan["reason"], come_back.pk: plan["come_back"], text.pk: plan["text"]}
            answered += _answer(survey, user, values, at, now)

    ctx.stdout.write(f"feedback: {3 - len(existing)} surveys created, {answered} survey responses")

"""Demo live events: past lectures with registrations, attendance and recordings, and
upcoming lectures, a seminar, a course Q&A session, office hours, a members-only event
and one nearly full with a waitlist, in Chinese and English.

Hosts are the demo instructors (``instructor@example.com`` and the other course demo
instructors). Everything goes through ``services.events`` with backdated ``at`` times.
Slugs are fixed, so a rerun finds its events and adds nothing; all random draws happen
before that check, so reruns stay deterministic.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from lyceum.accounts.models import User
from lyceum.core import hooks
from lyceum.courses.models import CourseInstructor, CourseStatus
from lyceum.learning.models import Enrollment

from .access import forget
from .models import EventAudience, EventKind, LiveEvent
from .services import events as services

DOMAIN = "example.com"
MEMBER_PLANS = ["membership-monthly", "membership-yearly"]  # the commerce demo's plans


@dataclass(frozen=True)
class Spec:
    slug: str
    title: str
    kind: str
    host: str  # e-mail local part of a demo instructor
    days: int  # from today; negative = past
    hour: int  # local start hour in the host's zone
    minutes: int  # duration
    capacity: int | None
    audience: str = EventAudience.FREE
    with_course: bool = False
    attendees: int = 0  # how many to register (the rest of a full event waits)
    description: str = ""
    recording: bool = False


SPECS = [
    Spec("demo-ml-intro-lecture", "机器学习入门讲座：从线性回归到神经网络", EventKind.LECTURE, "li.na",
         -12, 20, 90, 120, attendees=26, recording=True,
         description="一次讲清楚机器学习的基本概念：**模型、损失函数、梯度下降**，以及它们如何组成神经网络。\n\n"
                     "- 适合零基础\n- 附带 Python 示例代码"),
    Spec("demo-writing-docs-seminar", "Seminar: writing technical docs people actually read", EventKind.SEMINAR,
         "maria.santos", -20, 18, 60, 40, attendees=18, recording=True,
         description="A hands-on seminar on structure, examples and the *one idea per page* rule. "
                     "Bring a README you would like to improve."),
    Spec("demo-course-qa-past", "Course Q&A: your questions from weeks 1–2", EventKind.COURSE_QA, "instructor", -6, 20,
         60, 30, audience=EventAudience.ENROLLED, with_course=True, attendees=6,
         description="We go through the most-asked questions from the course space, live."),
    Spec("demo-office-hours", "Office hours with Maria: career and portfolio reviews", EventKind.OFFICE_HOURS,
         "maria.santos", 1, 17, 60, 10, attendees=4,
         description="Drop in with your portfolio, CV or a question about learning paths. First come, first served."),
    Spec("demo-course-qa", "课程答疑：作业与项目常见问题", EventKind.COURSE_QA, "instructor", 2, 20, 60, 30,
         audience=EventAudience.ENROLLED, with_course=True, attendees=5,
         description="本周作业的讲解与答疑。请提前在课程讨论区留下你的问题。"),
    Spec("demo-ama-data-analysis", "Ask me anything: Python for data analysis", EventKind.LECTURE, "instructor", 3, 20,
         90, 200, attendees=34,
         description="An open Q&A about **pandas**, notebooks and how to keep analysis reproducible.\n\n"
                     "```python\ndf.groupby('city').agg(total=('amount', 'sum'))\n```"),
    Spec("demo-sql-workshop", "Hands-on workshop: SQL window functions", EventKind.SEMINAR, "wang.lei", 4, 19, 120, 12,
         attendees=15,
         description="Small-group workshop with live exercises on `ROW_NUMBER`, `LAG` and running totals. "
                     "Seats are limited; the waitlist moves up automatically when someone cancels."),
    Spec("demo-llm-learning-seminar", "在线研讨：大模型时代如何高效学习编程", EventKind.SEMINAR, "li.na", 5, 20, 90, 80,
         attendees=22, description="和李娜老师一起讨论：如何用 AI 助手学习而不是依赖它。"),
    Spec("demo-pro-product-talk", "Pro members: 产品经理实战分享 — from idea to launch", EventKind.LECTURE,
         "wang.lei", 8, 20, 60, 60, audience=EventAudience.MEMBERS, attendees=8,
         description="Members-only: a product manager walks through a real launch, with the documents they used."),
]  # fmt: skip


def _start(ctx: Any, spec: Spec, tz: zoneinfo.ZoneInfo) -> datetime:
    day = (ctx.now + timedelta(days=spec.days)).astimezone(tz)
    return day.replace(hour=spec.hour, minute=0, second=0, microsecond=0)


def seed(ctx: Any) -> None:
    rng = ctx.rng
    hosts = {
        u.email.split("@")[0]: u for u in User.objects.filter(email__endswith=f"@{DOMAIN}", groups__name="instructor")
    }
    if "instructor" not in hosts:
        ctx.stdout.write("events: no demo instructors to host events")
        return
    # Operators schedule the community-wide events; instructors their own courses' sessions.
    operator = User.objects.filter(email=f"operator@{DOMAIN}").first() or hosts["instructor"]
    learners = list(User.objects.filter(email__startswith="learner", email__endswith=f"@{DOMAIN}").order_by("email"))
    # The course Q&A sessions belong to the demo instructor's most popular published course.
    course = (
        CourseInstructor.objects.filter(user=hosts["instructor"], course__status=CourseStatus.PUBLISHED)
        .select_related("course")
        .order_by("-course__enrollment_count", "course_id")
        .first()
    )
    enrolled: list[User] = []
    if course is not None:
        live = Enrollment.objects.filter(course=course.course, revoked_at__isnull=True)
        enrolled = list(User.objects.filter(pk__in=live.values("user_id")).order_by("pk"))
    # Draw everything first so reruns consume the random stream identically.
    plans = []
    for spec in SPECS:
        pool = enrolled if spec.with_course else learners
        people = rng.sample(pool, min(spec.attendees, len(pool)))
        attended = [p for p in people if rng.random() < 0.7]
        plans.append((spec, people, attended, rng.randint(0, 9)))
    existing = set(LiveEvent.objects.filter(slug__in=[s.slug for s in SPECS]).values_list("slug", flat=True))
    made = 0
    for spec, people, attended, jitter in plans:
        if spec.slug in existing:
            continue
        host = hosts.get(spec.host) or hosts["instructor"]
        if spec.with_course and course is None:
            continue
        with transaction.atomic():
            on_course = course.course if spec.with_course and course else None
            _seed_one(ctx, spec, host, host if on_course else operator, on_course, people, attended, jitter)
        made += 1
    ctx.stdout.write(f"events: {made} events ({len(SPECS) - made} already there)")


def _seed_one(
    ctx: Any, spec: Spec, host: User, author: User, course: Any, people: list[User], attended: list[User], jitter: int
) -> None:
    tz = zoneinfo.ZoneInfo(host.timezone or "Asia/Shanghai")
    start = _start(ctx, spec, tz)
    created_at = min(start - timedelta(days=14), ctx.now - timedelta(hours=2))
    event = services.event_create(
        actor=author, hosts=[host], slug=spec.slug, title=spec.title, kind=spec.kind, description=spec.description,
        timezone_name=tz.key, starts_at=start, ends_at=start + timedelta(minutes=spec.minutes),
        capacity=spec.capacity, audience=spec.audience, course=course,
        access_plans=MEMBER_PLANS if spec.audience == EventAudience.MEMBERS else [],
        meeting_url=f"https://meet.example.com/lyceum/{spec.slug}", at=created_at,
    )  # fmt: skip
    for i, person in enumerate(people):
        when = min(created_at + timedelta(hours=3 + i * 5 + jitter), start - timedelta(minutes=30), ctx.now)
        if spec.audience == EventAudience.MEMBERS and not hooks.collect("member.active_plans", user=person):
            continue  # only demo members join a members-only event
        forget(person)
        services.event_register(actor=person, event=event, at=when)
    if spec.days < 0:
        after = start + timedelta(minutes=spec.minutes // 2)
        ids = [p.pk for p in attended]
        registered = set(event.registrations.filter(status="registered").values_list("user_id", flat=True))
        services.attendance_mark(actor=host, event=event, user_ids=[i for i in ids if i in registered], at=after)
        if spec.recording:
            services.recording_set(
                actor=host, event=event, url=f"https://video.example.com/lyceum/{spec.slug}",
                at=start + timedelta(minutes=spec.minutes + 120),
            )  # fmt: skip

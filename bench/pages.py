"""Benchmark the main learner and community pages: median and p95 time and SQL queries per request.

    make bench-pages            # 300 courses x 24 lessons, 2 000 learners
    BENCH_COURSES=50 make bench-pages

Runs against a throwaway SQLite database in a temporary directory (or DATABASE_URL when
set), through the full Django stack (middleware, templates) with the test client. It
prints figures; it asserts nothing.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["LYCEUM_VAR_DIR"] = tempfile.mkdtemp(prefix="lyceum-bench-")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# The benchmark sends hundreds of API requests a minute: lift the throttles it would hit.
os.environ.setdefault("LYCEUM_API_RATE_ANON", "100000/min")
os.environ.setdefault("LYCEUM_API_RATE_USER", "100000/min")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

COURSES = int(os.environ.get("BENCH_COURSES", "300"))
LESSONS = int(os.environ.get("BENCH_LESSONS", "24"))
LEARNERS = int(os.environ.get("BENCH_LEARNERS", "2000"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))


def build() -> tuple[object, list]:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from lyceum.accounts.models import User
    from lyceum.accounts.services import user_create
    from lyceum.courses.models import Course, CourseInstructor, CourseStatus, Lesson, Module
    from lyceum.learning.models import Enrollment, LessonProgress

    call_command("migrate", verbosity=0)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    instructor = user_create(email="bench-teacher@example.com", display_name="Bench Teacher", password="x" * 12)
    now = timezone.now()
    courses = Course.objects.bulk_create(
        [
            Course(
                slug=f"bench-{i}",
                title=f"Benchmark course {i} 基准课程",
                subtitle="Measured, not guessed",
                description="Lorem ipsum " * 50,
                status=CourseStatus.PUBLISHED,
                published_at=now,
                is_free=True,
            )
            for i in range(COURSES)
        ]
    )
    CourseInstructor.objects.bulk_create([CourseInstructor(course=c, user=instructor) for c in courses])
    modules = Module.objects.bulk_create(
        [Module(course=c, title=f"Module {m}", position=m) for c in courses for m in range(4)]
    )
    Lesson.objects.bulk_create(
        [
            Lesson(course_id=m.course_id, module=m, title=f"Lesson {m.position}.{i}", position=i, body="Text " * 200)
            for m in modules
            for i in range(max(1, LESSONS // 4))
        ]
    )
    hashed = make_password("bench-password-1")
    User.objects.bulk_create(
        [User(email=f"bench{i}@example.com", display_name=f"Bench {i}", password=hashed) for i in range(LEARNERS)]
    )
    learner = User.objects.get(email="bench0@example.com")
    users = list(User.objects.filter(email__startswith="bench").exclude(pk=instructor.pk).values_list("pk", flat=True))
    Enrollment.objects.bulk_create(
        [
            Enrollment(user_id=u, course=courses[(u * 7 + k) % len(courses)], source="free")
            for u in users
            for k in range(3)
        ],
        ignore_conflicts=True,
    )
    target = courses[0]
    Enrollment.objects.get_or_create(user=learner, course=target, defaults={"source": "free"})
    LessonProgress.objects.bulk_create(
        [
            LessonProgress(user=learner, lesson=lesson, course=target, percent=100, completed_at=now)
            for lesson in target.lessons.all()[: LESSONS // 2]
        ],
        ignore_conflicts=True,
    )
    from lyceum.courses.services import course_search_reindex_all

    course_search_reindex_all()
    return learner, courses


THREADS = int(os.environ.get("BENCH_THREADS", "400"))
REPLIES = int(os.environ.get("BENCH_REPLIES", "300"))


def build_community(learner, course) -> dict[str, object]:
    """A busy course space, a long thread, a full study group, events and notifications."""
    from datetime import timedelta

    from django.utils import timezone

    from lyceum.accounts.models import User
    from lyceum.community import search
    from lyceum.community.models import (
        CheckIn,
        GroupMembership,
        LiveEvent,
        Registration,
        Reply,
        StudyGroup,
        Thread,
        ThreadKind,
        Vote,
    )
    from lyceum.community.services.spaces import space_for_course
    from lyceum.notifications.models import Kind, Notification

    now = timezone.now()
    space = space_for_course(course=course)
    people = list(User.objects.filter(email__startswith="bench").exclude(pk=learner.pk).order_by("pk")[:200])
    threads = Thread.objects.bulk_create(
        [
            Thread(
                space=space,
                author=people[i % len(people)],
                title=f"Question {i}: window functions 窗口函数",
                body="How do I " * 40,
                body_html="<p>" + "How do I " * 40 + "</p>",
                kind=ThreadKind.QUESTION if i % 3 == 0 else ThreadKind.DISCUSSION,
                reply_count=REPLIES if i == 0 else i % 7,
                score=i % 11,
                last_activity_at=now - timedelta(minutes=i),
            )
            for i in range(THREADS)
        ]
    )
    long = threads[0]
    tops = Reply.objects.bulk_create(
        [
            Reply(
                thread=long,
                author=people[i % len(people)],
                body="Answer " * 30,
                body_html="<p>" + "Answer " * 30 + "</p>",
                score=i % 5,
            )
            for i in range(REPLIES // 2)
        ]
    )
    Reply.objects.bulk_create(
        [
            Reply(
                thread=long,
                parent=tops[i % len(tops)],
                author=people[(i + 3) % len(people)],
                body="Thanks",
                body_html="<p>Thanks</p>",
            )
            for i in range(REPLIES - len(tops))
        ]
    )
    Vote.objects.bulk_create([Vote(user=p, reply=r) for r in tops[:60] for p in people[:20]], ignore_conflicts=True)
    Vote.objects.bulk_create([Vote(user=p, thread=long) for p in people], ignore_conflicts=True)
    search.thread_search_reindex_all()
    group = StudyGroup.objects.create(
        name="Bench group", course=course, owner=learner, invite_code="bench-invite", max_members=60
    )
    members = [learner, *people[:49]]
    GroupMembership.objects.bulk_create([GroupMembership(group=group, user=u) for u in members])
    StudyGroup.objects.filter(pk=group.pk).update(member_count=len(members))
    today = timezone.localdate()
    CheckIn.objects.bulk_create(
        [
            CheckIn(group=group, user=u, day=today - timedelta(days=d), minutes=30, note="Studied")
            for u in members
            for d in range(30)
            if (u.pk + d) % 4
        ]
    )
    events = []
    for i in range(60):
        start = now + timedelta(days=i - 10, hours=1)
        events.append(
            LiveEvent(
                slug=f"bench-event-{i}",
                title=f"Bench lecture {i}",
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                capacity=100,
                registered_count=40,
            )
        )
    events = LiveEvent.objects.bulk_create(events)
    for event in events:
        event.hosts.add(people[0])
    Registration.objects.bulk_create(
        [Registration(event=e, user=p, status="registered") for e in events for p in people[:40]]
    )
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=learner,
                kind=Kind.REPLY,
                actor=people[i % len(people)],
                data={"thread": f"Question {i}"},
                url=f"/community/t/{long.pk}/",
                dedupe_key=f"bench-{i}",
                created_at=now - timedelta(minutes=i),
            )
            for i in range(500)
        ]
    )
    return {"space": space, "thread": long, "group": group, "event": events[12]}


def measure(client: Client, url: str) -> tuple[float, float, int]:
    client.get(url)  # warm caches and templates
    times = []
    queries = 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx.captured_queries)
        reset_queries()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], queries


def main() -> None:
    start = time.perf_counter()
    learner, courses = build()
    community = build_community(learner, courses[0])
    built = time.perf_counter() - start
    print(f"data: {COURSES} courses x {LESSONS} lessons, {LEARNERS} learners; {THREADS} threads, one with")
    print(f"{REPLIES} replies; a 50-member group with 30 days of check-ins; 60 events; 500 notifications")
    print(f"({built:.1f}s to build)")
    print(f"database: {connection.vendor}; {RUNS} requests per page\n")
    client = Client()
    client.force_login(learner)
    course = courses[0]
    lesson = course.lessons.order_by("position").first()
    pages = [
        ("catalog", "/courses/"),
        ("catalog search", "/courses/?q=Benchmark"),
        ("course page", f"/courses/{course.slug}/"),
        ("lesson page", f"/courses/{course.slug}/lessons/{lesson.pk}/"),
        ("my learning", "/dashboard/"),
        ("api: course list", "/api/v1/courses"),
        ("community home", "/community/"),
        ("course space", f"/community/s/{community['space'].slug}/"),
        ("thread (300 replies)", f"/community/t/{community['thread'].pk}/"),
        ("thread, last page", f"/community/t/{community['thread'].pk}/?page=5"),
        ("community search", "/community/search/?q=窗口函数"),
        ("api: thread", f"/api/v1/threads/{community['thread'].pk}"),
        ("study group (50)", f"/groups/{community['group'].pk}/"),
        ("events", "/events/"),
        ("event page", f"/events/{community['event'].slug}/"),
        ("notifications", "/notifications/"),
    ]
    print(f"{'page':<22}{'median ms':>10}{'p95 ms':>10}{'queries':>9}")
    for name, url in pages:
        try:
            median, p95, queries = measure(client, url)
        except AssertionError as exc:
            print(f"{name:<22} skipped ({exc})")
            continue
        print(f"{name:<22}{median:>10.1f}{p95:>10.1f}{queries:>9}")


if __name__ == "__main__":
    main()

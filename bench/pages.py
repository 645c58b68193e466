"""Benchmark the main learner pages: median and p95 time and SQL queries per request.

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
    built = time.perf_counter() - start
    print(f"data: {COURSES} courses x {LESSONS} lessons, {LEARNERS} learners ({built:.1f}s to build)")
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
    ]
    print(f"{'page':<20}{'median ms':>10}{'p95 ms':>10}{'queries':>9}")
    for name, url in pages:
        try:
            median, p95, queries = measure(client, url)
        except AssertionError as exc:
            print(f"{name:<20} skipped ({exc})")
            continue
        print(f"{name:<20}{median:>10.1f}{p95:>10.1f}{queries:>9}")


if __name__ == "__main__":
    main()

"""The production stack under load: gunicorn + PostgreSQL + Redis, driven by wrk, at scale.

    make bench-web                                  # scale 1: build (first time) and measure
    make bench-web BENCH_ARGS="--scale 10"          # ten times the learners, events, threads
    make bench-web BENCH_ARGS="--pages hello,catalog --duration 10 --no-docs"
    .venv/bin/python bench/web.py --build-only --rebuild

Data (scale 1; ``--scale N`` multiplies learners, enrollments, progress, reviews, threads,
replies and events; the catalogue stays 50 courses x 20 lessons, a platform grows by members
and activity far faster than by courses): 100 000 learners sharing one password hash, with
verified e-mail addresses; 50 published courses of 4 modules x 5 lessons (12 videos of 5 to
30 minutes, 4 text lessons, 2 quizzes, 2 downloadable files each; 10 courses are paid, with a
product), their community spaces and the search index (``course_search_reindex_all``, as the
app keeps it); about 300 000 enrollments (Zipf-skewed popularity), lesson progress rows for
them (completed courses have every lesson, the rest their first few), about 15 000 reviews
(course rating counters updated), 50 000 threads in the course and global spaces with about
4 replies each (space counters and the community search index updated), and 1 000 000
``core.Event`` rows with realistic names and props spread over 180 days. Big tables are written with COPY
(``lyceum.core.bulk.insert_rows``); courses, spaces, products and tokens go through the
services. The database keeps a ``bench_web_dataset`` row recording the scale: a later run
with the same scale reuses the data (``--rebuild`` drops and builds it again).

Load: a pool of 200 learners (enrolled in the first 10 courses) gets sessions, created
directly in the configured session engine with the server's per-run SECRET_KEY (their requests
also carry a CSRF cookie, as a browser that signed in through the form does), and personal
API tokens (``accounts.services.token_create``). gunicorn runs with ``deploy/gunicorn.conf.py``
and production settings (DEBUG=0, Redis cache and sessions, LYCEUM_DB_CONN_MAX_AGE=60,
LYCEUM_BEHIND_PROXY=1 with the ``X-Forwarded-Proto: https`` an nginx in front would send,
``LYCEUM_BENCH_HELLO=1``); the API rate limits (LYCEUM_API_RATE_ANON/USER/TOKEN_ISSUE) are
lifted (one client with 32 connections would hit them at once: the benchmark measures the
pages, not the limiter; nothing it sends is under a posting limit).
Each page is first fetched once per distinct URL (up to 50) with urllib, which fails the run
on anything but 200, then loaded for ``--warmup`` seconds (10; not measured: Redis was flushed and
the workers start cold, while a running site keeps its caches warm), then by
``wrk -t2 -c32 -d30s --latency`` with
``bench/wrk/rotate.lua``, which rotates paths and headers per request and counts 3xx answers
as errors beside wrk's own socket and 4xx/5xx errors. wrk runs on the same machine as the
server, database and cache.

It prints one table (req/s, p50/p95/p99 as wrk saw them, the time inside the workers from
gunicorn's access log, errors, throughput as a fraction of the ``hello``
ceiling, the issue's target and whether it is met) and rewrites the section between
``<!-- bench-web:start -->`` and ``<!-- bench-web:end -->`` in docs/PERFORMANCE.md with it
and the machine description (``--no-docs`` leaves the file alone). It asserts nothing.

Environment: ``BENCH_DATABASE_URL`` (default postgres://postgres@127.0.0.1:5432/lyceum_bench;
the database is created when missing), ``BENCH_REDIS_URL`` (default redis://127.0.0.1:6379/14;
flushed before the load). ``--gunicorn-args "--worker-class gthread --threads 4"`` and
``--workers N`` try other server settings (the table records them).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/lyceum_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
LUA = ROOT / "bench" / "wrk" / "rotate.lua"
WRK = shutil.which("wrk") or ""
DOCS = ROOT / "docs" / "PERFORMANCE.md"
START, END = "<!-- bench-web:start -->", "<!-- bench-web:end -->"
MARKER_TABLE = "bench_web_dataset"

COURSES = 50
MODULES = 4
LESSONS_PER_MODULE = 5
PAID_COURSES = 10
POOL = 200  # signed-in learners the logged-in pages and the progress call rotate through
POOL_COURSES = 10  # the pool is enrolled in the first courses; lesson and thread pages use them
DAYS = 180
LESSON_TOPICS = ("setup", "core ideas", "reading", "practice", "check")
SEARCH_TERMS = ("python", "data", "design", "writing", "marketing", "statistics", "english", "career")
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"

# page: (description of the URLs, signed in?, target fraction of hello or None)
PAGES: dict[str, tuple[str, str, float | None]] = {
    "hello": ("GET /bench/hello", "anonymous", None),
    "home": ("GET /", "anonymous", None),
    "catalog": ("GET /courses/ (5 filter variants)", "anonymous", 0.50),
    "search": ("GET /courses/?q={term} (8 terms)", "anonymous", None),
    "course": ("GET /courses/{slug}/ (50 courses)", "anonymous", 0.50),
    "lesson": ("GET /courses/{slug}/lessons/{id}/", "session", 0.25),
    "thread": ("GET /community/t/{id}/", "session", 0.25),
    "api_courses": ("GET /api/v1/courses (pages 1-3)", "anonymous", None),
    "progress": ("POST /api/v1/lessons/{id}/progress", "bearer token", 0.50),
}
P95_TARGET_MS = 100.0


def sizes(scale: int) -> dict[str, int]:
    return {
        "learners": 100_000 * scale,
        "enrollments": 300_000 * scale,
        "events": 1_000_000 * scale,
        "threads": 50_000 * scale,
        "replies_per_thread": 4,
    }


# --- services: PostgreSQL and Redis -----------------------------------------------------------


def _db_parts(url: str) -> tuple[str, str]:
    """(name of the bench database, URL of the server's ``postgres`` database)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or not re.fullmatch(r"[A-Za-z0-9_]+", name):
        sys.exit(f"bench-web: BENCH_DATABASE_URL must name a database of letters, digits and _ ({url!r})")
    return name, urlunsplit(parts._replace(path="/postgres"))


def check_services(db_url: str, redis_url: str) -> None:
    import psycopg
    import redis

    if not db_url.startswith(("postgres://", "postgresql://")):
        sys.exit(f"bench-web: BENCH_DATABASE_URL must be a PostgreSQL URL, got {db_url!r}")
    _, admin = _db_parts(db_url)
    try:
        psycopg.connect(admin, connect_timeout=5, autocommit=True).close()
    except psycopg.Error as exc:
        sys.exit(f"bench-web needs PostgreSQL: cannot connect to {admin} ({exc}). Set BENCH_DATABASE_URL.")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        sys.exit(f"bench-web needs Redis: cannot reach {redis_url} ({exc}). Set BENCH_REDIS_URL.")


def dataset_marker(db_url: str) -> dict[str, Any] | None:
    """The dataset's marker row (scale, counts, build time), or None if there is no complete dataset."""
    import psycopg

    name, admin = _db_parts(db_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            return None
    with psycopg.connect(db_url, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass(%s)", [MARKER_TABLE]).fetchone()[0] is None:
            return None
        row = conn.execute(f"SELECT scale, built_at, build_seconds, counts FROM {MARKER_TABLE}").fetchone()  # noqa: S608
    if row is None:
        return None
    return {"scale": row[0], "built_at": row[1], "build_seconds": row[2], "counts": row[3]}


def recreate_database(db_url: str) -> None:
    import psycopg
    from psycopg import sql

    name, admin = _db_parts(db_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def configure_django(db_url: str, redis_url: str, secret_key: str) -> dict[str, str]:
    """The production environment the server runs with (this process uses it too)."""
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "LYCEUM_DB_CONN_MAX_AGE": "60",
        "LYCEUM_BENCH_HELLO": "1",
        "LYCEUM_BEHIND_PROXY": "1",
        "LYCEUM_VAR_DIR": str(ROOT / "var" / "bench-web"),
        # One client with 32 connections would hit the per-user limits at once: lift them.
        "LYCEUM_API_RATE_ANON": "100000000/min",
        "LYCEUM_API_RATE_USER": "100000000/min",
        "LYCEUM_API_RATE_TOKEN_ISSUE": "100000/min",
    }
    env.pop("CELERY_BROKER_URL", None)
    os.environ.pop("CELERY_BROKER_URL", None)  # event handlers run in-process, as the brief's runtime
    os.environ.update(env)
    Path(env["LYCEUM_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    return env


# --- the dataset ----------------------------------------------------------------------------------


class Timer:
    def __init__(self) -> None:
        self.began = time.perf_counter()
        self.last = self.began

    def step(self, what: str) -> None:
        now = time.perf_counter()
        print(f"  {what:<58}{now - self.last:7.1f} s", flush=True)
        self.last = now

    @property
    def total(self) -> float:
        return time.perf_counter() - self.began


def build(scale: int) -> dict[str, Any]:
    import numpy as np
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from lyceum.accounts.models import Topic, User
    from lyceum.accounts.services import user_create
    from lyceum.commerce.models import Product, ProductKind
    from lyceum.commerce.services.products import product_save
    from lyceum.community.models import Reply, Space, Thread
    from lyceum.community.services.spaces import space_for_course
    from lyceum.core.bulk import insert_rows
    from lyceum.core.models import Event
    from lyceum.courses.models import (
        Category,
        Choice,
        Course,
        CourseInstructor,
        CourseStatus,
        Lesson,
        LessonKind,
        Module,
        Question,
        QuestionKind,
        Quiz,
    )
    from lyceum.courses.services.catalog import course_search_reindex_all
    from lyceum.feedback.models import Review
    from lyceum.learning.models import Enrollment, LessonProgress

    n = sizes(scale)
    rng = np.random.default_rng(20260901 + scale)
    timer = Timer()
    now = timezone.now()
    first = now - timedelta(days=DAYS)
    # Timestamps come from a pool (a datetime per row would cost more than the row).
    pool = [first + timedelta(seconds=DAYS * 86400 * k / 50_000) for k in range(50_000)]

    def stamp(i: int) -> datetime:
        return pool[i]

    print(f"building the scale-{scale} dataset:", flush=True)

    # --- staff, courses, lessons, spaces, products (few rows: through models and services) ---
    hashed = make_password("bench-web-password-1")
    with transaction.atomic():
        operator = user_create(
            email="bench-operator@example.com",
            display_name="Bench Operator",
            password_hash=hashed,
            roles=("operator",),
        )
        teachers = [
            user_create(
                email=f"bench-teacher{k}@example.com",
                display_name=f"Teacher {k}",
                password_hash=hashed,
                roles=("instructor",),
            )
            for k in range(10)
        ]
    topics = list(Topic.objects.order_by("position", "slug"))
    categories = [
        Category.objects.get_or_create(
            slug=t.slug, defaults={"name_en": t.name_en, "name_zh": t.name_zh, "topic": t, "position": t.position}
        )[0]
        for t in topics
    ] or [Category.objects.create(slug="general", name_en="General", name_zh="综合")]
    subjects = (
        "Python for data analysis",
        "Product design fundamentals",
        "Business English writing",
        "Statistics without fear",
        "Digital marketing in practice",
        "Career planning for engineers",
        "Machine learning with Python",
        "UX research methods",
        "Public speaking and storytelling",
        "Financial literacy essentials",
    )
    levels = ("beginner", "intermediate", "advanced")
    courses = Course.objects.bulk_create(
        [
            Course(
                slug=f"bench-course-{i}",
                title=f"{subjects[i % len(subjects)]} {i // len(subjects) + 1}",
                subtitle=f"{subjects[i % len(subjects)].split()[0]} 实战课程，第 {i // len(subjects) + 1} 部分",
                description=(
                    f"A practical course on {subjects[i % len(subjects)].lower()}: projects, exercises and "
                    "weekly live sessions. 通过真实项目学习，每周一次直播答疑。\n\n" * 6
                ),
                objectives="Build a project\nExplain the core ideas\nPractise with real data",
                category=categories[i % len(categories)],
                level=levels[i % 3],
                language="zh-hans" if i % 3 else "en",
                estimated_hours=8 + i % 20,
                is_free=i >= PAID_COURSES,
                status=CourseStatus.PUBLISHED,
                published_at=first + timedelta(days=i % 30),
                content_updated_at=first + timedelta(days=i % 30),
                version=1,
            )
            for i in range(COURSES)
        ]
    )
    CourseInstructor.objects.bulk_create(
        [CourseInstructor(course=c, user=teachers[i % len(teachers)]) for i, c in enumerate(courses)]
    )
    modules = Module.objects.bulk_create(
        [Module(course=c, title=f"Module {m + 1}", position=m) for c in courses for m in range(MODULES)]
    )
    lessons = []
    for module in modules:
        for j in range(LESSONS_PER_MODULE):
            k = module.position * LESSONS_PER_MODULE + j
            if j in (0, 1, 3):
                kind, duration = LessonKind.VIDEO, 300 + (k * 97) % 1500
            elif j == 2:
                kind, duration = LessonKind.TEXT, 0
            else:
                kind, duration = (LessonKind.QUIZ if module.position % 2 else LessonKind.FILE), 0
            lessons.append(
                Lesson(
                    course_id=module.course_id,
                    module=module,
                    title=f"Lesson {module.position + 1}.{j + 1}: {LESSON_TOPICS[j]}",
                    kind=kind,
                    position=j,
                    body=("## Notes\n\nRead this, then try the exercise. 先阅读，再练习。\n\n" + "Text. " * 120),
                    is_preview=k == 0,
                    duration_seconds=duration,
                )
            )
    lessons = Lesson.objects.bulk_create(lessons, batch_size=1000)
    quizzes = Quiz.objects.bulk_create([Quiz(lesson=le, pass_percent=60) for le in lessons if le.kind == "quiz"])
    questions = Question.objects.bulk_create(
        [
            Question(quiz=q, kind=QuestionKind.SINGLE, prompt=f"Question {p + 1}?", position=p, points=1)
            for q in quizzes
            for p in range(5)
        ]
    )
    Choice.objects.bulk_create(
        [Choice(question=q, text=f"Answer {c}", is_correct=c == 0, position=c) for q in questions for c in range(4)]
    )
    for i, course in enumerate(courses[:PAID_COURSES]):
        product = product_save(
            actor=operator,
            product=Product(
                kind=ProductKind.COURSE, slug=f"bench-course-{i}", title=course.title, list_price=19900 + 1000 * i
            ),
        )
        product.courses.add(course)
    spaces = [space_for_course(course=c) for c in courses]
    course_search_reindex_all()
    timer.step(f"{COURSES} courses x {MODULES * LESSONS_PER_MODULE} lessons, spaces, products, search")

    # --- learners ----------------------------------------------------------------------------
    learners = n["learners"]
    joined = rng.integers(0, len(pool), learners)
    with transaction.atomic():
        insert_rows(
            User,
            [
                "password",
                "is_superuser",
                "email",
                "display_name",
                "avatar",
                "bio",
                "locale",
                "timezone",
                "is_active",
                "is_staff",
                "date_joined",
            ],
            (
                (
                    hashed,
                    False,
                    f"learner{u}@example.com",
                    f"Learner {u}",
                    "",
                    "",
                    "zh-hans" if u % 4 else "en",
                    "Asia/Shanghai",
                    True,
                    False,
                    pool[j],
                )
                for u, j in enumerate(joined.tolist())
            ),
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM accounts_user WHERE email LIKE 'learner%%'")
        low, high = cursor.fetchone()
    assert high - low + 1 == learners, "learner ids are not contiguous (database not fresh?)"
    user_ids = np.arange(low, high + 1, dtype=np.int64)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO account_emailaddress (user_id, email, verified, "primary") '
            "SELECT id, email, true, true FROM accounts_user WHERE email LIKE 'learner%%'"
        )
    timer.step(f"{learners:,} learners (one password hash) and e-mail addresses")

    # --- enrollments -------------------------------------------------------------------------
    popularity = 1.0 / (np.arange(COURSES) + 1.0) ** 0.9
    popularity = popularity[rng.permutation(COURSES)]
    per_course = np.maximum(200, np.rint(popularity / popularity.sum() * n["enrollments"])).astype(np.int64)
    per_course = np.minimum(per_course, learners)
    course_ids = [c.pk for c in courses]
    lessons_by_course: dict[int, list[Lesson]] = {}
    for le in lessons:
        lessons_by_course.setdefault(le.course_id, []).append(le)
    for rows in lessons_by_course.values():
        rows.sort(key=lambda le: (le.module_id, le.position))
    enrolled: list[tuple[int, int, int, int, int]] = []  # (user, course, at, done, percent)
    for ci, cid in enumerate(course_ids):
        members = rng.choice(learners, int(per_course[ci]), replace=False)
        if ci < POOL_COURSES:  # the signed-in pool is in the first courses
            members = np.union1d(members, np.arange(POOL))
        at = rng.integers(0, len(pool) - 1, len(members))
        done = rng.random(len(members)) < 0.08
        partial = np.minimum(19, rng.geometric(0.4, len(members)))
        for u, a, d, p in zip(members.tolist(), at.tolist(), done.tolist(), partial.tolist(), strict=True):
            enrolled.append((int(user_ids[u]), cid, a, 20 if d else int(p), 100 if d else int(p) * 5))
    with transaction.atomic():
        insert_rows(
            Enrollment,
            [
                "created_at",
                "updated_at",
                "user_id",
                "course_id",
                "source",
                "completed_at",
                "progress_percent",
                "last_activity_at",
            ],
            (
                (
                    pool[a],
                    pool[a],
                    u,
                    c,
                    "purchase" if c in course_ids[:PAID_COURSES] else "free",
                    pool[min(a + 3000, len(pool) - 1)] if pct == 100 else None,
                    pct,
                    pool[min(a + 1500, len(pool) - 1)],
                )
                for u, c, a, _, pct in enrolled
            ),
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE courses_course SET enrollment_count = "
            "(SELECT COUNT(*) FROM learning_enrollment e WHERE e.course_id = courses_course.id)"
        )
    timer.step(f"{len(enrolled):,} enrollments")

    # --- lesson progress ---------------------------------------------------------------------
    def progress_rows() -> Any:
        for u, c, a, touched, _ in enrolled:
            rows = lessons_by_course[c]
            for k in range(touched):
                le = rows[k]
                t = pool[min(a + 40 * k, len(pool) - 1)]
                finished = k < touched - 1 or touched == 20
                position = le.duration_seconds if finished else le.duration_seconds // 3
                yield (u, le.pk, c, position, position, 100 if finished else 33, t if finished else None, t, t)

    with transaction.atomic():
        progressed = insert_rows(
            LessonProgress,
            [
                "user_id",
                "lesson_id",
                "course_id",
                "position_seconds",
                "furthest_seconds",
                "percent",
                "completed_at",
                "first_viewed_at",
                "updated_at",
            ],
            progress_rows(),
        )
    timer.step(f"{progressed:,} lesson progress rows")

    # --- reviews -----------------------------------------------------------------------------
    reviewed = [e for e in enrolled if e[3] >= 4 and (e[0] * 31 + e[1]) % 6 == 0]
    ratings = rng.choice([5, 4, 3, 2, 1], len(reviewed), p=[0.5, 0.3, 0.1, 0.06, 0.04])
    texts = (
        "Clear explanations and useful exercises.",
        "很实用，老师讲得很清楚。",
        "Good pace, the projects helped a lot.",
        "Some videos are too long, but the content is solid.",
        "内容扎实，练习很有帮助。",
    )
    with transaction.atomic():
        insert_rows(
            Review,
            [
                "created_at",
                "updated_at",
                "course_id",
                "user_id",
                "rating",
                "text",
                "instructor_reply",
                "helpful_count",
                "hidden_reason",
            ],
            (
                (pool[min(e[2] + 2000, len(pool) - 1)],) * 2
                + (e[1], e[0], int(r), texts[(e[0] + e[1]) % len(texts)], "", (e[0] % 7), "")
                for e, r in zip(reviewed, ratings.tolist(), strict=True)
            ),
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE courses_course c SET rating_count = s.n, rating_avg = s.avg FROM "
            "(SELECT course_id, COUNT(*) AS n, ROUND(AVG(rating)::numeric, 2) AS avg FROM feedback_review "
            "WHERE hidden_at IS NULL GROUP BY course_id) s WHERE s.course_id = c.id"
        )
    timer.step(f"{len(reviewed):,} reviews (course ratings updated)")

    # --- threads and replies -----------------------------------------------------------------
    global_spaces = list(Space.objects.filter(course__isnull=True, archived_at__isnull=True).order_by("id"))
    space_ids = np.array([s.pk for s in spaces] + [s.pk for s in global_spaces], dtype=np.int64)
    weights = np.array([1.0] * len(spaces) + [3.0] * len(global_spaces))
    threads = n["threads"]
    thread_space = space_ids[rng.choice(len(space_ids), threads, p=weights / weights.sum())]
    authors = user_ids[rng.integers(0, learners, threads)]
    t_at = np.sort(rng.integers(0, len(pool) - 200, threads))
    replies_n = np.minimum(60, rng.poisson(n["replies_per_thread"], threads))
    kinds = np.where(rng.random(threads) < 0.4, "question", "discussion")
    topics_txt = ("window functions", "pandas merge", "study plan", "interview prep", "作业讨论", "学习方法")
    titles = [f"How do I handle {topics_txt[i % len(topics_txt)]}? #{i}" for i in range(threads)]
    body = "I tried the exercise from lesson 3 and got stuck on the second step. " * 4
    body_html = f"<p>{body.strip()}</p>"
    with transaction.atomic():
        insert_rows(
            Thread,
            [
                "created_at",
                "updated_at",
                "space_id",
                "kind",
                "author_id",
                "title",
                "body",
                "body_html",
                "is_pinned",
                "is_locked",
                "hidden_reason",
                "reply_count",
                "score",
                "view_count",
                "last_activity_at",
            ],
            (
                (
                    pool[t_at[i]],
                    pool[t_at[i]],
                    int(thread_space[i]),
                    kinds[i],
                    int(authors[i]),
                    titles[i],
                    body,
                    body_html,
                    False,
                    False,
                    "",
                    int(replies_n[i]),
                    int(i % 13),
                    int(10 + i % 300),
                    pool[min(t_at[i] + int(replies_n[i]) * 20, len(pool) - 1)],
                )
                for i in range(threads)
            ),
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM community_thread")
        t_low, t_high = cursor.fetchone()
    thread_ids = np.arange(t_low, t_high + 1, dtype=np.int64)
    reply_text = "Check the second example in the notes: you need to group first, then sort. 先分组再排序。"
    reply_html = f"<p>{reply_text}</p>"

    def reply_rows() -> Any:
        for i in range(threads):
            for r in range(int(replies_n[i])):
                at = pool[min(t_at[i] + 20 * (r + 1), len(pool) - 1)]
                author = int(user_ids[(int(authors[i]) + 7919 * (r + 1)) % learners])
                yield (at, at, int(thread_ids[i]), None, author, reply_text, reply_html, (i + r) % 5, "")

    with transaction.atomic():
        replied = insert_rows(
            Reply,
            [
                "created_at",
                "updated_at",
                "thread_id",
                "parent_id",
                "author_id",
                "body",
                "body_html",
                "score",
                "hidden_reason",
            ],
            reply_rows(),
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE community_space s SET thread_count = t.n, last_activity_at = t.last FROM "
            "(SELECT space_id, COUNT(*) AS n, MAX(last_activity_at) AS last FROM community_thread "
            "WHERE deleted_at IS NULL GROUP BY space_id) t WHERE t.space_id = s.id"
        )
    timer.step(f"{threads:,} threads, {replied:,} replies (space counters updated)")

    # The community search index, as community.search.thread_search_index writes it (title A, tags
    # B, body C, replies D; text segmented by the shared tokenizer), in one INSERT ... SELECT from
    # a COPY of the token strings instead of four queries per thread.
    from lyceum.courses.search import tokenize

    def tokens(text: str) -> str:
        return " ".join(tokenize(text))

    body_tokens, reply_tokens = tokens(body), tokens(reply_text)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_thread_text (thread_id bigint, title text, body text, replies text) ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY bench_thread_text FROM STDIN") as copy:
            for i in range(threads):
                copy.write_row(
                    (int(thread_ids[i]), tokens(titles[i]), body_tokens, " ".join([reply_tokens] * int(replies_n[i])))
                )
        cursor.execute("DELETE FROM community_search")
        cursor.execute(
            "INSERT INTO community_search (thread_id, document) SELECT thread_id,"
            " setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', ''), 'B')"
            " || setweight(to_tsvector('simple', body), 'C') || setweight(to_tsvector('simple', replies), 'D')"
            " FROM bench_thread_text"
        )
    timer.step(f"community search index ({threads:,} threads)")

    # --- events ------------------------------------------------------------------------------
    total_events = n["events"]
    names = np.array(
        [
            "lesson.viewed",
            "video.progressed",
            "lesson.completed",
            "thread.viewed",
            "user.signed_in",
            "catalog.searched",
            "visit.started",
            "reply.created",
            "thread.created",
            "enrollment.created",
            "quiz.submitted",
            "review.posted",
        ]
    )
    share = np.array([0.30, 0.20, 0.09, 0.14, 0.06, 0.04, 0.07, 0.03, 0.01, 0.03, 0.015, 0.005])
    from lyceum.core.events import EVENT_NAMES

    keep = np.array([name in EVENT_NAMES for name in names])
    names, share = names[keep], share[keep]
    which = rng.choice(len(names), total_events, p=share / share.sum())
    actors = user_ids[rng.integers(0, learners, total_events)]
    when = np.sort(rng.integers(0, len(pool), total_events))
    lesson_ids = np.array([le.pk for le in lessons], dtype=np.int64)
    lesson_course = np.array([le.course_id for le in lessons], dtype=np.int64)
    pick_lesson = rng.integers(0, len(lessons), total_events)
    pick_thread = thread_ids[rng.integers(0, len(thread_ids), total_events)]
    name_list = names.tolist()

    def event_rows() -> Any:
        for i, (w, a, t) in enumerate(zip(which.tolist(), actors.tolist(), when.tolist(), strict=True)):
            name = name_list[w]
            at = stamp(t)
            if name in ("lesson.viewed", "video.progressed", "lesson.completed", "quiz.submitted"):
                k = int(pick_lesson[i])
                course = int(lesson_course[k])
                props = (
                    f'{{"course": {course}, "percent": {10 * (1 + i % 10)}}}'
                    if name == "video.progressed"
                    else f'{{"course": {course}}}'
                )
                yield (name, at, a, "courses.lesson", str(int(lesson_ids[k])), props)
            elif name in ("thread.viewed", "thread.created", "reply.created"):
                yield (name, at, a, "community.thread", str(int(pick_thread[i])), "{}")
            elif name == "enrollment.created":
                yield (name, at, a, "courses.course", str(course_ids[i % COURSES]), '{"source": "free"}')
            elif name == "review.posted":
                yield (name, at, a, "courses.course", str(course_ids[i % COURSES]), f'{{"rating": {1 + i % 5}}}')
            elif name == "catalog.searched":
                yield (name, at, a, "", "", f'{{"query": "{SEARCH_TERMS[i % len(SEARCH_TERMS)]}", "results": 5}}')
            elif name == "visit.started":
                yield (name, at, None, "", "", f'{{"visitor": "{i:016x}", "landing": "/"}}')
            else:
                yield (name, at, a, "accounts.user", str(a), '{"method": "password"}')

    with transaction.atomic():
        written = insert_rows(
            Event, ["name", "occurred_at", "actor_id", "object_type", "object_id", "props"], event_rows()
        )
    timer.step(f"{written:,} events over {DAYS} days")

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    timer.step("VACUUM ANALYZE")
    counts = table_counts()
    seconds = round(timer.total, 1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {MARKER_TABLE} (scale integer NOT NULL, built_at timestamptz NOT NULL, "
            "build_seconds double precision NOT NULL, counts jsonb NOT NULL)"
        )
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s, %s, %s)",  # noqa: S608
            [scale, datetime.now(UTC), seconds, json.dumps(counts)],
        )
    print(f"built in {seconds:.0f} s", flush=True)
    return {"scale": scale, "built_at": datetime.now(UTC), "build_seconds": seconds, "counts": counts}


COUNTED = {
    "learners": "SELECT COUNT(*) FROM accounts_user WHERE email LIKE 'learner%%'",
    "courses": "SELECT COUNT(*) FROM courses_course",
    "lessons": "SELECT COUNT(*) FROM courses_lesson",
    "enrollments": "SELECT COUNT(*) FROM learning_enrollment",
    "lesson progress": "SELECT COUNT(*) FROM learning_lessonprogress",
    "reviews": "SELECT COUNT(*) FROM feedback_review",
    "threads": "SELECT COUNT(*) FROM community_thread",
    "replies": "SELECT COUNT(*) FROM community_reply",
    "events": "SELECT COUNT(*) FROM core_event",
}


def table_counts() -> dict[str, int]:
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        for name, query in COUNTED.items():
            cursor.execute(query)
            out[name] = int(cursor.fetchone()[0])
    return out


# --- sign-ins and request lists -------------------------------------------------------------------


def sign_in_pool() -> list[dict[str, Any]]:
    """Sessions (the configured engine, this run's SECRET_KEY) and API tokens for the pool."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.models import Session
    from django.utils.crypto import get_random_string

    from lyceum.accounts.models import ApiToken, User
    from lyceum.accounts.services import token_create

    store = import_module(settings.SESSION_ENGINE).SessionStore
    users = list(User.objects.filter(email__startswith="learner").order_by("id")[:POOL])
    Session.objects.all().delete()  # sessions of earlier runs were signed with their own keys
    ApiToken.objects.filter(user__in=users).delete()
    pool = []
    for user in users:
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        _, key = token_create(user=user, name="bench-web")
        pool.append({"id": user.pk, "session": session.session_key, "token": key, "csrf": get_random_string(32)})
    return pool


def request_lists(pool: list[dict[str, Any]]) -> dict[str, list[tuple[str, str, str, list[str]]]]:
    """For each page: (method, path, body, headers) in the order wrk sends them."""
    from django.conf import settings
    from django.utils import timezone

    from lyceum.analytics.middleware import COOKIE as VISIT_COOKIE
    from lyceum.analytics.rollup import platform_tz
    from lyceum.community.models import Thread
    from lyceum.courses.models import Course, Lesson, LessonKind

    cookie = settings.SESSION_COOKIE_NAME
    # What nginx adds in front of gunicorn (deploy/nginx), and a browser that already has its visit cookie.
    proxy = ["X-Forwarded-Proto: https", "X-Forwarded-For: 127.0.0.1"]
    today = timezone.now().astimezone(platform_tz()).date().isoformat()
    browser = [*proxy, f"User-Agent: {BROWSER_UA}", "Accept-Language: zh-CN,zh;q=0.9,en;q=0.8"]
    visitor = [*browser, f"Cookie: {VISIT_COOKIE}={today}.{'0' * 32}"]

    def member(k: int) -> list[str]:
        # A signed-in browser also holds the CSRF cookie it got with the sign-in form; without it every
        # page would mint a new secret and set a cookie, work a real member's browser does not cause.
        learner = pool[k % len(pool)]
        return [*browser, f"Cookie: {cookie}={learner['session']}; {settings.CSRF_COOKIE_NAME}={learner['csrf']}"]

    courses = list(Course.objects.filter(slug__startswith="bench-course-").order_by("id"))
    members_courses = courses[:POOL_COURSES]
    lessons = list(
        Lesson.objects.filter(course__in=members_courses).exclude(kind=LessonKind.QUIZ).order_by("course_id", "id")
    )
    slug = {c.pk: c.slug for c in courses}
    videos = [le for le in lessons if le.kind == LessonKind.VIDEO]
    threads = list(
        Thread.objects.filter(space__course__in=members_courses, deleted_at__isnull=True, hidden_at__isnull=True)
        .order_by("-last_activity_at", "id")
        .values_list("pk", flat=True)[:500]
    )
    lists: dict[str, list[tuple[str, str, str, list[str]]]] = {
        "hello": [("GET", "/bench/hello", "", visitor)],
        "home": [("GET", "/", "", visitor)],
        "catalog": [
            ("GET", path, "", visitor)
            for path in (
                "/courses/",
                "/courses/?page=2",
                "/courses/?level=beginner",
                "/courses/?sort=popular",
                "/courses/?price=free",
            )
        ],
        "search": [("GET", f"/courses/?q={term}", "", visitor) for term in SEARCH_TERMS],
        "course": [("GET", f"/courses/{c.slug}/", "", visitor) for c in courses],
        "lesson": [
            ("GET", f"/courses/{slug[le.course_id]}/lessons/{le.pk}/", "", member(k))
            for k, le in ((k, lessons[(k * 7) % len(lessons)]) for k in range(2000))
        ],
        "thread": [("GET", f"/community/t/{threads[(k * 3) % len(threads)]}/", "", member(k)) for k in range(2000)],
        "api_courses": [
            ("GET", f"/api/v1/courses?page={p}", "", [*proxy, "Accept: application/json"]) for p in (1, 2, 3)
        ],
        "progress": [
            (
                "POST",
                f"/api/v1/lessons/{videos[(k * 11) % len(videos)].pk}/progress",
                '{"position_seconds": @POS@}',
                [*proxy, f"Authorization: Bearer {pool[k % len(pool)]['token']}", "Content-Type: application/json"],
            )
            for k in range(1000)
        ],
    }
    return lists


def write_requests(path: Path, rows: list[tuple[str, str, str, list[str]]]) -> None:
    with path.open("w") as out:
        for method, url, body, headers in rows:
            out.write("\t".join([method, url, body, *headers]) + "\n")


# --- the server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, env: dict[str, str], workers: int | None, extra: list[str], log: Path) -> None:
        self.port = free_port()
        self.env = {**os.environ, **env, "HOST": "127.0.0.1", "PORT": str(self.port)}
        if workers:
            self.env["WEB_CONCURRENCY"] = str(workers)
        self.args = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--config", "deploy/gunicorn.conf.py", *extra]
        self.log_path = log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log = self.log_path.open("wb")
        self.proc = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn
            self.args, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"bench-web: gunicorn exited ({self.proc.returncode}); see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"bench-web: gunicorn did not answer /healthz within 60 s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def check(base: str, page: str, rows: list[tuple[str, str, str, list[str]]], limit: int = 50) -> None:
    """Fetch each distinct URL once (up to ``limit``); anything but 200 stops the run."""
    opener = urllib.request.build_opener(_NoRedirect)
    seen: set[tuple[str, str]] = set()
    for method, path, body, headers in rows:
        if (path, headers[-1]) in seen or len(seen) >= limit:
            continue
        seen.add((path, headers[-1]))
        data = body.replace("@POS@", "5").encode() if body else None
        request = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310
        for header in headers:
            name, _, value = header.partition(": ")
            request.add_header(name, value)
        try:
            with opener.open(request, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        if status != 200:
            raise SystemExit(f"bench-web: {page}: {method} {path} answered {status}, not 200; nothing measured")


ACCESS_TIME = re.compile(rb'" \d{3} \S+ (\d+)ms "')


def app_times(log: Path, offset: int) -> tuple[list[int], int]:
    """Milliseconds inside the workers (gunicorn's access log, ``%(M)s``) logged after ``offset``:
    the time a request spent in Django, without waiting for a worker or for its connection."""
    with log.open("rb") as f:
        f.seek(offset)
        data = f.read()
    return sorted(int(m.group(1)) for m in ACCESS_TIME.finditer(data)), offset + len(data)


def _pct(values: list[int], q: float) -> float:
    return float(values[min(len(values) - 1, int(len(values) * q))]) if values else float("nan")


def run_wrk(base: str, requests_file: Path, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [
        WRK,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA),
        base,
        "--",
        str(requests_file),
        str(args.threads),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
    for line in out.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            result = json.loads(line.removeprefix("BENCH_JSON "))
            result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
            result["errors"] = sum(result[k] for k in ("connect", "read", "write", "timeout", "status", "redirects"))
            if not result["requests"] or result["errors"]:  # show what wrk saw
                print("\n" + out.stdout + out.stderr, flush=True)
            return result
    raise SystemExit(f"bench-web: wrk failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")


# --- report ------------------------------------------------------------------------------------


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine(server: Server, extra: list[str], load_before: float) -> dict[str, str]:
    import django
    import gunicorn
    import redis
    from django.db import connection

    cpuinfo = _read("/proc/cpuinfo")
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "")
    mem = re.search(r"MemTotal:\s+(\d+)", _read("/proc/meminfo"))
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    redis_version = redis.Redis.from_url(os.environ["REDIS_URL"]).info("server").get("redis_version", "?")
    wrk_version = subprocess.run([WRK, "-v"], capture_output=True, text=True, check=False).stdout.split()  # noqa: S603
    workers = server.env.get("WEB_CONCURRENCY") or str((os.cpu_count() or 1) * 2 + 1)
    worker_class, threads = "sync", "1"
    probe = subprocess.run(  # noqa: S603 - the settings gunicorn resolves from the config file and the extra arguments
        [
            str(ROOT / ".venv" / "bin" / "python"),
            "-c",
            "import sys; from gunicorn.app.wsgiapp import WSGIApplication as A; "
            "sys.argv = ['gunicorn', '--config', 'deploy/gunicorn.conf.py', *sys.argv[1:]]; "
            "c = A().cfg; print(c.workers, c.worker_class_str, c.threads, c.keepalive)",
            *extra,
        ],
        cwd=ROOT,
        env=server.env,
        capture_output=True,
        text=True,
        check=False,
    )
    keepalive = "?"
    if probe.returncode == 0 and probe.stdout.split():
        workers, worker_class, threads, keepalive = probe.stdout.split()[-4:]
    return {
        "cpu": f"{model or platform.processor()} x {os.cpu_count()}",
        "ram": f"{int(mem.group(1)) / 1024 / 1024:.1f} GiB" if mem else "?",
        "kernel": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "postgresql": pg,
        "redis": str(redis_version),
        "wrk": wrk_version[1] if len(wrk_version) > 1 else "?",
        "load": f"{load_before:.1f} / {os.getloadavg()[0]:.1f}",
        "server": f"{workers} {worker_class} workers"
        + (
            ", no keep-alive (sync workers close each connection)"
            if worker_class == "sync"
            else f" x {threads} threads, keep-alive {keepalive} s"
        ),
    }


def render(
    results: dict[str, dict[str, Any]], info: dict[str, str], dataset: dict[str, Any], args: argparse.Namespace
) -> tuple[str, str]:
    """(the plain table for the terminal, the Markdown section for PERFORMANCE.md)."""
    ceiling = results.get("hello", {}).get("rps")
    head = [
        "page",
        "URL",
        "as",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "app p50/p95",
        "errors",
        "of hello",
        "target",
        "met",
    ]
    rows = []
    for page, r in results.items():
        what, who, target = PAGES[page]
        fraction = r["rps"] / ceiling if ceiling else None
        p95 = r["p95_us"] / 1000
        goals = [f"p95 < {P95_TARGET_MS:.0f} ms", "0 errors"]
        met = p95 < P95_TARGET_MS and r["errors"] == 0
        if target is not None:
            goals.append(f">= {target:.0%}")
            met = met and fraction is not None and fraction >= target
        rows.append(
            [
                page,
                what,
                who,
                f"{r['rps']:.0f}",
                f"{r['p50_us'] / 1000:.1f}",
                f"{p95:.1f}",
                f"{r['p99_us'] / 1000:.1f}",
                f"{r.get('app_p50_ms', float('nan')):.0f} / {r.get('app_p95_ms', float('nan')):.0f}",
                str(r["errors"]),
                f"{fraction:.0%}" if fraction is not None else "-",
                ", ".join(goals) if page != "hello" else "ceiling",
                ("yes" if met else "NO") if page != "hello" else "-",
            ]
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    text = "\n".join(
        "  ".join(cell.ljust(widths[i]) if i < 3 or i >= 10 else cell.rjust(widths[i]) for i, cell in enumerate(row))
        for row in [head, *rows]
    )
    counts = ", ".join(f"{dataset['counts'][k]:,} {k}" for k in COUNTED if k in dataset["counts"])
    md = [
        START,
        "## Web stack under load (`make bench-web`)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `bench/web.py` (scale {dataset['scale']}): gunicorn "
        f"(`deploy/gunicorn.conf.py`, {info['server']}) with DEBUG=0 on PostgreSQL and Redis, driven by "
        f"`wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency` per page, after "
        f"{args.warmup} s of the same load that is not measured (the caches a running site keeps warm start empty: "
        "Redis is flushed before the run and every gunicorn worker starts cold). wrk runs on the same "
        "cores as the server, PostgreSQL and Redis, so every figure includes its share of the CPU. The API "
        "rate limits were lifted for the run; requests carry the `X-Forwarded-Proto: https` nginx sends.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---" if i < 3 or i >= 10 else "---:" for i in range(len(head))) + "|",
        *(
            "| " + " | ".join(_code(cell) if i == 1 else cell.replace("|", "\\|") for i, cell in enumerate(row)) + " |"
            for row in rows
        ),
        "",
        "p50/p95/p99 are wrk's (the client's) and include waiting for a free worker; \"app p50/p95\" is "
        "the time inside the workers, from gunicorn's access log (ms). "
        "Errors are socket errors (connect, read, write, timeout), 4xx/5xx and unexpected 3xx answers. "
        '"of hello" is the page\'s throughput as a fraction of `GET /bench/hello`, a view that returns '
        "`hello` through the same middleware on the same server: the framework's ceiling here.",
        "",
        f"- Machine: {info['cpu']}, {info['ram']} RAM, {info['kernel']}; load average {info['load']} "
        "(1 min, before the first page and after the last: anything above the server's own share means "
        "other work competed for the cores)",
        f"- Software: Python {info['python']}, Django {info['django']}, gunicorn {info['gunicorn']}, "
        f"PostgreSQL {info['postgresql']}, Redis {info['redis']}, wrk {info['wrk']}",
        f"- Dataset: {counts}; built in {dataset['build_seconds']:.0f} s",
        "- Signed-in pages rotate over 200 learners' sessions (each browser with its session and CSRF cookies); "
        "the progress call over their API tokens and video lessons, with growing positions.",
        END,
    ]
    return text, "\n".join(md) + "\n"


def _code(url: str) -> str:
    """``GET /courses/ (5 variants)`` -> ```GET /courses/` (5 variants)``."""
    request, paren, note = url.partition(" (")
    return f"`{request}`" + (f" ({note}" if paren else "")


def write_docs(section: str) -> None:
    text = DOCS.read_text() if DOCS.exists() else "# Performance\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        _, after = rest.split(END, 1)
        text = before + section.rstrip("\n") + after
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOCS.write_text(text)


# --- main --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1, help="multiply learners, enrollments, events, threads")
    parser.add_argument("--duration", type=int, default=30, help="seconds of load per page")
    parser.add_argument(
        "--warmup", type=int, default=10, help="seconds of the same load before each measured run (not measured)"
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--pages", default=",".join(PAGES), help=f"a subset of {','.join(PAGES)}")
    parser.add_argument("--rebuild", action="store_true", help="drop the bench database and build it again")
    parser.add_argument("--build-only", action="store_true", help="build (or check) the dataset and stop")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/PERFORMANCE.md")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (WEB_CONCURRENCY)")
    parser.add_argument("--gunicorn-args", default="", help='extra gunicorn options, e.g. "--threads 4"')
    args = parser.parse_args()
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    unknown = [p for p in pages if p not in PAGES]
    if unknown or args.scale < 1:
        parser.error(f"unknown pages {unknown} (choose from {', '.join(PAGES)})" if unknown else "--scale >= 1")
    if "hello" not in pages:
        pages.insert(0, "hello")  # the ceiling every fraction is computed against

    began = time.perf_counter()
    db_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)
    check_services(db_url, redis_url)
    if not args.build_only and not WRK:
        sys.exit("bench-web needs wrk (make system-deps installs it: apt-get install wrk)")

    marker = None if args.rebuild else dataset_marker(db_url)
    if marker is not None and marker["scale"] != args.scale:
        print(f"the bench database holds scale {marker['scale']}; rebuilding at scale {args.scale}")
        marker = None
    if marker is None:
        recreate_database(db_url)
    env = configure_django(db_url, redis_url, secret_key=secrets.token_urlsafe(50))

    from django.core.management import call_command
    from django.db import connection

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - t:.1f} s", flush=True)
    if marker is None:
        dataset = build(args.scale)
    else:
        dataset = marker
        print(
            f"reusing the scale-{args.scale} dataset built {marker['built_at']:%Y-%m-%d %H:%M} "
            f"({marker['build_seconds']:.0f} s); --rebuild builds it again"
        )
    print("rows: " + ", ".join(f"{k} {dataset['counts'][k]:,}" for k in COUNTED if k in dataset["counts"]), flush=True)
    if args.build_only:
        return

    t = time.perf_counter()
    call_command("collectstatic", "--noinput", verbosity=0)
    print(f"collectstatic: {time.perf_counter() - t:.1f} s", flush=True)
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    pool = sign_in_pool()
    lists = request_lists(pool)
    connection.close()

    workdir = Path(tempfile.mkdtemp(prefix="bench-web-"))
    extra = shlex.split(args.gunicorn_args)
    server = Server(env, args.workers, extra, workdir / "gunicorn.log")
    results: dict[str, dict[str, Any]] = {}
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        server.start()
        load_before = os.getloadavg()[0]
        print(f"gunicorn on {server.base} (log: {server.log_path})", flush=True)
        for page in pages:
            check(server.base, page, lists[page])
        for page in pages:
            path = workdir / f"{page}.txt"
            write_requests(path, lists[page])
            print(f"  {page:<12} {args.warmup} s warm-up + {args.duration} s ...", end="", flush=True)
            server.log.flush()
            if args.warmup > 0:  # steady state: the per-page caches filled, as on a site that is running
                run_wrk(server.base, path, argparse.Namespace(**{**vars(args), "duration": args.warmup}))
            server.log.flush()
            offset = server.log_path.stat().st_size
            r = run_wrk(server.base, path, args)
            time.sleep(0.5)  # the last access-log lines
            times, _ = app_times(server.log_path, offset)
            r["app_p50_ms"], r["app_p95_ms"] = _pct(times, 0.5), _pct(times, 0.95)
            results[page] = r
            print(
                f" {r['rps']:8.0f} req/s  p50 {r['p50_us'] / 1000:6.1f}  p95 {r['p95_us'] / 1000:6.1f}  "
                f"p99 {r['p99_us'] / 1000:6.1f} ms  "
                f"(in the app p50 {r['app_p50_ms']:.0f}, p95 {r['app_p95_ms']:.0f} ms)  errors {r['errors']}",
                flush=True,
            )
        info = machine(server, extra, load_before)
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)
    table, section = render(results, info, dataset, args)
    print()
    print(table)
    print(f"\n{info['cpu']}; {info['server']}; wrk -t{args.threads} -c{args.connections} -d{args.duration}s")
    if not args.no_docs:
        write_docs(section)
        print(f"wrote the bench-web section of {DOCS.relative_to(ROOT)}")
    print(f"total wall time {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()

"""Benchmark the analytics rollup and the dashboard: events per second and dashboard latency.

    make bench-analytics                  # 10 000 000 events, 50 000 users, 365 days
    BENCH_EVENTS=1000000 make bench-analytics

Generates synthetic ``core.Event`` rows (sign-ups, sign-ins, lesson views, video progress,
quizzes, replies, visits, catalog browsing, enrollments, completions, orders, refunds,
reviews) over the last ``BENCH_DAYS`` days for ``BENCH_USERS`` users, inserted in bulk
(SQLite: ``executemany`` in transactions of 100 000 rows; PostgreSQL: the same through
psycopg). Then it times a full rollup, an incremental one over ``BENCH_INCREMENT`` new events
on the last two days, and ``selectors.dashboard()`` for a 30-day and a 365-day period
(median and p95 of ``BENCH_RUNS`` runs, plus its SQL query count), and finally one
``train_churn`` run (weekly snapshots over the whole history, fit, scoring) with its wall
time and the process's peak memory (``BENCH_CHURN=0`` skips it). Runs against a throwaway
SQLite database in a temporary directory (or DATABASE_URL when set). It prints figures; it
asserts nothing.
"""

from __future__ import annotations

import gc
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# BENCH_DB_DIR: keep the SQLite database there; if it already holds one, only time the dashboard
REUSE = bool(os.environ.get("BENCH_DB_DIR")) and (Path(os.environ["BENCH_DB_DIR"]) / "db.sqlite3").exists()
if "DATABASE_URL" not in os.environ:
    os.environ["LYCEUM_VAR_DIR"] = os.environ.get("BENCH_DB_DIR") or tempfile.mkdtemp(prefix="lyceum-bench-")
os.environ.setdefault("DEBUG", "0")  # DEBUG would log every query of the rollup
os.environ.setdefault("SECRET_KEY", "bench-analytics-only")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

EVENTS = int(os.environ.get("BENCH_EVENTS", "10000000"))
USERS = int(os.environ.get("BENCH_USERS", "50000"))
COURSES = int(os.environ.get("BENCH_COURSES", "50"))
DAYS = int(os.environ.get("BENCH_DAYS", "365"))
INCREMENT = int(os.environ.get("BENCH_INCREMENT", str(max(1000, EVENTS // 100))))
RUNS = int(os.environ.get("BENCH_RUNS", "20"))
BATCH = 100_000

# (name, weight): what a learning community's log looks like, roughly
MIX = [
    ("lesson.viewed", 300),
    ("video.progressed", 250),
    ("user.signed_in", 100),
    ("quiz.submitted", 50),
    ("thread.viewed", 80),
    ("visit.started", 60),
    ("reply.created", 20),
    ("thread.created", 5),
    ("event.attended", 5),
    ("enrollment.created", 15),
    ("course.completed", 4),
    ("order.paid", 8),
    ("order.refunded", 1),
    ("review.posted", 3),
]


def setup() -> tuple[list[int], list[int]]:
    from lyceum.accounts.models import User
    from lyceum.courses.models import Course, CourseStatus

    call_command("migrate", verbosity=0)
    first = datetime.now(UTC) - timedelta(days=DAYS)
    User.objects.bulk_create(
        [
            User(email=f"bench{i}@example.com", display_name=f"Bench {i}", password="!", date_joined=first)
            for i in range(USERS)
        ],
        batch_size=5000,
    )
    Course.objects.bulk_create(
        [
            Course(slug=f"bench-{i}", title=f"Benchmark course {i}", status=CourseStatus.PUBLISHED)
            for i in range(COURSES)
        ],
        batch_size=1000,
    )
    return (
        list(User.objects.order_by("id").values_list("id", flat=True)),
        list(Course.objects.order_by("id").values_list("id", flat=True)),
    )


def generate(
    rng: random.Random, users: list[int], courses: list[int], count: int, start: datetime, days: float
) -> Iterator[tuple[str, datetime, int | None, str, str]]:
    """Yield (name, occurred_at, actor id, object id, props JSON)."""
    names = [n for n, _ in MIX]
    weights = [w for _, w in MIX]
    span = days * 86400
    signups = {u: start + timedelta(seconds=rng.random() * span * 0.9) for u in users}
    for user in users[: min(len(users), count // 20)]:  # sign-ups first (5 % of the events at most)
        yield "user.signed_up", signups[user], user, str(user), '{"method": "password"}'
        count -= 1
    picks = rng.choices(names, weights, k=count)
    for serial, name in enumerate(picks, start=1):
        user = users[int(len(users) * rng.random() ** 2)]  # skewed: the first 1 % of users do 10 % of it
        signed = signups[user]
        left = max(1.0, (start + timedelta(seconds=span) - signed).total_seconds())
        at = signed + timedelta(seconds=min(rng.expovariate(1 / (45 * 86400)), left - 1))
        course = courses[user % len(courses)]
        props: dict[str, object] = {}
        obj = ""
        if name in ("lesson.viewed", "video.progressed", "quiz.submitted"):
            props = {"course": course}
        elif name == "enrollment.created":
            obj, props = str(user * 1000 + course % 1000), {"course": course, "source": "free"}
        elif name == "course.completed":
            obj, props = str(course), {"enrollment": user * 1000 + course % 1000}
        elif name == "order.paid":
            obj, props = str(serial), {"total": rng.choice([9900, 19900, 29900]), "currency": "CNY", "course": course}
        elif name == "order.refunded":
            obj, props = str(serial), {"amount": 9900, "currency": "CNY", "course": course}
        elif name == "review.posted":
            obj, props = str(user * 1000 + course % 1000), {"course": course, "rating": rng.choice([2, 3, 4, 4, 5, 5])}
        yield name, at, (None if name == "visit.started" else user), obj, json.dumps(props)


def insert(rows: Iterator[tuple[str, datetime, int | None, str, str]]) -> int:
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
    props = "%s" if sqlite else "%s::jsonb"
    sql = "INSERT INTO core_event (name, occurred_at, actor_id, object_type, object_id, props) VALUES "
    sql += f"(%s, %s, %s, '', %s, {props})"
    total = 0
    batch: list[tuple[object, ...]] = []

    def flush() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, batch)
        batch.clear()

    for name, at, actor, obj, props in rows:
        when: object = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else at
        batch.append((name, when, actor, obj, props))
        total += 1
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    return total


def timed(fn: object, runs: int) -> tuple[float, float, float, int]:
    """Median and p95 wall-clock ms, median CPU ms of this process, queries of one run."""
    samples, cpu = [], []
    queries = 0
    for i in range(runs + 1):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            began, began_cpu = time.perf_counter(), time.process_time()
            fn()  # type: ignore[operator]
            elapsed, elapsed_cpu = (time.perf_counter() - began) * 1000, (time.process_time() - began_cpu) * 1000
        if i:  # the first run warms caches
            samples.append(elapsed)
            cpu.append(elapsed_cpu)
        queries = len(ctx.captured_queries)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)], statistics.median(cpu), queries


def main() -> None:
    from lyceum.analytics.rollup import rollup_run
    from lyceum.core.models import Event

    rng = random.Random(2026)  # noqa: S311 - synthetic data
    if REUSE:
        print(f"database: {connection.vendor}, reused: {Event.objects.count():,} events")
        time_dashboard()
        return
    print(f"database: {connection.vendor}; {EVENTS:,} events, {USERS:,} users, {COURSES} courses, {DAYS} days")
    users, courses = setup()
    now = datetime.now(UTC)
    start = now - timedelta(days=DAYS)
    began = time.perf_counter()
    n = insert(generate(rng, users, courses, EVENTS, start, DAYS - 2))
    print(f"generated and inserted {n:,} events in {time.perf_counter() - began:.1f} s")

    began = time.perf_counter()
    result = rollup_run(full=True)
    seconds = time.perf_counter() - began
    rate = result.events / seconds
    print(f"full rollup: {result.events:,} events, {result.days} days in {seconds:.1f} s ({rate:,.0f} events/s)")

    extra = insert(generate(rng, users, courses, INCREMENT, now - timedelta(days=2), 2))
    began = time.perf_counter()
    result = rollup_run()
    seconds = time.perf_counter() - began
    rate = result.events / seconds
    print(f"incremental rollup: {extra:,} new events, {result.days} days rebuilt in {seconds:.1f} s ({rate:,.0f} ev/s)")
    print(f"rows: events {Event.objects.count():,}")

    del users, courses
    gc.collect()  # the timings below should not pay for the generator's garbage
    time_dashboard()
    if os.environ.get("BENCH_CHURN", "1") != "0":
        time_churn()


def time_churn() -> None:
    import resource

    from lyceum.analytics.churn.model import train

    began = time.perf_counter()
    result = train()
    seconds = time.perf_counter() - began
    m = result.metrics
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    scored = result.model.scored if result.model else 0
    print(
        f"\ntrain_churn: {m['n_train'] + m['n_test']:,} learner-snapshots, {scored:,} learners scored in "
        f"{seconds:.1f} s; peak memory of the process {peak_mib:,.0f} MiB; held-out ROC-AUC {m['auc']:.3f} "
        "(synthetic events: the figure says nothing about real behaviour)"
    )


def time_dashboard() -> None:
    from lyceum.analytics import selectors

    today = selectors.platform_today()
    end = today - timedelta(days=1)
    print(f"\n{'dashboard':20} {'median ms':>10} {'p95 ms':>9} {'cpu ms':>8} {'queries':>8}")
    for label, length in (("30 days", 30), ("365 days", 365)):
        period_start = end - timedelta(days=length - 1)
        median, p95, cpu, queries = timed(lambda s=period_start: selectors.dashboard(start=s, end=end), RUNS)
        print(f"{label:20} {median:10.1f} {p95:9.1f} {cpu:8.1f} {queries:8d}")
    median, p95, cpu, queries = timed(lambda: selectors.course_table(start=end - timedelta(days=364), end=end), RUNS)
    print(f"{'course table 365 d':20} {median:10.1f} {p95:9.1f} {cpu:8.1f} {queries:8d}")


if __name__ == "__main__":
    main()

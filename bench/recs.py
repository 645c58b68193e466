"""Benchmark the recommender at scale: training time, peak memory, request latency.

    make bench-recs                       # 100 000 learners, 2 000 courses, 3 000 000 interactions
    BENCH_LEARNERS=5000 BENCH_COURSES=300 BENCH_INTERACTIONS=100000 make bench-recs

Builds a throwaway SQLite database (in a temporary directory, or DATABASE_URL when set):
``BENCH_LEARNERS`` users, ``BENCH_COURSES`` published courses spread over the survey topics
(one category per topic, as the demo does) with levels (beginner 50 %, intermediate 35 %,
advanced 15 %), topic vocabulary in titles and descriptions, and prerequisites (about a third
of the intermediate and advanced courses need one or two lower-level courses of their topic).
Then about ``BENCH_INTERACTIONS`` enrollments (what ``engine/data.load_interactions`` reads;
a quarter completed, a fifth purchased), inserted with ``executemany`` in transactions of
100 000 rows: each learner has one to three favourite topics (80 % of their courses come from
them), course popularity is Zipf-skewed, and the number of courses per learner is log-normal
(median ~15 at the default scale). 60 % of the learners answered the needs survey (topics
with levels, a goal).

Then it times ``engine.train.train()`` (what ``manage.py train_recommender`` runs) with its
per-stage seconds, the process's resident memory before it and the peak after it
(``ru_maxrss``), and finally ``GET /api/v1/me/recommendations`` for ``BENCH_REQUESTS`` random
learners through Django's test client (session login, ``DEBUG=0``) after ``BENCH_WARMUP``
warm-up requests: median, p95, p99 and the query count of one request. It prints figures
against the issue's targets (training under 2 minutes, p95 under 20 ms on 2 cores); it
asserts nothing.

``BENCH_PROFILE=1`` runs ``train()`` under cProfile and prints the top functions.
``BENCH_DB_DIR=<dir>`` keeps the SQLite database there; when it already holds one, the data
is reused (train and requests only: a fresh process gives a clean peak-memory figure).
"""

from __future__ import annotations

import gc
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
REUSE = bool(os.environ.get("BENCH_DB_DIR")) and (Path(os.environ["BENCH_DB_DIR"]) / "db.sqlite3").exists()
if "DATABASE_URL" not in os.environ:
    os.environ["LYCEUM_VAR_DIR"] = os.environ.get("BENCH_DB_DIR") or tempfile.mkdtemp(prefix="lyceum-bench-")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-recs-only")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("LYCEUM_API_RATE_ANON", "1000000/min")
os.environ.setdefault("LYCEUM_API_RATE_USER", "1000000/min")

import warnings  # noqa: E402

import django  # noqa: E402

django.setup()
warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic in a throwaway DB

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

LEARNERS = int(os.environ.get("BENCH_LEARNERS", "100000"))
COURSES = int(os.environ.get("BENCH_COURSES", "2000"))
INTERACTIONS = int(os.environ.get("BENCH_INTERACTIONS", "3000000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "2000"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "100"))
PROFILE = os.environ.get("BENCH_PROFILE", "") not in ("", "0")
DAYS = 365
BATCH = 100_000
TARGET_TRAIN_S = 120.0
TARGET_P95_MS = 20.0
URL = "/api/v1/me/recommendations"

LEVELS = ("beginner", "intermediate", "advanced")
WORDS = (  # noqa: SIM905 - a word list
    "practical introduction guide workshop projects fundamentals essentials deep dive hands-on patterns "
    "methods tools analysis design systems skills modern complete applied advanced theory "
    "practice case studies exercises real world course series masterclass bootcamp"
).split()


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def build(rng: np.random.Generator) -> None:
    from lyceum.accounts.models import LearnerGoal, LearnerProfile, Topic, TopicInterest, User
    from lyceum.courses.models import Category, Course, CourseStatus

    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    now = datetime.now(UTC)
    first = now - timedelta(days=DAYS)

    topics = list(Topic.objects.order_by("position", "slug"))
    categories = [
        Category.objects.get_or_create(
            slug=t.slug, defaults={"name_en": t.name_en, "name_zh": t.name_zh, "topic": t, "position": t.position}
        )[0]
        for t in topics
    ]
    n_topics = len(topics)
    vocab = [
        [f"{t.slug.replace('-', '')}{k}" for k in range(25)] + t.name_en.lower().split() for t in topics
    ]  # each topic's own words, so TF-IDF has structure

    # --- courses --------------------------------------------------------------------------
    course_topic = rng.integers(0, n_topics, COURSES)
    course_level = rng.choice(3, COURSES, p=[0.5, 0.35, 0.15])
    courses = []
    for i in range(COURSES):
        t = int(course_topic[i])
        words = rng.choice(vocab[t], 8).tolist() + rng.choice(WORDS, 6).tolist()
        courses.append(
            Course(
                slug=f"bench-{i}",
                title=f"{topics[t].name_en} {' '.join(words[:3])} {i}",
                subtitle=f"{topics[t].name_zh}：{' '.join(words[3:6])}",
                description=" ".join(words + rng.choice(vocab[t], 20).tolist()),
                objectives="\n".join(words[6:10]),
                category=categories[t],
                level=LEVELS[int(course_level[i])],
                status=CourseStatus.PUBLISHED,
                published_at=first,
            )
        )
    Course.objects.bulk_create(courses, batch_size=1000)
    course_ids = np.array(Course.objects.order_by("id").values_list("id", flat=True), dtype=np.int64)
    by_topic = [np.flatnonzero(course_topic == t) for t in range(n_topics)]
    links = []
    Through = Course.prerequisites.through
    for i in range(COURSES):
        lvl = int(course_level[i])
        if lvl == 0 or rng.random() > 0.33:
            continue
        lower = [j for j in by_topic[int(course_topic[i])].tolist() if course_level[j] < lvl]
        for j in rng.choice(lower, min(len(lower), int(rng.integers(1, 3))), replace=False).tolist() if lower else []:
            links.append(Through(from_course_id=int(course_ids[i]), to_course_id=int(course_ids[j])))
    Through.objects.bulk_create(links, batch_size=5000)

    # --- learners -------------------------------------------------------------------------
    User.objects.bulk_create(
        [
            User(email=f"bench{i}@example.com", display_name=f"Bench {i}", password="!", date_joined=first)
            for i in range(LEARNERS)
        ],
        batch_size=5000,
    )
    user_ids = np.array(User.objects.order_by("id").values_list("id", flat=True), dtype=np.int64)
    tastes = [rng.choice(n_topics, int(rng.integers(1, 4)), replace=False) for _ in range(LEARNERS)]
    surveyed = np.flatnonzero(rng.random(LEARNERS) < 0.6)
    profiles = LearnerProfile.objects.bulk_create(
        [LearnerProfile(user_id=int(user_ids[u]), weekly_hours=5, completed_at=first) for u in surveyed.tolist()],
        batch_size=5000,
    )
    interests, goals = [], []
    goal_names = ("career_change", "skill_up", "exam", "hobby")
    for profile, u in zip(profiles, surveyed.tolist(), strict=True):
        for t in tastes[u][:2].tolist():
            interests.append(
                TopicInterest(profile_id=profile.pk, topic_id=topics[t].pk, level=LEVELS[int(rng.integers(0, 3))])
            )
        goals.append(LearnerGoal(profile_id=profile.pk, goal=goal_names[int(rng.integers(0, 4))]))
    TopicInterest.objects.bulk_create(interests, batch_size=5000)
    LearnerGoal.objects.bulk_create(goals, batch_size=5000)
    print(
        f"built {COURSES:,} courses ({len(links):,} prerequisite links), {LEARNERS:,} learners "
        f"({len(surveyed):,} with a survey) in {time.perf_counter() - began:.1f} s"
    )

    # --- enrollments ----------------------------------------------------------------------
    began = time.perf_counter()
    popularity = 1.0 / (rng.permutation(COURSES) + 1.0) ** 0.8  # Zipf-skewed, random order
    cum_all = np.cumsum(popularity) / popularity.sum()
    cum_topic = [np.cumsum(popularity[ix]) / popularity[ix].sum() for ix in by_topic]
    raw = rng.lognormal(0.0, 1.0, LEARNERS)
    counts = np.clip(np.rint(raw / raw.sum() * INTERACTIONS), 1, min(COURSES, 400)).astype(np.int64)
    sqlite = connection.vendor == "sqlite"
    pool = [first + timedelta(seconds=DAYS * 86400 * k / 20_000) for k in range(20_000)]
    stamps: list[object] = [d.strftime("%Y-%m-%d %H:%M:%S.%f") for d in pool] if sqlite else list(pool)
    done_after = 20_000 * 30 // DAYS  # completion: 30 days' worth of pool steps later (capped)
    sql = (
        "INSERT INTO learning_enrollment (created_at, updated_at, user_id, course_id, source, completed_at, "
        "progress_percent, last_activity_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    )
    if sqlite:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
    batch: list[tuple[object, ...]] = []
    total = 0

    def flush() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, batch)
        batch.clear()

    for u in range(LEARNERS):
        n = int(counts[u])
        want = 2 * n + 4
        taste = tastes[u]
        fav = rng.random(want) < 0.8
        picks = np.searchsorted(cum_all, rng.random(want))
        which = rng.choice(taste, want)
        for k in np.unique(which[fav]).tolist():
            sel = fav & (which == k)
            picks[sel] = by_topic[k][
                np.minimum(np.searchsorted(cum_topic[k], rng.random(int(sel.sum()))), len(by_topic[k]) - 1)
            ]
        picks = np.minimum(picks, COURSES - 1)
        _, first_at = np.unique(picks, return_index=True)
        chosen = picks[np.sort(first_at)][:n]
        if len(chosen) < n:  # narrow tastes: top up from the whole catalogue
            extra = np.setdiff1d(np.searchsorted(cum_all, rng.random(4 * n)), chosen)
            chosen = np.concatenate([chosen, rng.permutation(np.minimum(extra, COURSES - 1))[: n - len(chosen)]])
        m = len(chosen)
        at = rng.integers(0, 20_000 - 1, m)
        done = rng.random(m) < 0.25
        bought = rng.random(m) < 0.2
        uid = int(user_ids[u])
        for c, a, d, b in zip(chosen.tolist(), at.tolist(), done.tolist(), bought.tolist(), strict=True):
            when = stamps[a]
            finished = stamps[min(a + done_after, 19_999)] if d else None
            batch.append(
                (when, when, uid, int(course_ids[c]), "purchase" if b else "free", finished, 100 if d else 30, when)
            )
        total += m
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE courses_course SET enrollment_count = "
            "(SELECT COUNT(*) FROM learning_enrollment e WHERE e.course_id = courses_course.id)"
        )
    print(f"inserted {total:,} enrollments in {time.perf_counter() - began:.1f} s")


def time_train() -> dict[str, object]:
    from lyceum.recommendations.engine.train import train

    gc.collect()
    before_rss, before_peak = rss_mib(), peak_mib()
    began = time.perf_counter()
    cpu = time.process_time()
    if PROFILE:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        run = profiler.runcall(train, log=lambda m: print("  train:", m))
    else:
        run = train(log=lambda m: print("  train:", m))
    seconds = time.perf_counter() - began
    cpu_s = time.process_time() - cpu
    after_peak = peak_mib()
    print(
        f"\ntrain(): {seconds:.1f} s wall, {cpu_s:.1f} s CPU; resident memory before {before_rss:,.0f} MiB, "
        f"peak of the process {after_peak:,.0f} MiB (peak before train {before_peak:,.0f} MiB)"
    )
    stats = run.stats
    print("stats:", {k: v for k, v in stats.items() if k != "seconds"})
    print("stages (s):", stats.get("seconds"))
    if PROFILE:
        print("\ncProfile, top 25 by cumulative time:")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        print("cProfile, top 20 by own time:")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
    return {"seconds": seconds, "cpu": cpu_s, "peak": after_peak, "before": before_rss}


def time_requests() -> dict[str, float]:
    from lyceum.accounts.models import User
    from lyceum.recommendations.models import Recommendation

    learners = list(Recommendation.objects.values_list("user_id", flat=True).distinct())
    rnd = random.Random(7)  # noqa: S311 - synthetic
    users = {u.pk: u for u in User.objects.filter(pk__in=rnd.sample(learners, min(len(learners), 3000)))}
    ids = list(users)
    client = Client()

    def one(uid: int) -> float:
        client.force_login(users[uid])  # not timed
        began = time.perf_counter()
        response = client.get(URL, secure=True)
        elapsed = (time.perf_counter() - began) * 1000
        if response.status_code != 200 or not response.json()["items"]:
            raise SystemExit(f"{URL}: {response.status_code} {response.content[:200]!r}")
        return elapsed

    for _ in range(WARMUP):
        one(rnd.choice(ids))
    samples = sorted(one(rnd.choice(ids)) for _ in range(REQUESTS))
    queries = []
    for _ in range(20):
        uid = rnd.choice(ids)
        client.force_login(users[uid])
        with CaptureQueriesContext(connection) as ctx:
            client.get(URL, secure=True)
        queries.append(len(ctx.captured_queries))

    def pct(p: float) -> float:
        return samples[min(len(samples) - 1, max(0, round(len(samples) * p) - 1))]

    return {
        "median": statistics.median(samples),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "max": samples[-1],
        "queries": statistics.median(queries),
        "queries_max": max(queries),
    }


def main() -> None:
    from lyceum.learning.models import Enrollment

    la = os.getloadavg()
    print(
        f"database: {connection.vendor}; {LEARNERS:,} learners, {COURSES:,} courses, {INTERACTIONS:,} interactions "
        f"(target); {os.cpu_count()} CPUs, load average {la[0]:.1f} {la[1]:.1f} {la[2]:.1f}"
    )
    if REUSE:
        print(f"reused database: {Enrollment.objects.count():,} enrollments")
    else:
        build(np.random.default_rng(2026))
    trained = time_train()
    latency = time_requests()
    la = os.getloadavg()
    ok_train = "met" if trained["seconds"] <= TARGET_TRAIN_S else "MISSED"
    if PROFILE:
        ok_train += " (under cProfile: slower than a plain run)"
    ok_p95 = "met" if latency["p95"] <= TARGET_P95_MS else "MISSED"
    print(f"\nload average at the end {la[0]:.1f} {la[1]:.1f} {la[2]:.1f}\n")
    print(f"{'measure':34} {'value':>12} {'target':>10}  verdict")
    print(f"{'train() wall time':34} {trained['seconds']:10.1f} s {'120 s':>10}  {ok_train}")
    print(f"{'train() CPU time':34} {trained['cpu']:10.1f} s {'':>10}")
    print(f"{'peak resident memory (process)':34} {trained['peak']:8,.0f} MiB {'':>10}")
    print(f"{f'{URL} median':34} {latency['median']:9.1f} ms")
    print(f"{'  p95':34} {latency['p95']:9.1f} ms {'20 ms':>10}  {ok_p95}")
    print(f"{'  p99':34} {latency['p99']:9.1f} ms")
    print(f"{'  max':34} {latency['max']:9.1f} ms")
    print(f"{'  queries per request (median/max)':34} {latency['queries']:6.0f} / {latency['queries_max']:.0f}")
    print(f"({REQUESTS:,} requests after {WARMUP} warm-up, test client, session login, DEBUG=0)")


if __name__ == "__main__":
    main()

"""The recommender's input: implicit feedback as plain arrays, the catalogue, the learners.

``Interactions`` holds one row per (user, item) pair: the summed weight of every signal and the
time of the first one (for time-ordered splits). Users and items are indexes into ``user_keys``
and ``item_keys`` (course ids, or whatever a CSV file names). Two sources:

- ``load_interactions()`` reads our own tables. Weights (``WEIGHTS``): enrolling 1, buying
  +1, each completed lesson +0.2 (at most +2), completing the course +2, a positive review
  (4-5 stars) +1. Revoked enrollments still count (the learner did pick the course).
- ``load_csv(path)`` reads ``user_id,item_id,timestamp[,weight]`` (a header line is optional;
  the timestamp is seconds since the epoch or ISO 8601). Bad rows raise ``CsvError`` listing
  every problem with its line number.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

WEIGHTS = {
    "enrolled": 1.0,
    "purchased": 1.0,
    "lesson": 0.2,
    "lessons_max": 2.0,
    "completed": 2.0,
    "positive_review": 1.0,
}
LEVELS = ("beginner", "intermediate", "advanced")


@dataclass
class Interactions:
    user_keys: list[Any]
    item_keys: list[Any]
    users: np.ndarray  # int32, one per pair
    items: np.ndarray  # int32
    weights: np.ndarray  # float32
    times: np.ndarray  # float64, seconds since the epoch

    @property
    def n_users(self) -> int:
        return len(self.user_keys)

    @property
    def n_items(self) -> int:
        return len(self.item_keys)

    def __len__(self) -> int:
        return len(self.users)

    def matrix(self) -> sparse.csr_matrix:
        """users × items, the summed weights (CSR, float32)."""
        m = sparse.csr_matrix(
            (self.weights.astype(np.float32), (self.users, self.items)),
            shape=(self.n_users, self.n_items),
            dtype=np.float32,
        )
        m.sum_duplicates()
        return m

    def subset(self, mask: np.ndarray) -> Interactions:
        """The rows where ``mask`` is true; the same user and item indexes."""
        return Interactions(
            self.user_keys, self.item_keys, self.users[mask], self.items[mask], self.weights[mask], self.times[mask]
        )

    def history(self) -> list[dict[int, float]]:
        """Per user index: ``{item index: weight}``."""
        out: list[dict[int, float]] = [{} for _ in range(self.n_users)]
        for u, i, w in zip(self.users.tolist(), self.items.tolist(), self.weights.tolist(), strict=True):
            out[u][i] = out[u].get(i, 0.0) + w
        return out


def interactions_from_rows(
    rows: Iterable[tuple[Any, Any, float, float]], *, item_keys: Sequence[Any] = ()
) -> Interactions:
    """Build from ``(user key, item key, timestamp, weight)`` rows: pairs are merged (weights
    summed, earliest time kept). ``item_keys`` pre-registers items (a catalogue course nobody
    took yet is still an item)."""
    user_index: dict[Any, int] = {}
    item_index: dict[Any, int] = {key: n for n, key in enumerate(dict.fromkeys(item_keys))}
    pairs: dict[tuple[int, int], list[float]] = {}
    for user, item, ts, weight in rows:
        u = user_index.setdefault(user, len(user_index))
        i = item_index.setdefault(item, len(item_index))
        seen = pairs.get((u, i))
        if seen is None:
            pairs[(u, i)] = [float(weight), float(ts)]
        else:
            seen[0] += float(weight)
            seen[1] = min(seen[1], float(ts))
    keys = list(pairs)
    return Interactions(
        user_keys=list(user_index),
        item_keys=list(item_index),
        users=np.fromiter((k[0] for k in keys), dtype=np.int32, count=len(keys)),
        items=np.fromiter((k[1] for k in keys), dtype=np.int32, count=len(keys)),
        weights=np.fromiter((pairs[k][0] for k in keys), dtype=np.float32, count=len(keys)),
        times=np.fromiter((pairs[k][1] for k in keys), dtype=np.float64, count=len(keys)),
    )


# --- CSV -------------------------------------------------------------------------------------


class CsvError(ValueError):
    """A CSV file that cannot be used; ``problems`` are ``"line N: what is wrong"``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])
        super().__init__("\n".join(shown))


def _timestamp(text: str) -> float | None:
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            return None
        return parsed.timestamp()
    return value if math.isfinite(value) else None


def load_csv(path: str | Path, *, max_problems: int = 100) -> Interactions:
    """Interactions from ``user_id,item_id,timestamp[,weight]`` (see the module docstring)."""
    problems: list[str] = []
    rows: list[tuple[str, str, float, float]] = []
    try:
        handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise CsvError([f"cannot open {path}: {exc.strerror or exc}"]) from None
    with handle:
        try:
            for line_no, record in enumerate(csv.reader(handle), start=1):
                if not record or all(not cell.strip() for cell in record):
                    continue
                if line_no == 1 and record[0].strip().lower() in ("user_id", "user"):
                    continue  # header
                problem = _row_problem(record)
                if problem:
                    problems.append(f"line {line_no}: {problem}")
                    if len(problems) >= max_problems:
                        break
                    continue
                ts = _timestamp(record[2])
                weight = float(record[3]) if len(record) == 4 and record[3].strip() else 1.0
                rows.append((record[0].strip(), record[1].strip(), float(ts or 0.0), weight))
        except (UnicodeDecodeError, csv.Error) as exc:
            problems.append(f"unreadable file: {exc}")
    if problems:
        raise CsvError(problems)
    if not rows:
        raise CsvError(["no interactions in the file"])
    return interactions_from_rows(rows)


def _row_problem(record: list[str]) -> str:
    if len(record) not in (3, 4):
        return f"expected 3 or 4 columns (user_id,item_id,timestamp[,weight]), got {len(record)}"
    if not record[0].strip():
        return "user_id is empty"
    if not record[1].strip():
        return "item_id is empty"
    if _timestamp(record[2]) is None:
        return f"timestamp {record[2].strip()!r} is neither seconds since the epoch nor ISO 8601 with a time zone"
    if len(record) == 4 and record[3].strip():
        try:
            weight = float(record[3])
        except ValueError:
            return f"weight {record[3].strip()!r} is not a number"
        if not math.isfinite(weight) or weight <= 0:
            return f"weight {record[3].strip()!r} must be a positive number"
    return ""


# --- the catalogue and the learners ----------------------------------------------------------


@dataclass
class Item:
    """What the content and topic components know of a course (absent for CSV data)."""

    key: Any
    text: str = ""
    topic: int | None = None
    level: int = 0  # index into LEVELS
    prerequisites: tuple[Any, ...] = ()  # item keys
    published: bool = True


@dataclass
class Learner:
    """One learner as the hybrid sees them. ``history`` and ``completed`` use item indexes."""

    key: Any
    index: int | None = None  # row in the training matrix; None: not in it
    history: dict[int, float] = field(default_factory=dict)
    completed: frozenset[int] = frozenset()
    topics: dict[int, float] = field(default_factory=dict)  # topic id -> interest weight
    levels: dict[int, int] = field(default_factory=dict)  # topic id -> level index (survey)
    goals: tuple[str, ...] = ()


def level_index(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else 0


# --- our tables ------------------------------------------------------------------------------


def load_interactions() -> tuple[Interactions, dict[tuple[Any, Any], float]]:
    """Every learner's implicit feedback from our tables, and the completion time of each
    completed (user, course) pair (a "because you finished X" reason needs it to be real)."""
    from django.db.models import Count, Max

    from lyceum.courses.models import Course
    from lyceum.feedback.models import Review
    from lyceum.learning.models import Enrollment, LessonProgress

    rows: list[tuple[Any, Any, float, float]] = []
    completed: dict[tuple[Any, Any], float] = {}
    for user_id, course_id, created, source, done in Enrollment.objects.values_list(
        "user_id", "course_id", "created_at", "source", "completed_at"
    ):
        ts = created.timestamp()
        rows.append((user_id, course_id, ts, WEIGHTS["enrolled"]))
        if source == "purchase":
            rows.append((user_id, course_id, ts, WEIGHTS["purchased"]))
        if done is not None:
            rows.append((user_id, course_id, done.timestamp(), WEIGHTS["completed"]))
            completed[(user_id, course_id)] = done.timestamp()
    lessons = (
        LessonProgress.objects.filter(completed_at__isnull=False)
        .values("user_id", "course_id")
        .annotate(n=Count("id"), last=Max("completed_at"))
        .values_list("user_id", "course_id", "n", "last")
    )
    for user_id, course_id, n, last in lessons:
        rows.append((user_id, course_id, last.timestamp(), min(WEIGHTS["lessons_max"], n * WEIGHTS["lesson"])))
    for user_id, course_id, created in Review.objects.filter(rating__gte=4, hidden_at__isnull=True).values_list(
        "user_id", "course_id", "created_at"
    ):
        rows.append((user_id, course_id, created.timestamp(), WEIGHTS["positive_review"]))
    item_keys = list(Course.objects.order_by("pk").values_list("pk", flat=True))
    return interactions_from_rows(rows, item_keys=item_keys), completed


def load_catalog(item_keys: Sequence[Any]) -> list[Item]:
    """One ``Item`` per item key (course id), in that order; unknown ids are unpublished items."""
    from lyceum.courses.models import Course, CourseStatus

    courses = {
        c.pk: c
        for c in Course.objects.filter(pk__in=list(item_keys))
        .select_related("category")
        .prefetch_related("tags", "prerequisites")
    }
    items: list[Item] = []
    for key in item_keys:
        c = courses.get(key)
        if c is None:
            items.append(Item(key=key, published=False))
            continue
        category = c.category
        parts = [c.title, c.title, c.subtitle, c.objectives, c.description[:2000]]
        parts += [t.name for t in c.tags.all()] * 2
        if category is not None:
            parts += [category.name_en, category.name_zh]
        items.append(
            Item(
                key=c.pk,
                text="\n".join(p for p in parts if p),
                topic=category.topic_id if category is not None else None,
                level=level_index(c.level),
                prerequisites=tuple(p.pk for p in c.prerequisites.all()),
                published=c.status == CourseStatus.PUBLISHED,
            )
        )
    return items


def load_survey(user_keys: Iterable[Any]) -> dict[Any, tuple[dict[int, int], tuple[str, ...]]]:
    """``{user id: ({topic id: level index}, goals)}`` from the needs survey."""
    from lyceum.accounts.models import LearnerGoal, TopicInterest

    ids = list(user_keys)
    out: dict[Any, tuple[dict[int, int], tuple[str, ...]]] = {}
    levels: dict[Any, dict[int, int]] = {}
    goals: dict[Any, list[str]] = {}
    for chunk in range(0, len(ids), 5000):
        part = ids[chunk : chunk + 5000]
        for user_id, topic_id, level in TopicInterest.objects.filter(profile__user_id__in=part).values_list(
            "profile__user_id", "topic_id", "level"
        ):
            levels.setdefault(user_id, {})[topic_id] = level_index(level)
        for user_id, goal in (
            LearnerGoal.objects.filter(profile__user_id__in=part)
            .order_by("goal")
            .values_list("profile__user_id", "goal")
        ):
            goals.setdefault(user_id, []).append(goal)
    for user_id in ids:
        out[user_id] = (levels.get(user_id, {}), tuple(goals.get(user_id, ())))
    return out

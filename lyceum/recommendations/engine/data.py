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
import itertools
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
        """Per user index: ``{item index: weight}`` (pairs are unique: both builders merge them)."""
        order = np.argsort(self.users, kind="stable")
        items = self.items[order].tolist()
        weights = self.weights[order].tolist()
        bounds = np.searchsorted(self.users[order], np.arange(self.n_users + 1)).tolist()
        return [dict(zip(items[a:b], weights[a:b], strict=True)) for a, b in itertools.pairwise(bounds)]


def interactions_from_rows(
    rows: Iterable[tuple[Any, Any, float, float]], *, item_keys: Sequence[Any] = ()
) -> Interactions:
    """Build from ``(user key, item key, timestamp, weight)`` rows: pairs are merged (weights
    summed, earliest time kept). ``item_keys`` pre-registers items (a catalogue course nobody
    took yet is still an item)."""
    rows = list(rows)
    return interactions_from_arrays(
        [r[0] for r in rows],
        [r[1] for r in rows],
        np.array([r[2] for r in rows], dtype=np.float64),
        np.array([r[3] for r in rows], dtype=np.float64),
        item_keys=item_keys,
    )


def _first_seen(keys: Sequence[Any] | np.ndarray) -> tuple[list[Any], np.ndarray]:
    """(distinct keys in order of first appearance, index of each row's key in that list)."""
    if not len(keys):
        return [], np.zeros(0, dtype=np.int64)
    distinct, first, inverse = np.unique(np.asarray(keys), return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return distinct[order].tolist(), rank[inverse.ravel()]


def interactions_from_arrays(
    users: Sequence[Any] | np.ndarray,
    items: Sequence[Any] | np.ndarray,
    times: np.ndarray,
    weights: np.ndarray,
    *,
    item_keys: Sequence[Any] = (),
) -> Interactions:
    """``interactions_from_rows`` over columns (one entry per signal), vectorised: keys are
    numbered in order of first appearance (pre-registered items first), pairs keep the order
    of their first signal."""
    user_keys, u = _first_seen(users)
    seen_items, i_local = _first_seen(items)
    item_index: dict[Any, int] = {key: n for n, key in enumerate(dict.fromkeys(item_keys))}
    for key in seen_items:
        item_index.setdefault(key, len(item_index))
    i = np.array([item_index[key] for key in seen_items], dtype=np.int64)[i_local] if len(i_local) else i_local
    pair = u * max(len(item_index), 1) + i
    distinct, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    summed = np.bincount(inverse, weights=np.asarray(weights, dtype=np.float64), minlength=len(distinct))
    earliest = np.full(len(distinct), np.inf)
    np.minimum.at(earliest, inverse, np.asarray(times, dtype=np.float64))
    order = np.argsort(first, kind="stable")  # pairs in order of their first signal
    return Interactions(
        user_keys=user_keys,
        item_keys=list(item_index),
        users=u[first[order]].astype(np.int32),
        items=i[first[order]].astype(np.int32),
        weights=summed[order].astype(np.float32),
        times=earliest[order],
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


@dataclass
class Batch:
    """Learners ranked together: their histories and completions as sparse rows, so the
    components score a thousand learners with a few matrix products instead of a loop."""

    learners: Sequence[Learner]
    history: sparse.csr_matrix  # learners × items: interaction weights
    completed: sparse.csr_matrix  # learners × items: 1 where completed

    def __len__(self) -> int:
        return len(self.learners)

    def taken(self) -> tuple[np.ndarray, np.ndarray]:
        """(row, item) of every history entry."""
        rows = np.repeat(np.arange(len(self.learners)), np.diff(self.history.indptr))
        return rows, self.history.indices


def batch_of(learners: Sequence[Learner], n_items: int) -> Batch:
    def rows(per: list[dict[int, float]] | list[frozenset[int]], values: bool) -> sparse.csr_matrix:
        lengths = np.fromiter((len(x) for x in per), dtype=np.int64, count=len(per))
        indptr = np.zeros(len(per) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        total = int(indptr[-1])
        cols = np.fromiter(itertools.chain.from_iterable(per), dtype=np.int64, count=total)
        if values:
            vals = np.fromiter(
                itertools.chain.from_iterable(h.values() for h in per),  # type: ignore[union-attr]
                dtype=np.float32,
                count=total,
            )
        else:
            vals = np.ones(total, dtype=np.float32)
        return sparse.csr_matrix((vals, cols, indptr), shape=(len(per), n_items))

    return Batch(
        learners=learners,
        history=rows([ln.history for ln in learners], True),
        completed=rows([ln.completed for ln in learners], False),
    )


def level_index(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else 0


# --- our tables ------------------------------------------------------------------------------


def load_interactions() -> tuple[Interactions, dict[tuple[Any, Any], float]]:
    """Every learner's implicit feedback from our tables, and the completion time of each
    completed (user, course) pair (a "because you finished X" reason needs it to be real).

    Millions of rows: timestamps come from the database as epoch seconds and rows as plain
    tuples into numpy columns (``core.bulk``), never as model instances or ``datetime``s."""
    from django.db.models import Case, Count, FloatField, Max, Value, When
    from django.db.models.functions import Coalesce

    from lyceum.core.bulk import Epoch, fetch_rows
    from lyceum.courses.models import Course
    from lyceum.feedback.models import Review
    from lyceum.learning.models import Enrollment, LessonProgress

    def table(queryset: Any, width: int) -> np.ndarray:
        return np.array(list(fetch_rows(queryset)), dtype=np.float64).reshape(-1, width)

    enrolled = table(
        Enrollment.objects.annotate(
            t=Epoch("created_at"),
            bought=Case(When(source="purchase", then=Value(1.0)), default=Value(0.0), output_field=FloatField()),
            done=Coalesce(Epoch("completed_at"), Value(-1.0), output_field=FloatField()),
        )
        .order_by("pk")
        .values_list("user_id", "course_id", "t", "bought", "done"),
        5,
    )
    lessons = table(
        LessonProgress.objects.filter(completed_at__isnull=False)
        .order_by()
        .values("user_id", "course_id")
        .annotate(n=Count("id"), last=Epoch(Max("completed_at")))
        .order_by("user_id", "course_id")
        .values_list("user_id", "course_id", "last", "n"),
        4,
    )
    reviews = table(
        Review.objects.filter(rating__gte=4, hidden_at__isnull=True)
        .order_by("pk")
        .annotate(t=Epoch("created_at"))
        .values_list("user_id", "course_id", "t"),
        3,
    )
    bought = enrolled[enrolled[:, 3] > 0]
    done = enrolled[enrolled[:, 4] >= 0]
    columns = [  # (user, course, time, weight) per signal
        (enrolled[:, 0], enrolled[:, 1], enrolled[:, 2], np.full(len(enrolled), WEIGHTS["enrolled"])),
        (bought[:, 0], bought[:, 1], bought[:, 2], np.full(len(bought), WEIGHTS["purchased"])),
        (done[:, 0], done[:, 1], done[:, 4], np.full(len(done), WEIGHTS["completed"])),
        (
            lessons[:, 0],
            lessons[:, 1],
            lessons[:, 2],
            np.minimum(WEIGHTS["lessons_max"], lessons[:, 3] * WEIGHTS["lesson"]),
        ),
        (reviews[:, 0], reviews[:, 1], reviews[:, 2], np.full(len(reviews), WEIGHTS["positive_review"])),
    ]
    users, courses, times, weights = (np.concatenate(parts) for parts in zip(*columns, strict=True))
    item_keys = list(Course.objects.order_by("pk").values_list("pk", flat=True))
    data = interactions_from_arrays(
        users.astype(np.int64), courses.astype(np.int64), times, weights, item_keys=item_keys
    )
    completed = dict(
        zip(
            zip(done[:, 0].astype(np.int64).tolist(), done[:, 1].astype(np.int64).tolist(), strict=True),
            done[:, 4].tolist(),
            strict=True,
        )
    )
    return data, completed


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

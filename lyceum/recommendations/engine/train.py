"""``train_recommender``: fit the hybrid on all history and store what serving reads.

Writes a new ``RecommenderRun``, the top ``TOP_N`` ``Recommendation`` rows (with reasons) of
every active learner (anyone with history or needs-survey answers), and per course up to
``SIMILAR_N`` "learners who took this also took" (co-enrollment, ordered with ALS item
similarity) and ``SIMILAR_N`` content-similar ``SimilarCourse`` rows. Then marks the run
finished (serving switches to it), emits ``recommender.trained`` with the stats and deletes the
rows of older runs. Serving never computes.

Learners are ranked ``BATCH`` at a time (``Hybrid.recommend_batch``: matrix products, not a
loop per learner) and each batch's rows are inserted as plain rows (``core.bulk.insert_rows``:
``COPY`` on PostgreSQL) in its own short transaction, so the site's writes never wait for the
whole job; serving ignores the run's rows until it is finished, and a run that dies half-way
leaves rows that the next finished run deletes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from lyceum.core import events
from lyceum.core.bulk import insert_rows

from ..models import InterestOverride, OverrideAction, Recommendation, RecommenderRun, SimilarCourse
from .components import Collaborative, Content
from .data import Learner, load_catalog, load_interactions, load_survey
from .hybrid import Hybrid, Params

TOP_N = 20
SIMILAR_N = 6
BATCH = 2000
COLUMNS = ("run_id", "user_id", "course_id", "rank", "score", "reason")


@dataclass
class Timer:
    seconds: dict[str, float] = field(default_factory=dict)
    _last: float = field(default_factory=time.monotonic)

    def lap(self, stage: str) -> float:
        now = time.monotonic()
        self.seconds[stage] = round(now - self._last, 3)
        self._last = now
        return self.seconds[stage]


def active_learner_ids() -> list[int]:
    """Active, not erased accounts with learning history or needs-survey answers."""
    from lyceum.accounts.models import LearnerProfile, User
    from lyceum.learning.models import Enrollment

    ids = set(Enrollment.objects.values_list("user_id", flat=True).distinct())
    ids |= set(LearnerProfile.objects.filter(completed_at__isnull=False).values_list("user_id", flat=True))
    return sorted(User.objects.filter(pk__in=ids, is_active=True, erased_at__isnull=True).values_list("pk", flat=True))


def learner_topics(
    user_ids: list[int], survey: dict[Any, tuple[dict[int, int], tuple[str, ...]]]
) -> dict[int, dict[int, float]]:
    """The interest profile (``interests.effective_interests``) where one is built, else the
    survey's topics; topics the learner hid are left out either way."""
    from ..interests import effective_interests

    profile = effective_interests(user_ids)
    hidden: dict[int, set[int]] = {}
    for user_id, topic_id in InterestOverride.objects.filter(
        user_id__in=user_ids, action=OverrideAction.HIDE
    ).values_list("user_id", "topic_id"):
        hidden.setdefault(user_id, set()).add(topic_id)
    out: dict[int, dict[int, float]] = {}
    for uid in user_ids:
        topics = profile.get(uid) or dict.fromkeys(survey.get(uid, ({}, ()))[0], 1.0)
        out[uid] = {t: w for t, w in topics.items() if t not in hidden.get(uid, set()) and w > 0}
    return out


def train(*, params: Params | None = None, log: Callable[[str], None] | None = None) -> RecommenderRun:
    params = params or Params()
    timer = Timer()
    say = log or (lambda _m: None)
    run = RecommenderRun.objects.create(params=params.as_json())

    data, completed_at = load_interactions()
    items = load_catalog(data.item_keys)
    user_ids = active_learner_ids()
    survey = load_survey(sorted(set(user_ids) | set(data.user_keys)))
    topics = learner_topics(sorted(set(user_ids) | set(data.user_keys)), survey)
    say(f"loaded {len(data)} interactions, {data.n_users} users, {data.n_items} courses in {timer.lap('load')} s")

    history = data.history()
    user_index = {key: n for n, key in enumerate(data.user_keys)}
    done_by_user: dict[Any, set[int]] = {}
    item_index = {key: n for n, key in enumerate(data.item_keys)}
    for uid, key in completed_at:
        item = item_index.get(key)
        if item is not None:
            done_by_user.setdefault(uid, set()).add(item)

    def learner(uid: Any) -> Learner:
        index = user_index.get(uid)
        hist = history[index] if index is not None else {}
        levels, goals = survey.get(uid, ({}, ()))
        done = frozenset(i for i in done_by_user.get(uid, ()) if i in hist)
        return Learner(
            key=uid, index=index, history=hist, completed=done, topics=topics.get(uid, {}), levels=levels, goals=goals
        )

    training = [learner(uid) for uid in data.user_keys]
    hybrid = Hybrid(params).fit(data, items, training)
    del training
    say(f"fitted the components in {timer.lap('fit')} s")

    # ranked in batches; the rows go to the database as they come, each batch in its own
    # transaction, under a run that serving ignores until it is marked finished
    stored = 0
    reason_json: dict[tuple[tuple[str, Any], ...], str] = {}
    ranking = storing = 0.0
    for start in range(0, len(user_ids), BATCH):
        began = time.monotonic()
        chunk = user_ids[start : start + BATCH]
        rows: list[tuple[Any, ...]] = []
        for uid, scored in zip(chunk, hybrid.recommend_batch([learner(uid) for uid in chunk], TOP_N), strict=True):
            for rank, rec in enumerate(scored, start=1):
                if rec.score <= 0:
                    break
                key = tuple(rec.reason.items())
                text = reason_json.get(key)
                if text is None:
                    text = reason_json[key] = json.dumps(rec.reason)
                rows.append((run.pk, uid, data.item_keys[rec.item], rank, rec.score, text))
        middle = time.monotonic()
        with transaction.atomic():
            stored += insert_rows(Recommendation, COLUMNS, rows)
        ranking += middle - began
        storing += time.monotonic() - middle
    timer.lap("rank_and_store")
    timer.seconds["recommend"] = round(ranking, 3)
    say(f"ranked {len(user_ids)} learners in {ranking:.3f} s and stored {stored} recommendations in {storing:.3f} s")

    similar = _similar_rows(run, hybrid)
    with transaction.atomic():
        SimilarCourse.objects.bulk_create(similar, batch_size=BATCH)
    timer.lap("similar")
    with transaction.atomic():
        run.finished_at = timezone.now()
        run.stats = {
            "users": data.n_users,
            "learners": len(user_ids),
            "items": data.n_items,
            "interactions": len(data),
            "recommendations": stored,
            "similar": len(similar),
            "seconds": timer.seconds,
        }
        run.save(update_fields=["finished_at", "stats"])
        events.emit("recommender.trained", actor=None, obj=run, **run.stats)
    # serving now reads this run: the rows of older (or abandoned) runs go
    with transaction.atomic():
        Recommendation.objects.exclude(run=run).delete()
        SimilarCourse.objects.exclude(run=run).delete()
    cleanup = timer.lap("cleanup")
    say(f"stored {stored} recommendations and {len(similar)} similar courses; older runs' rows deleted in {cleanup} s")
    return run


def _similar_rows(run: RecommenderRun, hybrid: Hybrid) -> list[SimilarCourse]:
    keys = hybrid.data.item_keys
    published = hybrid.published
    collaborative = hybrid.components["collaborative"]
    content = hybrid.components["content"]
    also = collaborative.similar_items(SIMILAR_N * 2) if isinstance(collaborative, Collaborative) else []
    alike = content.similar_items(SIMILAR_N * 2) if isinstance(content, Content) and content.available else []
    rows: list[SimilarCourse] = []
    for i, key in enumerate(keys):
        if not published[i]:
            continue
        seen: set[int] = set()
        rank = 0
        for kind, pairs in (("also_took", also[i] if also else []), ("similar", alike[i] if alike else [])):
            taken = 0
            for j, score in pairs:
                if j in seen or not published[j] or taken >= SIMILAR_N:
                    continue
                seen.add(j)
                taken += 1
                rank += 1
                rows.append(
                    SimilarCourse(run=run, course_id=key, other_id=keys[j], rank=rank, score=round(score, 6), kind=kind)
                )
    return rows

"""The interest profile (用户兴趣分析): how much each learner is into each topic, and why.

Every signal a learner leaves is a ``Signal`` (user, topic, source, weight, when) and counts
``weight · 0.5 ** (age / half-life)``:

============  =====================================================================  ==========
source        signal                                                                 weight
============  =====================================================================  ==========
survey        a topic picked in the needs survey (by stated level)                   1.0–1.4
enrolled      an enrollment in a course of the topic                                 0.6
completed     the course finished                                                    0.4
views         a lesson opened (``lesson.viewed``)                                    0.03
study         an hour of study (gaps ≤ 30 min between learning events, as analytics)  0.25
quiz          a quiz submitted: the topic counts, a good score counts more            0.1 + 0.2·%
review        a review of a course of the topic: 5★ 0.45, 4★ 0.3, 3★ 0.15, less 0
search        a catalog or community search naming the topic (names, categories,     0.15
              tags of its courses)
community     a thread (0.2) or a reply (0.1) in a course space of the topic
============  =====================================================================  ==========

Half-lives: ``LYCEUM_INTEREST_HALF_LIFE_DAYS`` (45) for behaviour, and
``LYCEUM_INTEREST_SURVEY_HALF_LIFE_DAYS`` (180) for survey answers, which are stated once and
meant to last. ``profile_rebuild`` writes one ``TopicAffinity`` per learner and topic with the
score and the per-source breakdown; it works on batches of learners with a fixed number of
queries per batch (no query per learner).
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lyceum.accounts.models import Level, Topic, TopicInterest, User
from lyceum.community.models import Reply, SpaceKind, Thread
from lyceum.core import events
from lyceum.core.errors import PermissionDenied, ValidationFailed
from lyceum.core.models import Event
from lyceum.courses.models import Category, Course, Tag
from lyceum.feedback.models import Review
from lyceum.learning.models import Enrollment

from .interests import effective_interests
from .models import InterestOverride, OverrideAction, TopicAffinity

SOURCES = ("survey", "enrolled", "completed", "views", "study", "quiz", "review", "search", "community")
LEVEL_WEIGHT: dict[str, float] = {Level.BEGINNER: 1.0, Level.INTERMEDIATE: 1.2, Level.ADVANCED: 1.4}
ENROLLED = 0.6
COMPLETED = 0.4
VIEW = 0.03
STUDY_PER_HOUR = 0.25
QUIZ_BASE = 0.1
QUIZ_GOOD = 0.2  # times the score as a fraction
REVIEW_PER_STAR_ABOVE_2 = 0.15
SEARCH = 0.15
THREAD = 0.2
REPLY = 0.1
MIN_SCORE = 0.01  # below this a topic is noise and not stored
LOOKBACK_DAYS = 365  # behaviour older than this weighs < 1/270 at the default half-life
SESSION_GAP_SECONDS = 30 * 60  # the analytics rollup's study-time rule
STUDY_EVENTS = ("lesson.viewed", "video.progressed", "quiz.submitted")
SEARCH_EVENTS = ("catalog.searched", "community.searched")
BATCH = 500


def half_life_days() -> float:
    return float(getattr(settings, "LYCEUM_INTEREST_HALF_LIFE_DAYS", 45))


def survey_half_life_days() -> float:
    return float(getattr(settings, "LYCEUM_INTEREST_SURVEY_HALF_LIFE_DAYS", 180))


def decay(age: timedelta, half_life: float) -> float:
    days = max(0.0, age.total_seconds() / 86400)
    return float(0.5 ** (days / half_life))


@dataclass(frozen=True)
class Signal:
    user_id: int
    topic_id: int
    source: str
    weight: float
    at: datetime
    course_id: int | None = None
    amount: float = 0.0  # study: hours; quiz: percent; review: stars; survey: level index


# --------------------------------------------------------------------------- lookups


@dataclass
class Taxonomy:
    """Course → topic, and the words that name each topic (for searches); loaded once per run."""

    course_topic: dict[int, int]
    keywords: dict[int, set[str]]

    @classmethod
    def load(cls) -> Taxonomy:
        course_topic = dict(
            Course.objects.filter(category__topic__isnull=False).values_list("pk", "category__topic_id")
        )
        keywords: dict[int, set[str]] = defaultdict(set)
        for tid, slug, en, zh in Topic.objects.values_list("pk", "slug", "name_en", "name_zh"):
            keywords[tid] |= {slug.replace("-", " "), en, zh}
        for tid, slug, en, zh in Category.objects.filter(topic__isnull=False).values_list(
            "topic_id", "slug", "name_en", "name_zh"
        ):
            keywords[tid] |= {slug.replace("-", " "), en, zh}
        for tid, name in (
            Tag.objects.filter(courses__category__topic__isnull=False)
            .values_list("courses__category__topic_id", "name")
            .distinct()
        ):
            keywords[tid].add(name)
        clean = {tid: {w.casefold().strip() for w in words if len(w.strip()) >= 2} for tid, words in keywords.items()}
        return cls(course_topic=course_topic, keywords=clean)

    def topics_named_in(self, query: str) -> set[int]:
        text = " " + " ".join(re.split(r"[\s,.;:!?/()\"'，。；：！？、]+", query.casefold())) + " "
        found = set()
        for tid, words in self.keywords.items():
            for word in words:
                # Latin words match whole words; Chinese (no spaces) matches inside the query
                if (f" {word} " in text) if word.isascii() else (word in text):
                    found.add(tid)
                    break
        return found


# --------------------------------------------------------------------------- signals


def _survey(user_ids: list[int], tax: Taxonomy) -> Iterator[Signal]:
    rows = TopicInterest.objects.filter(profile__user_id__in=user_ids).values_list(
        "profile__user_id", "topic_id", "level", "profile__completed_at", "profile__updated_at"
    )
    levels = list(LEVEL_WEIGHT)
    for uid, tid, level, completed_at, updated_at in rows:
        at = updated_at or completed_at
        if at is None:
            continue
        yield Signal(
            uid, tid, "survey", LEVEL_WEIGHT.get(level, 1.0), at, amount=levels.index(level) if level in levels else 0
        )


def _enrollments(user_ids: list[int], tax: Taxonomy) -> Iterator[Signal]:
    rows = Enrollment.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "course_id", "created_at", "completed_at"
    )
    for uid, cid, created_at, completed_at in rows:
        tid = tax.course_topic.get(cid)
        if tid is None:
            continue
        yield Signal(uid, tid, "enrolled", ENROLLED, created_at, course_id=cid)
        if completed_at is not None:
            yield Signal(uid, tid, "completed", COMPLETED, completed_at, course_id=cid)


def _course_of(props: Any) -> int | None:
    try:
        return int(props.get("course"))
    except (AttributeError, TypeError, ValueError):
        return None


def _learning_events(user_ids: list[int], tax: Taxonomy, since: datetime) -> Iterator[Signal]:
    """Lesson views, quiz results and study time from the raw events (one ordered query)."""
    rows = (
        Event.objects.filter(actor_id__in=user_ids, name__in=STUDY_EVENTS, occurred_at__gte=since)
        .order_by("actor_id", "occurred_at", "id")
        .values_list("actor_id", "name", "occurred_at", "props")
    )
    for uid, user_rows in itertools.groupby(rows.iterator(chunk_size=2000), key=lambda r: r[0]):
        previous: tuple[datetime, int | None] | None = None
        for _uid, name, at, props in user_rows:
            cid = _course_of(props)
            tid = tax.course_topic.get(cid) if cid is not None else None
            if previous is not None:
                gap = (at - previous[0]).total_seconds()
                prev_tid = tax.course_topic.get(previous[1]) if previous[1] is not None else None
                if prev_tid is not None and 0 < gap <= SESSION_GAP_SECONDS:
                    hours = gap / 3600
                    yield Signal(
                        uid, prev_tid, "study", STUDY_PER_HOUR * hours, at, course_id=previous[1], amount=hours
                    )
            previous = (at, cid)
            if tid is None:
                continue
            if name == "lesson.viewed":
                yield Signal(uid, tid, "views", VIEW, at, course_id=cid)
            elif name == "quiz.submitted":
                try:
                    percent = max(0.0, min(100.0, float(props.get("percent", 0))))
                except (TypeError, ValueError):
                    percent = 0.0
                yield Signal(uid, tid, "quiz", QUIZ_BASE + QUIZ_GOOD * percent / 100, at, course_id=cid, amount=percent)


def _reviews(user_ids: list[int], tax: Taxonomy) -> Iterator[Signal]:
    rows = Review.objects.filter(user_id__in=user_ids, hidden_at__isnull=True).values_list(
        "user_id", "course_id", "rating", "created_at", "edited_at"
    )
    for uid, cid, rating, created_at, edited_at in rows:
        tid = tax.course_topic.get(cid)
        if tid is not None and rating > 2:
            yield Signal(uid, tid, "review", REVIEW_PER_STAR_ABOVE_2 * (rating - 2), edited_at or created_at,
                         course_id=cid, amount=rating)  # fmt: skip


def _searches(user_ids: list[int], tax: Taxonomy, since: datetime) -> Iterator[Signal]:
    rows = Event.objects.filter(actor_id__in=user_ids, name__in=SEARCH_EVENTS, occurred_at__gte=since).values_list(
        "actor_id", "occurred_at", "props"
    )
    for uid, at, props in rows.iterator(chunk_size=2000):
        query = str((props or {}).get("query", ""))[:200]
        for tid in tax.topics_named_in(query):
            yield Signal(uid, tid, "search", SEARCH, at)


def _community(user_ids: list[int], tax: Taxonomy, since: datetime) -> Iterator[Signal]:
    threads = Thread.objects.filter(
        author_id__in=user_ids, space__kind=SpaceKind.COURSE, deleted_at__isnull=True, created_at__gte=since
    ).values_list("author_id", "space__course_id", "created_at")
    replies = Reply.objects.filter(
        author_id__in=user_ids, thread__space__kind=SpaceKind.COURSE, deleted_at__isnull=True, created_at__gte=since
    ).values_list("author_id", "thread__space__course_id", "created_at")
    for weight, rows in ((THREAD, threads), (REPLY, replies)):
        for uid, cid, at in rows:
            tid = tax.course_topic.get(cid)
            if tid is not None:
                yield Signal(uid, tid, "community", weight, at, course_id=cid)


def signals_for(user_ids: list[int], *, tax: Taxonomy, now: datetime) -> Iterator[Signal]:
    """Every signal of ``user_ids`` (a fixed number of queries whatever their number)."""
    since = now - timedelta(days=LOOKBACK_DAYS)
    yield from _survey(user_ids, tax)
    yield from _enrollments(user_ids, tax)
    yield from _learning_events(user_ids, tax, since)
    yield from _reviews(user_ids, tax)
    yield from _searches(user_ids, tax, since)
    yield from _community(user_ids, tax, since)


def scores_from(signals: Iterable[Signal], *, now: datetime) -> dict[int, dict[int, dict[str, float]]]:
    """``{user: {topic: {source: decayed weight}}}``; future-dated signals count as now."""
    behaviour, survey = half_life_days(), survey_half_life_days()
    out: dict[int, dict[int, dict[str, float]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(float)))
    for s in signals:
        if s.at is None:
            continue
        out[s.user_id][s.topic_id][s.source] += s.weight * decay(
            now - s.at, survey if s.source == "survey" else behaviour
        )
    return out


# --------------------------------------------------------------------------- the job


def _learner_ids() -> Iterator[list[int]]:
    ids = User.objects.filter(is_active=True, erased_at__isnull=True).order_by("pk").values_list("pk", flat=True)
    batch: list[int] = []
    for uid in ids.iterator(chunk_size=BATCH):
        batch.append(uid)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def profile_rebuild(*, user_ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    """Recompute the ``TopicAffinity`` rows of ``user_ids`` (every active learner when None).

    Returns how many rows were written. Each batch of learners is replaced in one transaction,
    so a reader sees a learner's old profile or the new one, never half of it."""
    now = now or timezone.now()
    tax = Taxonomy.load()
    batches: Iterable[list[int]]
    if user_ids is None:
        batches = _learner_ids()
    else:
        ids = sorted(set(user_ids))
        batches = (ids[i : i + BATCH] for i in range(0, len(ids), BATCH))
    written = 0
    for batch in batches:
        scores = scores_from(signals_for(batch, tax=tax, now=now), now=now)
        rows = []
        for uid, topics in scores.items():
            for tid, sources in topics.items():
                clean = {k: round(v, 4) for k, v in sorted(sources.items()) if round(v, 4) > 0}
                score = round(sum(clean.values()), 4)
                if score >= MIN_SCORE:
                    rows.append(TopicAffinity(user_id=uid, topic_id=tid, score=score, sources=clean, updated_at=now))
        with transaction.atomic():
            TopicAffinity.objects.filter(user_id__in=batch).delete()
            TopicAffinity.objects.bulk_create(rows, batch_size=1000)
        written += len(rows)
    return written


# --------------------------------------------------------------------------- the learner's corrections


def _topics_by_slug(slugs: Iterable[str], field: str) -> dict[str, Topic]:
    wanted = [str(s) for s in slugs]
    topics = {t.slug: t for t in Topic.objects.filter(slug__in=wanted)}
    if missing := sorted(set(wanted) - set(topics)):
        raise ValidationFailed(_("Unknown topic: %(v)s") % {"v": ", ".join(missing)}, field=field)
    return topics


@transaction.atomic
def interests_update(
    *,
    actor: Any,
    user: Any,
    hide: Iterable[str] = (),
    add: Iterable[str] = (),
    reset: Iterable[str] = (),
) -> None:
    """Correct ``user``'s profile: hide topics, add topics, or drop a correction (``reset``).

    Validates every slug first (``ValidationFailed`` naming ``hide``, ``add`` or ``reset``), then
    writes ``InterestOverride`` rows and emits one ``interests.updated``. Only for oneself."""
    if not getattr(actor, "is_authenticated", False) or actor.pk != user.pk:
        raise PermissionDenied(_("You can only change your own interests."))
    lists = {"hide": list(dict.fromkeys(hide)), "add": list(dict.fromkeys(add)), "reset": list(dict.fromkeys(reset))}
    topics = {name: _topics_by_slug(slugs, name) for name, slugs in lists.items()}
    for name, other in (("add", "hide"), ("reset", "hide"), ("reset", "add")):
        if both := sorted(set(lists[name]) & set(lists[other])):
            raise ValidationFailed(
                _("A topic cannot be in both %(a)s and %(b)s: %(v)s") % {"a": other, "b": name, "v": ", ".join(both)},
                field=name,
            )
    if not any(lists.values()):
        raise ValidationFailed(_("Choose a topic."), field="topic")
    now = timezone.now()
    for action, name in ((OverrideAction.HIDE, "hide"), (OverrideAction.ADD, "add")):
        for topic in topics[name].values():
            InterestOverride.objects.update_or_create(
                user=user, topic=topic, defaults={"action": action, "created_at": now}
            )
    InterestOverride.objects.filter(user=user, topic__in=list(topics["reset"].values())).delete()
    events.emit("interests.updated", actor=actor, obj=user, hide=lists["hide"], add=lists["add"], reset=lists["reset"])


def interest_hide(*, actor: Any, user: Any, topic_slug: str) -> None:
    interests_update(actor=actor, user=user, hide=[topic_slug])


def interest_add(*, actor: Any, user: Any, topic_slug: str) -> None:
    interests_update(actor=actor, user=user, add=[topic_slug])


def interest_reset(*, actor: Any, user: Any, topic_slug: str) -> None:
    interests_update(actor=actor, user=user, reset=[topic_slug])


# --------------------------------------------------------------------------- "your interests", with why


@dataclass
class TopicFacts:
    """What the learner did on a topic, as facts (worded in the viewer's language by ``reasons``)."""

    survey_level: str = ""
    enrolled: list[int] = field(default_factory=list)  # course ids, newest first
    completed: list[int] = field(default_factory=list)
    study_hours_30d: float = 0.0
    quiz_percents: list[float] = field(default_factory=list)
    reviews: list[tuple[int, int]] = field(default_factory=list)  # (course id, stars)
    searches: int = 0
    posts: int = 0


@dataclass
class InterestRow:
    topic: Topic
    score: float
    share: float  # of the strongest topic, 0..1 (the bar)
    sources: dict[str, float]
    added: bool
    reasons: list[str]


@dataclass
class InterestProfile:
    rows: list[InterestRow]
    hidden: list[Topic]
    addable: list[Topic]  # topics not shown yet


def _facts_for(user_id: int, *, now: datetime) -> dict[int, TopicFacts]:
    tax = Taxonomy.load()
    facts: dict[int, TopicFacts] = defaultdict(TopicFacts)
    month_ago = now - timedelta(days=30)
    signals = sorted(signals_for([user_id], tax=tax, now=now), key=lambda s: s.at or now, reverse=True)
    for s in signals:
        f = facts[s.topic_id]
        if s.source == "survey":
            f.survey_level = list(LEVEL_WEIGHT)[int(s.amount)]
        elif s.source == "enrolled" and s.course_id is not None:
            f.enrolled.append(s.course_id)
        elif s.source == "completed" and s.course_id is not None:
            f.completed.append(s.course_id)
        elif s.source == "study" and s.at >= month_ago:
            f.study_hours_30d += s.amount
        elif s.source == "quiz":
            f.quiz_percents.append(s.amount)
        elif s.source == "review" and s.course_id is not None:
            f.reviews.append((s.course_id, int(s.amount)))
        elif s.source == "search":
            f.searches += 1
        elif s.source == "community":
            f.posts += 1
    return facts


def _duration(hours: float) -> str:
    if hours < 1:
        return _("%(n)d min") % {"n": max(1, round(hours * 60))}
    return _("%(n)s h") % {"n": f"{hours:.1f}".removesuffix(".0")}


def reasons(facts: TopicFacts, *, topic: Topic, titles: dict[int, str], added: bool) -> list[str]:
    """Plain sentences saying why ``topic`` is in the profile, in the active language."""
    out: list[str] = []
    if added:
        out.append(_("you added it yourself"))
    if facts.survey_level:
        out.append(_("from your needs survey (%(level)s)") % {"level": Level(facts.survey_level).label})
    if facts.study_hours_30d >= 1 / 60:
        out.append(
            _("you studied %(time)s of %(topic)s in the last month")
            % {"time": _duration(facts.study_hours_30d), "topic": topic.name}
        )
    if facts.completed:
        out.append(_("you finished %(course)s") % {"course": titles.get(facts.completed[0], "")})
    elif facts.enrolled:
        course, more = titles.get(facts.enrolled[0], ""), len(facts.enrolled) - 1
        if more:
            text = ngettext(
                "you enrolled in %(course)s and %(n)d more course",
                "you enrolled in %(course)s and %(n)d more courses",
                more,
            )
        else:
            text = _("you enrolled in %(course)s")
        out.append(text % {"course": course, "n": more})
    if facts.quiz_percents:
        mean = sum(facts.quiz_percents) / len(facts.quiz_percents)
        out.append(
            ngettext(
                "%(n)d quiz taken, %(p)d%% on average",
                "%(n)d quizzes taken, %(p)d%% on average",
                len(facts.quiz_percents),
            )
            % {"n": len(facts.quiz_percents), "p": round(mean)}
        )
    for course_id, stars in facts.reviews[:1]:
        out.append(_("you rated %(course)s %(stars)d★") % {"course": titles.get(course_id, ""), "stars": stars})
    if facts.searches:
        out.append(
            ngettext("you searched for it once", "you searched for it %(n)d times", facts.searches)
            % {"n": facts.searches}
        )
    if facts.posts:
        out.append(
            ngettext("you posted once in its course spaces", "you posted %(n)d times in its course spaces", facts.posts)
            % {"n": facts.posts}
        )
    return out


def interest_profile_for(*, user: Any, now: datetime | None = None) -> InterestProfile:
    """The "your interests" page: effective topics strongest first, each with its reasons."""
    now = now or timezone.now()
    effective = effective_interests([user.pk])[user.pk]
    stored = {a.topic_id: a for a in TopicAffinity.objects.filter(user=user)}
    overrides = dict(InterestOverride.objects.filter(user=user).values_list("topic_id", "action"))
    topics = {t.pk: t for t in Topic.objects.all()}
    facts = _facts_for(user.pk, now=now) if effective else {}
    course_ids = {
        c for f in facts.values() for c in (*f.enrolled[:1], *f.completed[:1], *(r[0] for r in f.reviews[:1]))
    }
    titles = dict(Course.objects.filter(pk__in=course_ids).values_list("pk", "title"))
    top = max(effective.values(), default=0.0) or 1.0
    rows = [
        InterestRow(
            topic=topics[tid],
            score=round(score, 3),
            share=min(1.0, score / top),
            sources=stored[tid].sources if tid in stored else {},
            added=overrides.get(tid) == OverrideAction.ADD,
            reasons=reasons(
                facts.get(tid, TopicFacts()),
                topic=topics[tid],
                titles=titles,
                added=overrides.get(tid) == OverrideAction.ADD,
            ),
        )
        for tid, score in sorted(effective.items(), key=lambda kv: (-kv[1], topics[kv[0]].position))
        if tid in topics
    ]
    hidden = [topics[tid] for tid, action in overrides.items() if action == OverrideAction.HIDE and tid in topics]
    addable = [t for t in topics.values() if t.pk not in effective and overrides.get(t.pk) != OverrideAction.HIDE]
    return InterestProfile(rows=rows, hidden=sorted(hidden, key=lambda t: t.position), addable=addable)


def topic_name(slug: str) -> str:
    topic = Topic.objects.filter(slug=slug).first()
    return topic.name if topic is not None else slug

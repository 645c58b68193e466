"""Community suggestions (互动交流推荐): groups, spaces, threads and events for one learner, with why.

What is suggested, strongest reason first:

- **study groups** to join: public, not full, not archived, active in the last
  ``GROUP_ACTIVE_DAYS``, on one of the learner's courses or interest topics, not already joined;
- **course spaces** of their active enrollments where they have never posted;
- **unanswered questions** they could answer: open questions (no accepted answer, no reply yet)
  in spaces they may read, on a course they finished or a topic they score high on, not their
  own and not already answered by them;
- **discussions** on their topics, recently active, that they have not taken part in;
- **upcoming events** they may attend (``community.access.can_attend_event``) and have not
  registered for, on their courses or topics, or that members of their groups are going to.

Every item is checked against ``community/access.py``: nothing is suggested that the learner
could not open. Reasons are facts (``{"kind": "finished", "course": "…"}``) worded by
``reason_text`` in the viewer's language. A fixed number of queries whatever the data size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lyceum.accounts.models import Topic
from lyceum.community import access
from lyceum.community.models import (
    EventStatus,
    GroupMembership,
    GroupVisibility,
    LiveEvent,
    Registration,
    RegistrationStatus,
    Reply,
    Space,
    SpaceKind,
    StudyGroup,
    Thread,
    ThreadKind,
)
from lyceum.learning.models import Enrollment

from .interests import effective_interests

GROUP_ACTIVE_DAYS = 21
QUESTION_DAYS = 60
DISCUSSION_DAYS = 30
EVENT_DAYS = 30
HIGH_SCORE = 1.0  # a topic "they score high on" for answering questions
PER_KIND = 2
CANDIDATES = 20  # rows read per kind before ranking


@dataclass
class Suggestion:
    kind: str  # group | space | question | discussion | event
    title: str
    url: str
    reason: dict[str, Any]  # facts, worded by reason_text
    score: float = 0.0
    object_id: int = 0
    when: datetime | None = None  # events: when it starts


@dataclass
class _Learner:
    user: Any
    interests: dict[int, float]
    enrolled: dict[int, str]  # course id -> title (every enrollment, finished or not)
    active: frozenset[int]  # active enrollments (community access)
    finished: dict[int, str]
    course_topic: dict[int, int]  # of the learner's courses
    my_groups: set[int] = field(default_factory=set)

    def course_reason(self, course_id: int | None, topic_id: int | None) -> tuple[dict[str, Any], float] | None:
        """The best reason a thing on ``course_id`` / ``topic_id`` is for this learner, with its weight."""
        if course_id in self.finished:
            return {"kind": "finished", "course": self.finished[course_id]}, 3.0
        if course_id in self.enrolled:
            return {"kind": "course", "course": self.enrolled[course_id]}, 2.5
        topic = topic_id if topic_id is not None else self.course_topic.get(course_id or 0)
        if topic is not None and topic in self.interests:
            return {"kind": "interest", "topic": topic}, 1.0 + self.interests[topic]
        return None


def _learner(user: Any) -> _Learner:
    interests = effective_interests([user.pk])[user.pk]
    enrolled: dict[int, str] = {}
    finished: dict[int, str] = {}
    course_topic: dict[int, int] = {}
    for cid, title, completed_at, tid in Enrollment.objects.filter(user=user).values_list(
        "course_id", "course__title", "completed_at", "course__category__topic_id"
    ):
        enrolled[cid] = title
        if completed_at is not None:
            finished[cid] = title
        if tid is not None:
            course_topic[cid] = tid
    standing = access.standing(user)
    return _Learner(user, interests, enrolled, standing.course_ids, finished, course_topic)


def _topic_q(prefix: str, topic_ids: list[int]) -> Q:
    return Q(**{f"{prefix}category__topic_id__in": topic_ids})


# --------------------------------------------------------------------------- per kind


def _groups(me: _Learner, now: datetime) -> list[Suggestion]:
    topics = list(me.interests)
    rows = (
        StudyGroup.objects.filter(
            visibility=GroupVisibility.PUBLIC,
            archived_at__isnull=True,
            hidden_at__isnull=True,  # out of sight pending moderation
            last_activity_at__gte=now - timedelta(days=GROUP_ACTIVE_DAYS),
        )
        .filter(Q(course_id__in=list(me.enrolled)) | Q(topic_id__in=topics) | _topic_q("course__", topics))
        .exclude(pk__in=list(me.my_groups))
        .select_related("course__category")
        .order_by("-last_activity_at", "-pk")[:CANDIDATES]
    )
    out = []
    for g in rows:
        if g.member_count >= g.max_members:
            continue
        topic_id = g.topic_id or (g.course.category.topic_id if g.course and g.course.category else None)
        found = me.course_reason(g.course_id, topic_id)
        if found:
            reason, score = found
            out.append(Suggestion("group", g.name, reverse("groups:detail", args=[g.pk]), reason, score, g.pk))
    return out


def _spaces(me: _Learner) -> list[Suggestion]:
    posted_threads = Thread.objects.filter(author=me.user).values("space_id")
    posted_replies = Reply.objects.filter(author=me.user).values("thread__space_id")
    rows = (
        Space.objects.filter(kind=SpaceKind.COURSE, course_id__in=list(me.active), archived_at__isnull=True)
        .exclude(pk__in=posted_threads)
        .exclude(pk__in=posted_replies)
        .order_by("-last_activity_at", "-pk")[:CANDIDATES]
    )
    out = []
    for s in rows:
        if not access.can_read_space(me.user, s):
            continue
        reason = {"kind": "not_posted", "course": me.enrolled.get(s.course_id or 0, s.name)}
        out.append(Suggestion("space", s.name, reverse("community:space", args=[s.slug]), reason, 1.5, s.pk))
    return out


def _threads(me: _Learner, readable: Any, now: datetime) -> list[Suggestion]:
    strong = [t for t, score in me.interests.items() if score >= HIGH_SCORE]
    topics = list(me.interests)
    mine = Reply.objects.filter(author=me.user).values("thread_id")
    live = (
        Thread.objects.filter(space__in=readable, deleted_at__isnull=True, hidden_at__isnull=True, is_locked=False)
        .exclude(author=me.user)
        .exclude(pk__in=mine)
        .select_related("space__course__category")
    )
    questions = live.filter(
        kind=ThreadKind.QUESTION,
        accepted_reply__isnull=True,
        reply_count=0,
        created_at__gte=now - timedelta(days=QUESTION_DAYS),
    ).filter(Q(space__course_id__in=list(me.finished)) | _topic_q("space__course__", strong))
    discussions = live.filter(
        kind=ThreadKind.DISCUSSION, last_activity_at__gte=now - timedelta(days=DISCUSSION_DAYS)
    ).filter(Q(space__course_id__in=list(me.enrolled)) | _topic_q("space__course__", topics))
    out = []
    for kind, rows in (
        ("question", questions.order_by("-created_at", "-pk")[:CANDIDATES]),
        ("discussion", discussions.order_by("-last_activity_at", "-pk")[:CANDIDATES]),
    ):
        for t in rows:
            course = t.space.course
            topic_id = course.category.topic_id if course and course.category else None
            strong_enough = topic_id is not None and me.interests.get(topic_id, 0) >= HIGH_SCORE
            if kind == "question" and t.space.course_id not in me.finished and not strong_enough:
                continue
            found = me.course_reason(t.space.course_id, topic_id)
            if found:
                reason, score = found
                url = reverse("community:thread", args=[t.pk])
                out.append(Suggestion(kind, t.title, url, reason, score + min(t.score, 10) / 10, t.pk))
    return out


def _events(me: _Learner, now: datetime) -> list[Suggestion]:
    taken = Registration.objects.filter(user=me.user).exclude(status=RegistrationStatus.CANCELLED).values("event_id")
    rows = list(
        LiveEvent.objects.filter(
            status=EventStatus.SCHEDULED, starts_at__gt=now, starts_at__lte=now + timedelta(days=EVENT_DAYS)
        )
        .exclude(pk__in=taken)
        .select_related("course__category")
        .prefetch_related("hosts")
        .order_by("starts_at", "pk")[: CANDIDATES * 2]
    )
    rows = [e for e in rows if access.can_attend_event(me.user, e) and not access.is_event_host(me.user, e)]
    going: dict[int, int] = {}
    if me.my_groups and rows:
        mates = GroupMembership.objects.filter(group_id__in=list(me.my_groups)).exclude(user=me.user).values("user_id")
        going = dict(
            Registration.objects.filter(
                event_id__in=[e.pk for e in rows], status=RegistrationStatus.REGISTERED, user_id__in=mates
            )
            .values_list("event_id")
            .annotate(n=Count("user_id", distinct=True))
        )
    out = []
    for e in rows:
        topic_id = e.course.category.topic_id if e.course and e.course.category else None
        found = me.course_reason(e.course_id, topic_id)
        if going.get(e.pk):
            found = {"kind": "group_going", "n": going[e.pk]}, 3.5 + going[e.pk] / 10
        if found:
            reason, score = found
            url = reverse("events:detail", args=[e.slug])
            out.append(Suggestion("event", e.title, url, reason, score, e.pk, when=e.starts_at))
    return out


# --------------------------------------------------------------------------- entry points


KINDS = ("group", "space", "question", "discussion", "event")


def suggestions_for(*, user: Any, now: datetime | None = None, per_kind: int = PER_KIND) -> list[Suggestion]:
    """At most ``per_kind`` suggestions of each kind, best first within a kind, kinds in ``KINDS``
    order. Nothing for visitors."""
    if not getattr(user, "is_authenticated", False):
        return []
    now = now or timezone.now()
    me = _learner(user)
    me.my_groups = set(
        GroupMembership.objects.filter(user=user, group__archived_at__isnull=True).values_list("group_id", flat=True)
    )
    readable = access.readable_spaces(user)
    found = [*_groups(me, now), *_spaces(me), *_threads(me, readable, now), *_events(me, now)]
    out: list[Suggestion] = []
    for kind in KINDS:
        mine = sorted((s for s in found if s.kind == kind), key=lambda s: -s.score)
        out.extend(mine[:per_kind])
    return out


def reason_text(reason: dict[str, Any], topics: dict[int, Topic]) -> str:
    """A suggestion's reason in plain words, in the active language."""
    kind = reason.get("kind")
    if kind == "finished":
        return _("you finished %(course)s") % {"course": reason["course"]}
    if kind == "course":
        return _("for your course %(course)s") % {"course": reason["course"]}
    if kind == "interest":
        topic = topics.get(reason["topic"])
        return _("on your interest: %(topic)s") % {"topic": topic.name if topic else ""}
    if kind == "not_posted":
        return _("the space of a course you are taking — you have not posted there yet")
    if kind == "group_going":
        n = int(reason["n"])
        return ngettext("%(n)d member of your group is going", "%(n)d members of your group are going", n) % {"n": n}
    return ""


KIND_LABELS = {
    "group": lambda: _("Study group"),
    "space": lambda: _("Course space"),
    "question": lambda: _("Question to answer"),
    "discussion": lambda: _("Discussion"),
    "event": lambda: _("Live event"),
}


def suggestions_worded(*, user: Any, now: datetime | None = None) -> list[dict[str, Any]]:
    """Suggestions with their kind label and reason worded, for templates and the API."""
    items = suggestions_for(user=user, now=now)
    if not items:
        return []
    topics = {t.pk: t for t in Topic.objects.all()}
    return [
        {
            "kind": s.kind,
            "kind_label": KIND_LABELS[s.kind](),
            "title": s.title,
            "url": s.url,
            "reason": reason_text(s.reason, topics),
            "facts": s.reason,
            "when": s.when,
        }
        for s in items
    ]

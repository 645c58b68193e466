"""Why a course is recommended, in the viewer's language.

The recommender stores each reason as facts (``engine/components.py`` decides them and only
states what is true of the learner's own history):

- ``{"kind": "finished", "course": id}`` — the learner completed that course;
- ``{"kind": "also_took", "course": id}`` — learners who took that course (the learner took
  it too) also took this one;
- ``{"kind": "similar", "course": id}`` — close in content to a course the learner took;
- ``{"kind": "popular_topic", "topic": id}`` — taken by learners interested in that topic;
- ``{"kind": "goal", "goal": "career_change", "topic": id}`` — in a topic the learner chose in
  the needs survey, next to the goal they gave;
- ``{"kind": "topic", "topic": id}`` — in a topic the learner follows;
- ``{"kind": "popular"}`` — popular on the platform; ``{"kind": "picked"}`` — anything else.

This module only words them; titles and topic names come from ``reason_lookups``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from lyceum.accounts.models import Goal, Topic
from lyceum.courses.models import Course

COURSE_KINDS = ("finished", "also_took", "similar")
TOPIC_KINDS = ("popular_topic", "goal", "topic")


def reason_ids(reasons: Iterable[Any]) -> tuple[set[int], set[int]]:
    """The course ids and topic ids the reasons name (to fetch their names in two queries)."""
    courses: set[int] = set()
    topics: set[int] = set()
    for r in reasons:
        if not isinstance(r, Mapping):
            continue
        if r.get("kind") in COURSE_KINDS and isinstance(r.get("course"), int):
            courses.add(r["course"])
        if isinstance(r.get("topic"), int):
            topics.add(r["topic"])
    return courses, topics


def reason_lookups(reasons: Iterable[Any]) -> tuple[dict[int, str], dict[int, str]]:
    """``({course id: title}, {topic id: name in the active language})``; skips queries with
    nothing to look up."""
    course_ids, topic_ids = reason_ids(list(reasons))
    titles = dict(Course.objects.filter(pk__in=course_ids).values_list("pk", "title")) if course_ids else {}
    names = {t.pk: t.name for t in Topic.objects.filter(pk__in=topic_ids)} if topic_ids else {}
    return titles, names


def reason_text(reason: Any, *, titles: Mapping[int, str], topics: Mapping[int, str]) -> str:
    """One reason as a sentence (plain text: course titles are user content)."""
    if not isinstance(reason, Mapping):
        return _("Picked for you")
    kind = reason.get("kind")
    course = str(titles.get(reason.get("course"), ""))[:120]  # type: ignore[arg-type]
    topic = str(topics.get(reason.get("topic"), ""))  # type: ignore[arg-type]
    if kind == "finished" and course:
        return _("Because you finished “%(course)s”") % {"course": course}
    if kind == "also_took" and course:
        return _("Learners who took “%(course)s” also took this") % {"course": course}
    if kind == "similar" and course:
        return _("Similar to “%(course)s”") % {"course": course}
    if kind == "popular_topic" and topic:
        return _("Popular with learners interested in %(topic)s") % {"topic": topic}
    if kind == "goal":
        goal = reason.get("goal")
        label = str(Goal(goal).label) if goal in Goal.values else ""
        if label and topic:
            return _("Matches your goal: %(goal)s (%(topic)s)") % {"goal": label.lower(), "topic": topic}
        if label:
            return _("Matches your goal: %(goal)s") % {"goal": label.lower()}
    if kind in ("goal", "topic") and topic:
        return _("In a topic you follow: %(topic)s") % {"topic": topic}
    if kind == "popular":
        return _("Popular with learners on this site")
    return _("Picked for you")

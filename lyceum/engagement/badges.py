"""Badge definitions: criteria in code, read from the domain tables (not from points, which caps limit).

A badge, once earned, stays. ``top_contributor`` is awarded by the monthly job
(``award_badges``), once per calendar month, to whoever earned the most points from
community actions in the previous month.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Badge:
    slug: str
    name_en: str
    name_zh: str
    label: Any  # lazy, for templates
    description: Any
    icon: str  # a short glyph shown in the badge chip
    earned: Callable[[Any], bool] | None  # None: awarded by a job

    @property
    def name(self) -> str:
        lang = translation.get_language() or "en"
        return self.name_zh if lang.startswith("zh") else self.name_en


STREAK_DAYS = 7
ACCEPTED_ANSWERS = 10
EVENTS_ATTENDED = 3
UPVOTES_RECEIVED = 25


def _courses_completed(user: Any) -> bool:
    from lyceum.learning.models import Enrollment

    return Enrollment.objects.filter(user=user, completed_at__isnull=False).exists()


def _streak(user: Any) -> bool:
    from .selectors import streak_for

    return streak_for(user=user).longest >= STREAK_DAYS


def _accepted(user: Any) -> bool:
    from lyceum.community.models import Thread

    return (
        Thread.objects.filter(
            accepted_reply__author=user,
            deleted_at__isnull=True,
            hidden_at__isnull=True,
            accepted_reply__deleted_at__isnull=True,
            accepted_reply__hidden_at__isnull=True,
        )
        .exclude(author=user)
        .count()
        >= ACCEPTED_ANSWERS
    )


def _reviewed(user: Any) -> bool:
    from lyceum.feedback.models import Review

    return Review.objects.filter(user=user, hidden_at__isnull=True).exists()


def _events(user: Any) -> bool:
    from lyceum.community.models import Registration

    return Registration.objects.filter(user=user, attended_at__isnull=False).count() >= EVENTS_ATTENDED


def _helpful(user: Any) -> bool:
    from lyceum.community.models import Vote

    received = (
        Vote.objects.filter(
            Q(thread__author=user, thread__deleted_at__isnull=True, thread__hidden_at__isnull=True)
            | Q(reply__author=user, reply__deleted_at__isnull=True, reply__hidden_at__isnull=True)
        )
        .exclude(user=user)
        .count()
    )
    return received >= UPVOTES_RECEIVED


BADGES: tuple[Badge, ...] = (
    Badge(
        "first_course", "First course", "首门课程", _("First course"),
        _("Completed a course."), "🎓", _courses_completed,
    ),
    Badge(
        "streak_7", "7-day streak", "连续七天", _("7-day streak"),
        _("Studied or checked in 7 days in a row."), "🔥", _streak,
    ),
    Badge(
        "answers_10", "Trusted answerer", "答疑能手", _("Trusted answerer"),
        _("10 of your answers were accepted."), "✅", _accepted,
    ),
    Badge(
        "first_review", "First review", "首次评价", _("First review"),
        _("Wrote a course review."), "⭐", _reviewed,
    ),
    Badge(
        "event_regular", "Event regular", "直播常客", _("Event regular"),
        _("Attended 3 live events."), "📅", _events,
    ),
    Badge(
        "helpful", "Helpful", "乐于助人", _("Helpful"),
        _("Received 25 upvotes."), "👍", _helpful,
    ),
    Badge(
        "top_contributor", "Top contributor of the month", "月度贡献之星", _("Top contributor of the month"),
        _("Earned the most community points in a calendar month."), "🏆", None,
    ),
)  # fmt: skip
BADGES_BY_SLUG = {badge.slug: badge for badge in BADGES}

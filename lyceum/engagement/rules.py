"""What each action is worth, and the most a member can earn from it in one local day.

``POINT_RULES`` are the defaults; ``settings.LYCEUM_POINTS`` (env ``LYCEUM_POINTS``, JSON such as
``{"upvote_received": [2, 20]}``) overrides entries: ``[points per award, daily cap]``, a cap of
0 meaning no cap. The caps stop farming: past the cap an award gives nothing that day.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Rule:
    points: int
    daily_cap: int  # most points per member per local day from this action; 0 = no cap


POINT_RULES: dict[str, Rule] = {
    "daily_checkin": Rule(5, 5),  # 签到, once per local day
    "lesson_completed": Rule(10, 100),
    "course_completed": Rule(100, 300),
    "quiz_passed": Rule(15, 60),  # first pass of each quiz
    "accepted_answer": Rule(25, 100),  # to the answer's author, not when accepting one's own
    "upvote_received": Rule(2, 20),  # per upvote on one's thread or reply, once per voter
    "event_attended": Rule(20, 40),
    "review_posted": Rule(10, 20),
    "group_checkin": Rule(5, 15),  # 打卡 in a study group, once per group and day
}

# Actions that count as community contributions (top contributor of the month).
COMMUNITY_ACTIONS = ("accepted_answer", "upvote_received", "event_attended", "review_posted", "group_checkin")
# Learning actions a refund takes back, with the course they belong to.
LEARNING_ACTIONS = ("lesson_completed", "course_completed", "quiz_passed")
# Spending is not earning: leaderboards leave it out.
SPEND_ACTION = "reward_redeemed"

# Reason keys stored on ledger rows, shown translated on the points page.
REASONS = {
    "daily_checkin": _("Daily check-in"),
    "lesson_completed": _("Lesson completed"),
    "course_completed": _("Course completed"),
    "quiz_passed": _("Quiz passed"),
    "accepted_answer": _("Your answer was accepted"),
    "upvote_received": _("Upvote received"),
    "event_attended": _("Live event attended"),
    "review_posted": _("Course review written"),
    "group_checkin": _("Study group check-in"),
    "reward_redeemed": _("Reward redeemed"),
    "revoked_unaccepted": _("Answer no longer accepted"),
    "revoked_unvoted": _("Upvote withdrawn"),
    "revoked_removed": _("Content removed"),
    "revoked_review_hidden": _("Review hidden"),
    "revoked_refund": _("Course refunded"),
}


def reason_label(key: str) -> str:
    return str(REASONS.get(key, key))


def rule_for(action: str) -> Rule:
    override = (getattr(settings, "LYCEUM_POINTS", None) or {}).get(action)
    if override is None:
        return POINT_RULES[action]
    try:
        points, cap = (int(v) for v in override)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"LYCEUM_POINTS[{action!r}] must be [points, daily cap], got {override!r}") from exc
    if points < 0 or cap < 0:
        raise ImproperlyConfigured(f"LYCEUM_POINTS[{action!r}] must not be negative")
    return Rule(points, cap)

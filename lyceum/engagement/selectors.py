"""Reads: trust level, points page, streaks and heat-map, leaderboards, rewards."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.community.services.groups import local_day, streak_from_days
from lyceum.core.errors import NotFound, PermissionDenied, ValidationFailed

from .badges import BADGES, BADGES_BY_SLUG, Badge
from .levels import MAX_TRUST, Level, level_for, next_level
from .models import BadgeAward, DailyCheckIn, PointBalance, PointEntry, Reward, StudyDay
from .rules import COMMUNITY_ACTIONS, SPEND_ACTION, reason_label

STAFF_ROLES = ("moderator", "operator")
HEATMAP_WEEKS = 26
LEDGER_ROWS = 20
LEADERBOARD_SIZE = 20
PERIODS = ("week", "month")


def trust_level(user: Any) -> int:
    """0 (newcomer) … 4: the member's level from lifetime points; moderators and operators are 4.

    Anonymous users are 0. One query for the roles (cached on the user) and one for the balance."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "pk", None):
        return 0
    if any(user.has_role(role) for role in STAFF_ROLES):
        return MAX_TRUST
    lifetime = PointBalance.objects.filter(user_id=user.pk).values_list("lifetime", flat=True).first()
    return level_for(lifetime or 0).number


def trust_levels(user_ids: set[int]) -> dict[int, int]:
    """``trust_level`` for many members at once (the moderation queue's authors): three queries."""
    from lyceum.accounts.models import User

    if not user_ids:
        return {}
    staff = set(
        User.groups.through.objects.filter(user_id__in=user_ids, group__name__in=STAFF_ROLES).values_list(
            "user_id", flat=True
        )
    ) | set(User.objects.filter(pk__in=user_ids, is_superuser=True).values_list("pk", flat=True))
    lifetime = dict(PointBalance.objects.filter(user_id__in=user_ids).values_list("user_id", "lifetime"))
    return {uid: MAX_TRUST if uid in staff else level_for(lifetime.get(uid) or 0).number for uid in user_ids}


# --------------------------------------------------------------------------- streaks and heat-map


@dataclass(frozen=True)
class Streak:
    current: int
    longest: int
    studied_today: bool


def longest_run(days: set[date]) -> int:
    best = 0
    for day in days:
        if day - timedelta(days=1) in days:
            continue
        run = 1
        while day + timedelta(days=run) in days:
            run += 1
        best = max(best, run)
    return best


def streak_for(*, user: Any, now: datetime | None = None) -> Streak:
    """Current and longest run of study days, counted in the member's time zone (one query)."""
    days = set(StudyDay.objects.filter(user=user).values_list("day", flat=True))
    today = local_day(user, now)
    return Streak(streak_from_days(days, today), longest_run(days), today in days)


@dataclass(frozen=True)
class HeatCell:
    day: date
    studied: bool
    points: int
    level: int  # 0 … 4 for the colour
    future: bool


@dataclass
class HeatMap:
    weeks: list[list[HeatCell]]
    months: list[tuple[int, date]]  # (column, first day of the month) for the labels
    active_days: int


def heatmap_for(*, user: Any, now: datetime | None = None, weeks: int = HEATMAP_WEEKS) -> HeatMap:
    """The last ``weeks`` weeks (Monday first, in the member's time zone): two queries."""
    today = local_day(user, now)
    start = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    studied = set(StudyDay.objects.filter(user=user, day__gte=start, day__lte=today).values_list("day", flat=True))
    points = dict(
        PointEntry.objects.filter(user=user, day__gte=start, day__lte=today, points__gt=0, reverses__isnull=True)
        .exclude(action=SPEND_ACTION)
        .values("day")
        .annotate(total=Sum("points"))
        .values_list("day", "total")
    )
    grid: list[list[HeatCell]] = []
    months: list[tuple[int, date]] = []
    for column in range(weeks):
        week = []
        for offset in range(7):
            day = start + timedelta(days=column * 7 + offset)
            earned = points.get(day, 0)
            active = day in studied or earned > 0
            level = 0 if not active else 1 if earned < 10 else 2 if earned < 30 else 3 if earned < 80 else 4
            week.append(HeatCell(day, active, earned, level, day > today))
            if day.day == 1:
                months.append((column, day))
        grid.append(week)
    active_days = sum(1 for week in grid for cell in week if cell.studied)
    return HeatMap(grid, months, active_days)


# --------------------------------------------------------------------------- points page


@dataclass(frozen=True)
class LedgerRow:
    entry: PointEntry
    reason: str


@dataclass(frozen=True)
class HeldBadge:
    badge: Badge
    award: BadgeAward | None


@dataclass
class PointsSummary:
    balance: int
    lifetime: int
    level: Level
    next_level: Level | None
    progress_percent: int
    to_next: int
    ledger: list[LedgerRow] = field(default_factory=list)
    badges: list[HeldBadge] = field(default_factory=list)
    streak: Streak | None = None
    heatmap: HeatMap | None = None
    checked_in_today: bool = False


def _level_progress(lifetime: int) -> tuple[Level, Level | None, int, int]:
    level = level_for(lifetime)
    upcoming = next_level(level)
    if upcoming is None:
        return level, None, 100, 0
    span = upcoming.threshold - level.threshold
    return level, upcoming, int(100 * (lifetime - level.threshold) / span), upcoming.threshold - lifetime


def badges_held(*, user: Any) -> list[HeldBadge]:
    """Every badge with the member's latest award of it (or None), earned ones first (one query)."""
    latest: dict[str, BadgeAward] = {}
    for award in BadgeAward.objects.filter(user=user).order_by("awarded_at", "id"):
        latest[award.badge] = award
    held = [HeldBadge(b, latest.get(b.slug)) for b in BADGES]
    return sorted(held, key=lambda h: h.award is None)


def points_summary(*, user: Any, now: datetime | None = None, ledger_rows: int = LEDGER_ROWS) -> PointsSummary:
    """Everything the points page shows; a fixed number of queries."""
    row = PointBalance.objects.filter(user=user).first()
    balance, lifetime = (row.balance, row.lifetime) if row else (0, 0)
    level, upcoming, percent, to_next = _level_progress(lifetime)
    entries = list(PointEntry.objects.filter(user=user).order_by("-created_at", "-id")[:ledger_rows])
    today = local_day(user, now)
    return PointsSummary(
        balance=balance,
        lifetime=lifetime,
        level=level,
        next_level=upcoming,
        progress_percent=percent,
        to_next=to_next,
        ledger=[LedgerRow(e, reason_label(e.reason)) for e in entries],
        badges=badges_held(user=user),
        streak=streak_for(user=user, now=now),
        heatmap=heatmap_for(user=user, now=now),
        checked_in_today=DailyCheckIn.objects.filter(user=user, day=today).exists(),
    )


def profile_summary(*, member: Any, now: datetime | None = None) -> dict[str, Any]:
    """What a member's public page shows: level, earned badges, streak and heat-map (no ledger)."""
    row = PointBalance.objects.filter(user=member).first()
    lifetime = row.lifetime if row else 0
    level, upcoming, percent, _to_next = _level_progress(lifetime)
    return {
        "lifetime": lifetime,
        "level": level,
        "next_level": upcoming,
        "progress_percent": percent,
        "badges": [h for h in badges_held(user=member) if h.award is not None],
        "streak": streak_for(user=member, now=now),
        "heatmap": heatmap_for(user=member, now=now),
    }


# --------------------------------------------------------------------------- windows and leaderboards


def _platform_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def week_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    """This week, Monday 00:00 to the next Monday, in the platform time zone."""
    today = timezone.localtime(now or timezone.now(), _platform_tz()).date()
    monday = today - timedelta(days=today.weekday())
    start = datetime.combine(monday, time.min, tzinfo=_platform_tz())
    return start, datetime.combine(monday + timedelta(days=7), time.min, tzinfo=_platform_tz())


def month_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    """This calendar month in the platform time zone."""
    today = timezone.localtime(now or timezone.now(), _platform_tz()).date()
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    tz = _platform_tz()
    return datetime.combine(first, time.min, tzinfo=tz), datetime.combine(following, time.min, tzinfo=tz)


@dataclass(frozen=True)
class Standing:
    rank: int
    user: Any
    points: int


@dataclass
class Leaderboard:
    period: str
    scope: str  # global | course | group
    start: datetime
    end: datetime
    rows: list[Standing]
    title: str = ""
    course: Any = None
    group: Any = None
    my_points: int = 0


def _parse_id(value: Any, *, field: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValidationFailed(_("Unknown id."), field=field)
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        raise ValidationFailed(_("Unknown id."), field=field) from None
    if number < 1:
        raise ValidationFailed(_("Unknown id."), field=field)
    return number


def _course_for_board(viewer: Any, course_id: int) -> Any:
    from lyceum.courses.models import Course
    from lyceum.learning.models import Enrollment

    course = Course.objects.filter(pk=course_id).first()
    if course is None:
        raise NotFound(_("This course does not exist."))
    if viewer.has_role("operator") or course.instructors.filter(pk=viewer.pk).exists():
        return course
    if not Enrollment.objects.filter(course=course, user=viewer, revoked_at__isnull=True).exists():
        raise PermissionDenied(_("Only learners of this course see its leaderboard."))
    return course


def _group_for_board(viewer: Any, group_id: int) -> Any:
    from lyceum.community.selectors.groups import group_get_for_user

    group, membership = group_get_for_user(user=viewer, group_id=group_id)
    if membership is None and not viewer.has_role("operator"):
        raise PermissionDenied(_("Only members of this group see its leaderboard."))
    return group


def leaderboard(
    *,
    viewer: Any,
    period: Any = "week",
    course: Any = None,
    group: Any = None,
    now: datetime | None = None,
    size: int = LEADERBOARD_SIZE,
) -> Leaderboard:
    """Points earned this week or month (platform time zone; spending left out), everyone, the
    learners of a course (points from that course), or the members of a study group. Viewers
    must be signed in; a course board is for its learners, instructors and operators, a group
    board for its members. At most five queries."""
    if not getattr(viewer, "is_authenticated", False):
        raise PermissionDenied(_("Sign in first."))
    period = str(period or "week")
    if period not in PERIODS:
        raise ValidationFailed(_("Choose week or month."), field="period")
    course_id = _parse_id(course, field="course")
    group_id = _parse_id(group, field="group")
    if course_id and group_id:
        raise ValidationFailed(_("Choose a course or a group, not both."), field="group")
    start, end = week_window(now) if period == "week" else month_window(now)
    entries = PointEntry.objects.filter(created_at__gte=start, created_at__lt=end).exclude(action=SPEND_ACTION)
    board = Leaderboard(period=period, scope="global", start=start, end=end, rows=[])
    if course_id:
        from lyceum.learning.models import Enrollment

        board.course, board.scope = _course_for_board(viewer, course_id), "course"
        learners = Enrollment.objects.filter(course_id=course_id, revoked_at__isnull=True).values("user_id")
        entries = entries.filter(course_id=course_id, user_id__in=learners)
    elif group_id:
        from lyceum.community.models import GroupMembership

        board.group, board.scope = _group_for_board(viewer, group_id), "group"
        members = GroupMembership.objects.filter(group_id=group_id).values("user_id")
        entries = entries.filter(user_id__in=members)
    totals = list(
        entries.values("user_id").annotate(total=Sum("points")).filter(total__gt=0).order_by("-total", "user_id")[:size]
    )
    from lyceum.accounts.models import User

    users = User.objects.filter(is_active=True).in_bulk([row["user_id"] for row in totals])
    shown = [row for row in totals if row["user_id"] in users]  # closed accounts leave the board
    board.rows = [Standing(rank, users[row["user_id"]], row["total"]) for rank, row in enumerate(shown, start=1)]
    board.my_points = entries.filter(user_id=viewer.pk).aggregate(total=Sum("points"))["total"] or 0
    return board


def leaderboard_scopes(*, viewer: Any, limit: int = 12) -> dict[str, list[Any]]:
    """The courses the viewer learns and the groups they belong to, for the scope links (two queries)."""
    from lyceum.community.models import StudyGroup
    from lyceum.courses.models import Course

    courses = Course.objects.filter(enrollments__user=viewer, enrollments__revoked_at__isnull=True).order_by("title")
    groups = StudyGroup.objects.filter(memberships__user=viewer, archived_at__isnull=True).order_by("name")
    return {"courses": list(courses.only("pk", "title")[:limit]), "groups": list(groups.only("pk", "name")[:limit])}


def top_contributor(*, start: datetime, end: datetime) -> Any:
    """The member with the most points from community actions in ``[start, end)``, or None."""
    row = (
        PointEntry.objects.filter(created_at__gte=start, created_at__lt=end, action__in=COMMUNITY_ACTIONS)
        .values("user_id")
        .annotate(total=Sum("points"))
        .filter(total__gt=0)
        .order_by("-total", "user_id")
        .first()
    )
    if row is None:
        return None
    from lyceum.accounts.models import User

    return User.objects.filter(pk=row["user_id"], is_active=True).first()


# --------------------------------------------------------------------------- rewards


def rewards_for_members() -> list[Reward]:
    return list(Reward.objects.filter(is_active=True).order_by("points_cost", "id"))


def rewards_for_operators() -> list[Reward]:
    return list(Reward.objects.order_by("-is_active", "points_cost", "id"))


def reward_get_for_operator(*, actor: Any, reward_id: int) -> Reward:
    if not getattr(actor, "is_authenticated", False) or not actor.has_role("operator"):
        raise PermissionDenied(_("Only operators can manage rewards."))
    reward = Reward.objects.filter(pk=reward_id).first()
    if reward is None:
        raise NotFound(_("This reward does not exist."))
    return reward


def my_redemptions(*, user: Any, limit: int = 20) -> list[Any]:
    from .models import Redemption

    return list(Redemption.objects.filter(user=user).select_related("reward", "coupon")[:limit])


def badge_definition(slug: str) -> Badge | None:
    return BADGES_BY_SLUG.get(slug)

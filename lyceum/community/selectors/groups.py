"""Reads for study groups: discovery, the group page (feed, members, streaks, weekly goal, progress).

Who sees what:
- archived groups: nobody (404);
- invite-only groups: members only; everyone else gets 404 (the invite link is the way in);
- public groups: every signed-in user sees the name, description, goal and members;
  the feed, check-ins, streaks, weekly minutes and course progress are for members.

Every function runs a fixed number of queries whatever the number of members,
posts or check-ins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from lyceum.core.errors import NotFound
from lyceum.courses.models import Lesson
from lyceum.learning.models import Enrollment

from .. import access
from ..models import CheckIn, GroupMembership, GroupPost, GroupRole, GroupVisibility, StudyGroup
from ..services.groups import STREAK_LOOKBACK_DAYS, local_day, streak_from_days

FEED_PER_PAGE = 20
FEED_MAX_PAGE = 50
LIST_PER_PAGE = 20


# --------------------------------------------------------------------------- discovery


@dataclass
class GroupCard:
    group: StudyGroup
    is_member: bool
    is_full: bool


@dataclass
class GroupListPage:
    items: list[GroupCard]
    total: int
    page: int
    pages: int

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def _my_group_ids(user: Any) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(GroupMembership.objects.filter(user=user).values_list("group_id", flat=True))


def groups_visible(*, user: Any) -> QuerySet[StudyGroup]:
    """Public groups and the groups ``user`` belongs to (invite-only included), not archived."""
    live = StudyGroup.objects.filter(archived_at__isnull=True)
    if not getattr(user, "is_authenticated", False):
        return live.none()
    live = live.filter(access.visible_q(user, author="owner"))
    return live.filter(Q(visibility=GroupVisibility.PUBLIC) | Q(memberships__user=user)).distinct()


def group_list_for_discover(
    *,
    user: Any,
    course_id: int | None = None,
    topic_id: int | None = None,
    q: str = "",
    mine: bool = False,
    page: int = 1,
    per_page: int = LIST_PER_PAGE,
) -> GroupListPage:
    my_ids = _my_group_ids(user)
    groups = StudyGroup.objects.filter(archived_at__isnull=True).filter(access.visible_q(user, author="owner"))
    if mine:
        groups = groups.filter(pk__in=my_ids)
    else:
        groups = groups.filter(Q(visibility=GroupVisibility.PUBLIC) | Q(pk__in=my_ids))
    if course_id:
        groups = groups.filter(course_id=course_id)
    if topic_id:
        groups = groups.filter(topic_id=topic_id)
    query = " ".join((q or "").split())[:80]
    if query:
        groups = groups.filter(name__icontains=query)
    total = groups.count()
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = list(
        groups.select_related("course", "topic", "owner").order_by("-last_activity_at", "-pk")[
            (page - 1) * per_page : page * per_page
        ]
    )
    items = [GroupCard(g, g.pk in my_ids, g.member_count >= g.max_members) for g in rows]
    return GroupListPage(items=items, total=total, page=page, pages=pages)


def my_groups(*, user: Any) -> list[StudyGroup]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        StudyGroup.objects.filter(archived_at__isnull=True, memberships__user=user)
        .filter(Q(hidden_at__isnull=True) | Q(owner=user))  # a hidden group: its organiser's list only
        .select_related("course", "topic")
        .order_by("-last_activity_at", "-pk")
    )


# --------------------------------------------------------------------------- one group


def group_get_for_user(*, user: Any, group_id: int) -> tuple[StudyGroup, GroupMembership | None]:
    """The permission-checked fetcher: NotFound unless ``user`` may see the group."""
    group = (
        StudyGroup.objects.select_related("course", "topic", "owner")
        .filter(pk=group_id, archived_at__isnull=True)
        .first()
    )
    if group is None or not getattr(user, "is_authenticated", False):
        raise NotFound(_("This group does not exist."))
    if group.hidden_at is not None and not access.sees_hidden(user, group.owner_id):
        raise NotFound(_("This group does not exist."))  # hidden: only its organiser and staff
    membership = GroupMembership.objects.filter(group=group, user=user).first()
    staff_on_hidden = group.hidden_at is not None and access.is_staff(user)  # moderating it
    if membership is None and group.visibility != GroupVisibility.PUBLIC and not staff_on_hidden:
        raise NotFound(_("This group does not exist."))
    return group, membership


def group_get_by_invite(*, code: str) -> StudyGroup:
    group = (
        StudyGroup.objects.select_related("course", "topic", "owner")
        .filter(invite_code=str(code)[:32], archived_at__isnull=True, hidden_at__isnull=True)
        .first()
    )
    if group is None:
        raise NotFound(_("This invite link is not valid any more."))
    return group


@dataclass
class MemberRow:
    membership: GroupMembership
    streak: int = 0
    week_minutes: int = 0
    checked_in_today: bool = False
    progress_percent: int | None = None  # None: not enrolled in the shared course

    @property
    def user(self) -> Any:
        return self.membership.user

    @property
    def is_owner(self) -> bool:
        return self.membership.role == GroupRole.OWNER

    @property
    def goal_percent(self) -> int:
        goal = self.membership.group.weekly_goal_minutes
        return 100 if goal == 0 else min(100, round(100 * self.week_minutes / goal))

    @property
    def goal_met(self) -> bool:
        return self.week_minutes >= self.membership.group.weekly_goal_minutes


@dataclass
class FeedItem:
    kind: str  # "post" or "checkin"
    at: datetime
    obj: Any


@dataclass
class FeedPage:
    items: list[FeedItem]
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


@dataclass
class GroupPage:
    group: StudyGroup
    membership: GroupMembership | None
    members: list[MemberRow]
    week_start: date
    week_end: date
    week_minutes: int = 0
    feed: FeedPage | None = None
    my_checkin_today: CheckIn | None = None
    my_streak: int = 0
    lessons: list[Lesson] = field(default_factory=list)

    @property
    def is_member(self) -> bool:
        return self.membership is not None

    @property
    def is_owner(self) -> bool:
        return self.membership is not None and self.membership.role == GroupRole.OWNER

    @property
    def is_full(self) -> bool:
        return self.group.member_count >= self.group.max_members

    @property
    def week_goal_total(self) -> int:
        return self.group.weekly_goal_minutes * len(self.members)

    @property
    def week_percent(self) -> int:
        goal = self.week_goal_total
        return 100 if goal == 0 else min(100, round(100 * self.week_minutes / goal))

    @property
    def members_on_track(self) -> int:
        return sum(1 for m in self.members if m.goal_met)


def week_bounds(viewer: Any, now: datetime | None = None) -> tuple[date, date]:
    """Monday to Sunday of the current week where ``viewer`` lives."""
    today = local_day(viewer, now)
    start = today - timedelta(days=today.weekday())
    return start, start + timedelta(days=6)


def group_page(*, user: Any, group_id: int, page: int = 1, now: datetime | None = None) -> GroupPage:
    group, membership = group_get_for_user(user=user, group_id=group_id)
    memberships = group_members(group=group)
    for m in memberships:
        m.group = group  # no query per row for goal_percent
    rows = [MemberRow(m) for m in memberships]
    week_start, week_end = week_bounds(user, now)
    result = GroupPage(group=group, membership=membership, members=rows, week_start=week_start, week_end=week_end)
    if membership is None:
        return result
    _fill_member_stats(group, rows, week_start, week_end, now)
    result.week_minutes = sum(r.week_minutes for r in rows)
    mine = next((r for r in rows if r.membership.user_id == user.pk), None)
    result.my_streak = mine.streak if mine else 0
    result.feed = group_feed(group=group, page=page, user=user)
    my_today = local_day(user, now)
    result.my_checkin_today = (
        CheckIn.objects.filter(group=group, user=user, day=my_today).select_related("lesson").first()
    )
    result.lessons = group_lessons(group=group)
    return result


def group_lessons(*, group: StudyGroup) -> list[Lesson]:
    """The shared course's lessons in outline order (the check-in lesson picker)."""
    if not group.course_id:
        return []
    return list(
        Lesson.objects.filter(course_id=group.course_id)
        .select_related("module")
        .order_by("module__position", "position", "pk")
    )


def group_members(*, group: StudyGroup) -> list[GroupMembership]:
    return list(GroupMembership.objects.filter(group=group).select_related("user").order_by("joined_at", "pk"))


def _fill_member_stats(
    group: StudyGroup, rows: list[MemberRow], week_start: date, week_end: date, now: datetime | None
) -> None:
    """Streaks (in each member's own time zone), minutes this week and course progress: two queries."""
    todays = {r.membership.user_id: local_day(r.user, now) for r in rows}
    if not todays:
        return
    earliest = min([*todays.values(), week_start]) - timedelta(days=STREAK_LOOKBACK_DAYS)
    days: dict[int, set[date]] = {uid: set() for uid in todays}
    week: dict[int, int] = dict.fromkeys(todays, 0)
    for uid, day, minutes in CheckIn.objects.filter(group=group, day__gte=earliest, user_id__in=todays).values_list(
        "user_id", "day", "minutes"
    ):
        days[uid].add(day)
        if week_start <= day <= week_end:
            week[uid] += minutes
    progress: dict[int, int] = {}
    if group.course_id:
        progress = dict(
            Enrollment.objects.filter(
                course_id=group.course_id, user_id__in=todays, revoked_at__isnull=True
            ).values_list("user_id", "progress_percent")
        )
    for r in rows:
        uid = r.membership.user_id
        r.streak = streak_from_days(days[uid], todays[uid])
        r.checked_in_today = todays[uid] in days[uid]
        r.week_minutes = week[uid]
        r.progress_percent = progress.get(uid)


def group_feed(*, group: StudyGroup, page: int = 1, per_page: int = FEED_PER_PAGE, user: Any = None) -> FeedPage:
    """Posts and check-ins interleaved, newest first: four queries for any page. Hidden posts
    only for their author and staff (``user``; none when no viewer is given)."""
    page = min(max(1, page), FEED_MAX_PAGE)
    depth = page * per_page + 1
    post_keys = list(
        GroupPost.objects.filter(group=group, deleted_at__isnull=True)
        .filter(access.visible_q(user))
        .order_by("-created_at", "-pk")
        .values_list("created_at", "pk")[:depth]
    )
    checkin_keys = list(
        CheckIn.objects.filter(group=group).order_by("-created_at", "-pk").values_list("created_at", "pk")[:depth]
    )
    merged = sorted(
        [(at, 1, pk, "post") for at, pk in post_keys] + [(at, 0, pk, "checkin") for at, pk in checkin_keys],
        reverse=True,
    )
    window = merged[(page - 1) * per_page : page * per_page]
    post_ids = [pk for _, _, pk, kind in window if kind == "post"]
    checkin_ids = [pk for _, _, pk, kind in window if kind == "checkin"]
    posts = GroupPost.objects.select_related("author").in_bulk(post_ids) if post_ids else {}
    checkins = CheckIn.objects.select_related("user", "lesson").in_bulk(checkin_ids) if checkin_ids else {}
    items = [
        FeedItem(kind, at, posts[pk] if kind == "post" else checkins[pk])
        for at, _, pk, kind in window
        if pk in (posts if kind == "post" else checkins)
    ]
    return FeedPage(items=items, page=page, has_next=len(merged) > page * per_page and page < FEED_MAX_PAGE)


COURSE_PAGE_LIMIT = 3


def groups_for_course_page(*, course: Any, user: Any) -> list[dict[str, Any]]:
    """The ``course_page.sections`` hook: study groups around this course (yours first), and a
    link to start one. Two queries; nothing for visitors who are not signed in."""
    if not getattr(user, "is_authenticated", False):
        return []
    my_ids = _my_group_ids(user)
    groups = list(
        StudyGroup.objects.filter(archived_at__isnull=True, course=course)
        .filter(access.visible_q(user, author="owner"))
        .filter(Q(visibility=GroupVisibility.PUBLIC) | Q(pk__in=my_ids))
        .order_by("-last_activity_at", "-pk")[:20]
    )
    groups.sort(key=lambda g: g.pk not in my_ids)  # stable: mine first, then by activity
    cards = [GroupCard(g, g.pk in my_ids, g.member_count >= g.max_members) for g in groups[:COURSE_PAGE_LIMIT]]
    return [{"template": "community/groups/partials/_course_section.html", "cards": cards, "course": course}]


@dataclass
class MyGroupToday:
    group: StudyGroup
    streak: int
    checked_in_today: bool


def my_groups_for_home(*, user: Any, now: datetime | None = None) -> list[dict[str, Any]]:
    """The ``home_page.sections`` hook: my groups with my streak and whether I checked in today
    (a nudge to keep the streak). Two queries; nothing for visitors or people in no group."""
    groups = my_groups(user=user)[:6]
    if not groups:
        return []
    today = local_day(user, now)
    days: dict[int, set[date]] = {g.pk: set() for g in groups}
    for group_id, day in CheckIn.objects.filter(
        user=user, group__in=groups, day__gt=today - timedelta(days=STREAK_LOOKBACK_DAYS), day__lte=today
    ).values_list("group_id", "day"):
        days[group_id].add(day)
    rows = [MyGroupToday(g, streak_from_days(days[g.pk], today), today in days[g.pk]) for g in groups]
    return [{"template": "community/groups/partials/_home_section.html", "rows": rows}]

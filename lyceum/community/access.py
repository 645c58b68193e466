"""Who may read, post, moderate and attend: the one place community access is decided.

Pages and the API both call these; a member-only thing is never reachable by guessing
its URL. Memberships come through the ``member.active_plans`` hook (commerce answers),
enrollments and instructor links are read from ``learning`` and ``courses``.

Results are cached per request on the user object (``_community_access``), so a page that
checks many spaces or events costs a fixed number of queries, and between requests in the
cache (``community.caching``: what invalidates it is described there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from lyceum.core import hooks
from lyceum.courses.models import CourseInstructor
from lyceum.learning.models import Enrollment

from . import caching
from .models import EventAudience, LiveEvent, PostPolicy, Space, SpaceKind, ThreadKind

STAFF_ROLES = ("moderator", "operator")


@dataclass(frozen=True)
class Standing:
    """What one user holds that opens community doors."""

    authenticated: bool
    staff: bool  # moderators and operators read and moderate everything
    operator: bool
    course_ids: frozenset[int]  # active enrollments
    instructed_course_ids: frozenset[int]
    plans: frozenset[str]  # live membership plan slugs


ANONYMOUS = Standing(False, False, False, frozenset(), frozenset(), frozenset())


def standing(user: Any, *, found: dict[str, Any] | None = None) -> Standing:
    """What ``user`` holds. The database part (enrollments, instructor links, plans) comes from the
    cache between requests (``caching.standing_parts``: invalidation rules there); the roles
    from ``user.roles``. ``found`` is the thread page's one ``get_many`` (``caching.prefetch``)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, "_community_access", None)
    if cached is not None:
        return cached
    loaded: dict[str, frozenset[str]] = {}
    course_ids, instructed, plans, _valid_until = caching.standing_parts(
        user.pk, lambda: _standing_parts_from_db(user, loaded), found
    )
    if plans is None:  # a live membership ends with its period (the hook does not say when): asked each time
        plans = loaded["plans"] if "plans" in loaded else _live_plans(user)
    roles = set(user.roles) | ({"operator"} if user.is_superuser else set())
    result = Standing(
        authenticated=True,
        staff=bool(roles & set(STAFF_ROLES)),
        operator="operator" in roles,
        course_ids=course_ids,
        instructed_course_ids=instructed,
        plans=plans,
    )
    user._community_access = result
    return result


def _live_plans(user: Any) -> frozenset[str]:
    return frozenset(str(p) for p in hooks.collect("member.active_plans", user=user))


def _standing_parts_from_db(user: Any, loaded: dict[str, frozenset[str]]) -> caching.StandingParts:
    """(active enrollments' courses, instructed courses, the plans when there are none — else None:
    ask again —, the first moment an enrollment counted here ends). ``loaded["plans"]``: the plans."""
    now = timezone.now()
    rows = list(
        Enrollment.objects.filter(user=user, revoked_at__isnull=True)
        .filter(Q(access_until__isnull=True) | Q(access_until__gt=now))
        .order_by()
        .values_list("course_id", "access_until")
    )
    ends = [until.timestamp() for _course, until in rows if until is not None]
    instructed = frozenset(CourseInstructor.objects.filter(user=user).order_by().values_list("course_id", flat=True))
    plans = loaded["plans"] = _live_plans(user)
    return frozenset(c for c, _until in rows), instructed, (None if plans else plans), min(ends, default=None)


def forget(user: Any) -> None:
    """Drop the cached standing (after enrolling, joining a plan... within one request)."""
    if hasattr(user, "_community_access"):
        del user._community_access


def _plans_open(required: list[str], plans: frozenset[str]) -> bool:
    if not plans:
        return False
    return not required or bool(set(required) & plans)


def can_read_space(user: Any, space: Space) -> bool:
    s = standing(user)
    if space.archived_at is not None and not s.staff:
        return False
    if space.kind == SpaceKind.GLOBAL:
        return True  # visitors may read the open community; posting needs an account
    if not s.authenticated:
        return False
    if s.staff:
        return True
    if space.kind == SpaceKind.COURSE:
        return space.course_id in s.course_ids or space.course_id in s.instructed_course_ids
    # paid space: an enrollment in one of its courses, or a live membership
    access_course_ids = {c.pk for c in space.access_courses.all()}
    if access_course_ids & (s.course_ids | s.instructed_course_ids):
        return True
    if not access_course_ids or space.access_plans:
        return _plans_open(list(space.access_plans), s.plans)
    return False


def is_staff(user: Any) -> bool:
    """A moderator or operator (at most the one roles query, shared with ``standing``)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_community_access", None)
    if cached is not None:
        return bool(cached.staff)
    return user.is_superuser or bool(set(user.roles) & set(STAFF_ROLES))


def sees_hidden(user: Any, author_id: int | None) -> bool:
    """May ``user`` see content that is hidden pending (or after) moderation? Its author and
    staff (moderators, operators) may; everyone else never learns it exists."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (author_id is not None and author_id == user.pk) or is_staff(user)


def visible_q(user: Any, *, author: str = "author", prefix: str = "") -> Q:
    """The filter for lists: what is not hidden, plus the viewer's own hidden things (all for staff)."""
    if not getattr(user, "is_authenticated", False):
        return Q(**{f"{prefix}hidden_at__isnull": True})
    if is_staff(user):
        return Q()
    return Q(**{f"{prefix}hidden_at__isnull": True}) | Q(**{f"{prefix}{author}_id": user.pk})


def visible_test(user: Any) -> Callable[[Any], bool]:
    """``visible_q`` as a test of one loaded row (``hidden_at`` and ``author_id``), for cached lists."""
    if not getattr(user, "is_authenticated", False):
        return lambda obj: obj.hidden_at is None
    if is_staff(user):
        return lambda obj: True
    uid = user.pk
    return lambda obj: obj.hidden_at is None or obj.author_id == uid


def is_space_moderator(user: Any, space: Space) -> bool:
    """Staff everywhere; a course's instructors in its course space."""
    s = standing(user)
    if s.staff:
        return True
    return space.kind == SpaceKind.COURSE and space.course_id in s.instructed_course_ids


def can_start_thread(user: Any, space: Space, kind: str = ThreadKind.DISCUSSION) -> bool:
    s = standing(user)
    if not s.authenticated or space.archived_at is not None or not can_read_space(user, space):
        return False
    if kind == ThreadKind.ANNOUNCEMENT or space.post_policy == PostPolicy.STAFF:
        return s.operator or is_space_moderator(user, space)
    return True


def can_reply(user: Any, space: Space) -> bool:
    s = standing(user)
    return s.authenticated and space.archived_at is None and can_read_space(user, space)


def readable_spaces(user: Any) -> QuerySet[Space]:
    """Spaces ``user`` may read, for lists and search (paid spaces are few: checked one by one)."""
    s = standing(user)
    spaces = Space.objects.filter(archived_at__isnull=True)
    if s.staff:
        return spaces
    q = Q(kind=SpaceKind.GLOBAL)
    if s.authenticated:
        q |= Q(kind=SpaceKind.COURSE, course_id__in=s.course_ids | s.instructed_course_ids)
        paid = spaces.filter(kind=SpaceKind.PAID).prefetch_related("access_courses")
        q |= Q(pk__in=[p.pk for p in paid if can_read_space(user, p)])
    return spaces.filter(q)


def can_attend_event(user: Any, event: LiveEvent) -> bool:
    """May ``user`` register for ``event`` (and so, once registered, see its meeting link)?"""
    s = standing(user)
    if not s.authenticated:
        return False
    if s.staff or is_event_host(user, event):
        return True
    if event.audience == EventAudience.FREE:
        return True
    if event.audience == EventAudience.MEMBERS:
        return _plans_open(list(event.access_plans), s.plans)
    return event.course_id in s.course_ids or event.course_id in s.instructed_course_ids


def is_event_host(user: Any, event: LiveEvent) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return any(h.pk == user.pk for h in event.hosts.all())


def can_manage_event(user: Any, event: LiveEvent) -> bool:
    s = standing(user)
    return s.operator or is_event_host(user, event)

"""Leaderboards: weekly and monthly windows in the platform time zone, global/course/group scopes."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from conftest import make_user
from lyceum.community.models import GroupMembership, GroupVisibility, StudyGroup
from lyceum.core.errors import NotFound, PermissionDenied, ValidationFailed
from lyceum.engagement import selectors, services
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course

# Wednesday 2026-06-10 12:00 in Shanghai (the platform zone); that week starts Monday the 8th.
NOW = datetime(2026, 6, 10, 4, tzinfo=UTC)
MONDAY_START = datetime(2026, 6, 7, 16, tzinfo=UTC)  # 00:00 Monday in Shanghai


def award(user, action, key, at, **scope):
    return services.points_award(user=user, action=action, source_key=key, at=at, **scope)


def ranks(board):
    return [(row.user.email, row.points) for row in board.rows]


def test_the_week_starts_on_monday_midnight_in_the_platform_zone(learner, outsider):
    award(learner, "lesson_completed", "l:1", MONDAY_START)  # counts: first instant of the week
    award(outsider, "lesson_completed", "l:2", MONDAY_START.replace(second=0, minute=59, hour=15))  # Sunday 23:59

    board = selectors.leaderboard(viewer=learner, period="week", now=NOW)

    assert ranks(board) == [(learner.email, 10)]
    assert board.my_points == 10


def test_the_month_covers_the_calendar_month(learner, outsider):
    award(learner, "lesson_completed", "l:1", datetime(2026, 5, 31, 16, 30, tzinfo=UTC))  # 1 June 00:30 Shanghai
    award(outsider, "lesson_completed", "l:2", datetime(2026, 5, 31, 15, 30, tzinfo=UTC))  # 31 May in Shanghai
    award(outsider, "course_completed", "c:1", NOW)

    board = selectors.leaderboard(viewer=learner, period="month", now=NOW)

    assert ranks(board) == [(outsider.email, 100), (learner.email, 10)]


def test_revocations_count_and_spending_does_not(learner, outsider):
    award(learner, "accepted_answer", "a:1", None)
    award(learner, "lesson_completed", "l:1", None)
    services.points_revoke(user_id=learner.pk, reason="x", actions=("accepted_answer",), source_key="a:1")
    award(outsider, "lesson_completed", "l:2", None)
    award(outsider, "quiz_passed", "q:1", None)
    from lyceum.engagement.models import PointEntry

    PointEntry.objects.create(
        user=outsider, points=-20, action="reward_redeemed", reason="reward_redeemed", source_key="redemption:1",
        day=timezone.now().date(), created_at=timezone.now(),
    )  # fmt: skip

    board = selectors.leaderboard(viewer=learner, period="week")

    assert ranks(board) == [(outsider.email, 25), (learner.email, 10)]


def test_a_course_board_counts_that_courses_points_of_its_learners(learner, outsider):
    course, other = make_course(), make_course()
    enrollment_create(user=learner, course=course, source="free")
    enrollment_create(user=outsider, course=other, source="free")
    award(learner, "lesson_completed", "l:1", NOW, course_id=course.pk)
    award(learner, "lesson_completed", "l:2", NOW, course_id=other.pk)
    award(outsider, "lesson_completed", "l:3", NOW, course_id=course.pk)  # not enrolled any more / never

    board = selectors.leaderboard(viewer=learner, period="week", course=course.pk, now=NOW)

    assert board.scope == "course"
    assert ranks(board) == [(learner.email, 10)]


def test_a_course_board_is_for_its_learners_instructors_and_operators(learner, outsider, operator, instructor):
    course = make_course(instructor=instructor)
    enrollment_create(user=learner, course=course, source="free")

    for viewer in (learner, instructor, operator):
        assert selectors.leaderboard(viewer=viewer, course=course.pk, now=NOW).scope == "course"
    with pytest.raises(PermissionDenied):
        selectors.leaderboard(viewer=outsider, course=course.pk, now=NOW)
    with pytest.raises(NotFound):
        selectors.leaderboard(viewer=learner, course=999999, now=NOW)


def make_group(owner, *members, visibility=GroupVisibility.PUBLIC):
    group = StudyGroup.objects.create(name="Night owls", owner=owner, invite_code=f"code-{owner.pk}-{visibility}",
                                      visibility=visibility)  # fmt: skip
    for member in (owner, *members):
        GroupMembership.objects.create(group=group, user=member)
    return group


def test_a_group_board_ranks_its_members_only(learner, outsider):
    friend = make_user("friend@example.com")
    group = make_group(learner, friend)
    award(learner, "daily_checkin", "d:1", NOW)
    award(friend, "lesson_completed", "l:1", NOW)
    award(outsider, "course_completed", "c:1", NOW)

    board = selectors.leaderboard(viewer=friend, period="week", group=group.pk, now=NOW)

    assert ranks(board) == [(friend.email, 10), (learner.email, 5)]


def test_a_group_board_is_for_members_only(learner, outsider):
    public = make_group(learner)
    private = make_group(learner, visibility=GroupVisibility.INVITE)

    with pytest.raises(PermissionDenied):
        selectors.leaderboard(viewer=outsider, group=public.pk, now=NOW)
    with pytest.raises(NotFound):
        selectors.leaderboard(viewer=outsider, group=private.pk, now=NOW)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "year"}, "period"),
        ({"course": "abc"}, "course"),
        ({"group": -3}, "group"),
        ({"course": 1, "group": 1}, "group"),
    ],
)
def test_bad_filters_are_refused(learner, params, field):
    with pytest.raises(ValidationFailed) as exc:
        selectors.leaderboard(viewer=learner, now=NOW, **params)
    assert exc.value.field == field


def test_the_board_is_bounded_and_runs_a_fixed_number_of_queries(learner, django_assert_max_num_queries):
    members = [make_user(f"m{i}@example.com") for i in range(30)]
    for i, member in enumerate(members):
        for j in range(i % 5 + 1):
            award(member, "lesson_completed", f"l:{i}:{j}", NOW)

    with django_assert_max_num_queries(4):
        board = selectors.leaderboard(viewer=learner, period="week", now=NOW)

    assert len(board.rows) == 20
    assert [row.rank for row in board.rows] == list(range(1, 21))
    assert board.rows[0].points == 50


def test_closed_accounts_leave_the_board(learner, outsider):
    award(outsider, "course_completed", "c:1", NOW)
    award(learner, "lesson_completed", "l:1", NOW)
    outsider.is_active = False
    outsider.save(update_fields=["is_active"])

    board = selectors.leaderboard(viewer=learner, period="week", now=NOW)

    assert [(row.rank, row.user.email) for row in board.rows] == [(1, learner.email)]

"""Study group reads: visibility, streaks, weekly goal sums, the feed and query budgets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from conftest import make_user
from lyceum.community.models import CheckIn, GroupPost
from lyceum.community.selectors.groups import (
    group_feed,
    group_get_for_user,
    group_list_for_discover,
    group_page,
    week_bounds,
)
from lyceum.community.services.groups import (
    checkin_create,
    group_create,
    group_join,
    group_post,
    streak_from_days,
)
from lyceum.core.errors import NotFound
from lyceum.learning.models import Enrollment
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course

pytestmark = pytest.mark.django_db

D = date(2026, 3, 11)  # a Wednesday


def _days(*offsets):
    return {D - timedelta(days=o) for o in offsets}


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (set(), 0),
        (_days(0), 1),
        (_days(0, 1, 2), 3),
        (_days(1, 2, 3), 3),  # nothing today yet: the streak still stands until tonight
        (_days(2, 3, 4), 0),  # yesterday missed: broken
        (_days(0, 1, 3, 4, 5), 2),  # a gap stops the count
        (_days(1, 3), 1),
        ({D + timedelta(days=1)}, 0),  # a day in the future (another time zone) is not counted
    ],
)
def test_streak_by_hand(days, expected):
    assert streak_from_days(days, D) == expected


def _checkin(user, group, day, minutes=30, tz_hour=12):
    """A check-in stored directly for ``day`` (the member's local date)."""
    return CheckIn.objects.create(
        group=group,
        user=user,
        day=day,
        minutes=minutes,
        created_at=datetime(day.year, day.month, day.day, tz_hour, tzinfo=UTC),
    )


def test_group_page_streaks_weekly_minutes_and_progress(learner, outsider, instructor):
    course = make_course(instructor=instructor)
    group = group_create(actor=learner, name="Weekly", course=course, weekly_goal_minutes=100)
    group_join(actor=outsider, group=group)
    enrollment_create(user=learner, course=course)
    Enrollment.objects.filter(user=learner).update(progress_percent=40)
    now = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)  # Wednesday 20:00 in Shanghai, 12:00 UTC
    # learner: Mon..Wed this week (90 min) + Sun of last week; streak of 4
    for offset, minutes in [(0, 30), (1, 30), (2, 30), (3, 50)]:
        _checkin(learner, group, D - timedelta(days=offset), minutes)
    # outsider: last Friday and Monday (streak broken), 70 min this week
    _checkin(outsider, group, D - timedelta(days=5), 20)
    _checkin(outsider, group, D - timedelta(days=2), 70)

    page = group_page(user=learner, group_id=group.pk, now=now)

    assert (page.week_start, page.week_end) == (date(2026, 3, 9), date(2026, 3, 15))
    rows = {r.user.pk: r for r in page.members}
    assert (rows[learner.pk].streak, rows[learner.pk].week_minutes, rows[learner.pk].checked_in_today) == (4, 90, True)
    assert (rows[outsider.pk].streak, rows[outsider.pk].week_minutes) == (0, 70)
    assert (rows[learner.pk].goal_percent, rows[outsider.pk].goal_percent) == (90, 70)
    assert (rows[learner.pk].progress_percent, rows[outsider.pk].progress_percent) == (40, None)
    assert (page.week_minutes, page.week_goal_total, page.week_percent) == (160, 200, 80)
    assert page.my_streak == 4
    assert page.my_checkin_today is not None
    assert [lesson.title for lesson in page.lessons] == ["Lesson 1", "Lesson 2", "Lesson 3"]


def test_streak_uses_each_members_own_day_at_a_timezone_boundary(learner, outsider):
    learner.timezone = "Asia/Shanghai"
    learner.save(update_fields=["timezone"])
    outsider.timezone = "America/Los_Angeles"
    outsider.save(update_fields=["timezone"])
    group = group_create(actor=learner, name="Around the world")
    group_join(actor=outsider, group=group)
    # 2026-03-11 17:00 UTC: already 12 March in Shanghai (01:00), still 11 March in Los Angeles (10:00)
    now = datetime(2026, 3, 11, 17, 0, tzinfo=UTC)
    for offset in (1, 2):  # 10 and 9 March
        _checkin(learner, group, D - timedelta(days=offset))
        _checkin(outsider, group, D - timedelta(days=offset))

    rows = {r.user.pk: r for r in group_page(user=learner, group_id=group.pk, now=now).members}

    # Shanghai's yesterday is 11 March, without a check-in: broken. Los Angeles' yesterday is 10 March: 2.
    assert rows[learner.pk].streak == 0
    assert rows[outsider.pk].streak == 2


def test_week_starts_monday_in_the_viewers_timezone(learner):
    learner.timezone = "Asia/Shanghai"
    sunday_night_utc = datetime(2026, 3, 15, 17, 0, tzinfo=UTC)  # Monday 01:00 in Shanghai

    assert week_bounds(learner, sunday_night_utc) == (date(2026, 3, 16), date(2026, 3, 22))
    learner.timezone = "UTC"
    assert week_bounds(learner, sunday_night_utc) == (date(2026, 3, 9), date(2026, 3, 15))


def test_feed_interleaves_posts_and_checkins_newest_first_and_paginates(learner):
    group = group_create(actor=learner, name="Feed")
    base = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    for i in range(15):
        group_post(actor=learner, group=group, body=f"post {i}", at=base + timedelta(hours=2 * i))
        _checkin(learner, group, date(2026, 3, 1) + timedelta(days=i), tz_hour=8)
    for i, c in enumerate(CheckIn.objects.order_by("day")):
        CheckIn.objects.filter(pk=c.pk).update(created_at=base + timedelta(hours=2 * i + 1))

    first = group_feed(group=group, page=1)
    second = group_feed(group=group, page=2)

    assert [item.kind for item in first.items[:4]] == ["checkin", "post", "checkin", "post"]
    assert first.items[1].obj.body == "post 14"
    assert len(first.items) == 20 and first.has_next
    assert len(second.items) == 10 and not second.has_next
    stamps = [i.at for i in first.items + second.items]
    assert stamps == sorted(stamps, reverse=True)


def test_deleted_posts_leave_the_feed(learner):
    group = group_create(actor=learner, name="Deleted")
    post = group_post(actor=learner, group=group, body="oops")
    GroupPost.objects.filter(pk=post.pk).update(deleted_at=datetime(2026, 1, 1, tzinfo=UTC))

    assert group_feed(group=group).items == []


def test_invite_only_group_is_not_found_for_non_members(learner, outsider):
    secret = group_create(actor=learner, name="Secret", visibility="invite")
    public = group_create(actor=learner, name="Public")

    with pytest.raises(NotFound):
        group_get_for_user(user=outsider, group_id=secret.pk)
    page = group_page(user=outsider, group_id=public.pk)
    assert not page.is_member
    assert page.feed is None  # the feed is for members
    assert [c.group.name for c in group_list_for_discover(user=outsider).items] == ["Public"]
    assert {c.group.name for c in group_list_for_discover(user=learner).items} == {"Secret", "Public"}


def test_discover_filters_by_course_topic_and_name(learner, instructor):
    course = make_course(instructor=instructor)
    group_create(actor=learner, name="Python 晨读", course=course)
    group_create(actor=learner, name="SQL night owls")

    assert [c.group.name for c in group_list_for_discover(user=learner, course_id=course.pk).items] == ["Python 晨读"]
    assert [c.group.name for c in group_list_for_discover(user=learner, q="晨读").items] == ["Python 晨读"]
    assert [c.group.name for c in group_list_for_discover(user=learner, q="owls").items] == ["SQL night owls"]


def _populate(group, members, days):
    for user in members:
        group_join(actor=user, group=group)
        for d in range(days):
            _checkin(user, group, D - timedelta(days=d))
        group_post(actor=user, group=group, body="hello **all**", at=datetime(2026, 3, 1, tzinfo=UTC))


def test_group_page_query_count_is_constant(learner, instructor, django_assert_max_num_queries):
    course = make_course(instructor=instructor)
    group = group_create(actor=learner, name="Big", course=course, max_members=50)
    now = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)
    _populate(group, [make_user(f"m{i}@example.org") for i in range(2)], 2)

    with django_assert_max_num_queries(11) as small:
        group_page(user=learner, group_id=group.pk, now=now)
    _populate(group, [make_user(f"n{i}@example.org") for i in range(12)], 10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = group_page(user=learner, group_id=group.pk, now=now)
    assert len(page.members) == 15
    assert len(page.feed.items) == 20


def test_discover_query_count_is_constant(learner, django_assert_max_num_queries):
    for i in range(3):
        group_create(actor=make_user(f"o{i}@example.org"), name=f"Group {i}")
    with django_assert_max_num_queries(4) as small:
        group_list_for_discover(user=learner)
    for i in range(15):
        group_create(actor=make_user(f"p{i}@example.org"), name=f"More {i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(group_list_for_discover(user=learner).items) == 18


def test_checkin_service_sees_todays_checkin_in_page(learner):
    group = group_create(actor=learner, name="Today")
    checkin_create(actor=learner, group=group, minutes=25)

    page = group_page(user=learner, group_id=group.pk)

    assert page.my_checkin_today.minutes == 25
    assert page.members[0].streak == 1


def test_course_page_section_lists_my_groups_first_and_hides_invite_only(learner, outsider, instructor):
    from django.template.loader import render_to_string

    from lyceum.community.selectors.groups import groups_for_course_page

    course = make_course(instructor=instructor)
    group_create(actor=outsider, name="Public one", course=course)
    group_create(actor=outsider, name="Hidden one", course=course, visibility="invite")
    mine = group_create(actor=learner, name="Mine", course=course)

    [section] = groups_for_course_page(course=course, user=learner)
    assert [c.group.name for c in section["cards"]] == ["Mine", "Public one"]
    assert section["cards"][0].group == mine and section["cards"][0].is_member
    html = render_to_string(section["template"], {"section": section})
    assert "Hidden one" not in html and f"?course={course.pk}" in html
    assert groups_for_course_page(course=course, user=None) == []


def test_home_section_shows_my_groups_streak_and_today(learner, outsider, django_assert_max_num_queries):
    from django.template.loader import render_to_string

    from lyceum.community.selectors.groups import my_groups_for_home

    learner.timezone = "UTC"
    active = group_create(actor=learner, name="Active")
    idle = group_create(actor=learner, name="Idle")
    group_create(actor=outsider, name="Not mine")
    now = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)
    for offset in (0, 1, 2):
        _checkin(learner, active, D - timedelta(days=offset))
    _checkin(learner, idle, D - timedelta(days=1))

    with django_assert_max_num_queries(2):
        [section] = my_groups_for_home(user=learner, now=now)

    rows = {r.group.name: (r.streak, r.checked_in_today) for r in section["rows"]}
    assert rows == {"Active": (3, True), "Idle": (1, False)}
    html = render_to_string(section["template"], {"section": section})
    assert f"/groups/{idle.pk}/#checkin" in html
    assert my_groups_for_home(user=outsider, now=now)[0]["rows"][0].group.name == "Not mine"
    assert my_groups_for_home(user=make_user("nobody@example.org")) == []

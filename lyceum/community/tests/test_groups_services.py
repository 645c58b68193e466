"""Study group services: membership, invite codes, size limit, posts and check-ins."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import pytest

from conftest import make_user, run_concurrently
from lyceum.community.models import CheckIn, GroupMembership, GroupPost, GroupRole, StudyGroup
from lyceum.community.services.groups import (
    checkin_create,
    group_create,
    group_goal_set,
    group_invite_rotate,
    group_join,
    group_leave,
    group_post,
    group_remove_member,
    group_update,
)
from lyceum.core.errors import Conflict, NotFound, PermissionDenied, RateLimited, ValidationFailed
from lyceum.core.models import Event
from lyceum.core.screening import Verdict
from lyceum.courses.models import CourseStatus
from lyceum.learning.tests.factories import make_course

PUBLISHED = Verdict().as_props()  # what the services send when no provider objects

pytestmark = pytest.mark.django_db


def _events(name):
    return list(Event.objects.filter(name=name).order_by("pk"))


def test_create_makes_the_creator_owner_and_first_member(learner):
    group = group_create(actor=learner, name="  Python  晨读  ", description="Read <b>daily</b>", max_members=5)

    assert group.name == "Python 晨读"
    assert group.owner == learner
    assert group.member_count == 1
    assert len(group.invite_code) >= 20
    membership = GroupMembership.objects.get(group=group)
    assert (membership.user, membership.role) == (learner, GroupRole.OWNER)
    assert [e.object_id for e in _events("group.created")] == [str(group.pk)]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "x"}, "name"),
        ({"name": "y" * 81}, "name"),
        ({"name": "ok name", "max_members": 1}, "max_members"),
        ({"name": "ok name", "max_members": 201}, "max_members"),
        ({"name": "ok name", "max_members": "lots"}, "max_members"),
        ({"name": "ok name", "visibility": "secret"}, "visibility"),
        ({"name": "ok name", "description": "d" * 2001}, "description"),
        ({"name": "ok name", "topic": 999999}, "topic"),
        ({"name": "ok name", "weekly_goal_minutes": -5}, "weekly_goal_minutes"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(learner, kwargs, field):
    with pytest.raises(ValidationFailed) as exc:
        group_create(actor=learner, **kwargs)

    assert exc.value.field == field
    assert StudyGroup.objects.count() == 0


def test_create_accepts_only_a_course_the_creator_can_see(learner, instructor):
    published = make_course(instructor=instructor)
    draft = make_course(instructor=instructor, status=CourseStatus.DRAFT)

    assert group_create(actor=learner, name="Published", course=published).course == published
    with pytest.raises(ValidationFailed) as exc:
        group_create(actor=learner, name="Draft", course=draft.pk)
    assert exc.value.field == "course"
    assert group_create(actor=instructor, name="My draft", course=draft).course == draft


def test_join_public_group_then_again_is_idempotent(learner, outsider):
    group = group_create(actor=learner, name="Public")

    first = group_join(actor=outsider, group=group)
    second = group_join(actor=outsider, group=group)

    assert first.pk == second.pk
    group.refresh_from_db()
    assert group.member_count == 2
    joined = _events("group.joined")
    assert len(joined) == 1
    assert joined[0].props == {"group": group.pk}
    assert joined[0].object_type == "community.groupmembership"
    assert joined[0].object_id == str(first.pk)


def test_invite_only_needs_the_current_code(learner, outsider):
    group = group_create(actor=learner, name="Secret", visibility="invite")

    with pytest.raises(NotFound):
        group_join(actor=outsider, group=group)
    with pytest.raises(ValidationFailed) as exc:
        group_join(actor=outsider, group=group, invite_code="wrong-code")
    assert exc.value.field == "invite_code"
    assert not GroupMembership.objects.filter(user=outsider).exists()

    old = group.invite_code
    group = group_invite_rotate(actor=learner, group=group)
    with pytest.raises(ValidationFailed):
        group_join(actor=outsider, group=group, invite_code=old)
    group_join(actor=outsider, group=group, invite_code=group.invite_code)
    assert GroupMembership.objects.filter(user=outsider, group=group).exists()


def test_full_group_refuses_the_next_member(learner, outsider):
    group = group_create(actor=learner, name="Pair", max_members=2)
    group_join(actor=outsider, group=group)
    third = make_user("third@example.org")

    with pytest.raises(Conflict) as exc:
        group_join(actor=third, group=group)

    assert exc.value.code == "group_full"
    group.refresh_from_db()
    assert group.member_count == 2
    assert not GroupMembership.objects.filter(user=third).exists()


def test_owner_leaving_hands_over_to_the_longest_member(learner, outsider):
    group = group_create(actor=learner, name="Handover")
    later = make_user("later@example.org")
    group_join(actor=outsider, group=group, at=datetime(2026, 1, 1, tzinfo=UTC))
    group_join(actor=later, group=group)

    group = group_leave(actor=learner, group=group)

    assert group.owner == outsider
    assert group.member_count == 2
    assert GroupMembership.objects.get(group=group, user=outsider).role == GroupRole.OWNER
    assert group.archived_at is None


def test_last_member_leaving_archives_the_group(learner):
    group = group_create(actor=learner, name="Solo")

    group = group_leave(actor=learner, group=group)

    assert group.archived_at is not None
    assert group.member_count == 0
    with pytest.raises(NotFound):
        group_join(actor=learner, group=group)


def test_only_the_owner_edits_removes_and_rotates(learner, outsider):
    group = group_create(actor=learner, name="Owned")
    group_join(actor=outsider, group=group)
    code = group.invite_code

    for call in (
        lambda: group_update(actor=outsider, group=group, name="Hijacked"),
        lambda: group_goal_set(actor=outsider, group=group, minutes=10),
        lambda: group_invite_rotate(actor=outsider, group=group),
        lambda: group_remove_member(actor=outsider, group=group, user_id=learner.pk),
    ):
        with pytest.raises(PermissionDenied):
            call()

    group.refresh_from_db()
    assert (group.name, group.invite_code, group.member_count) == ("Owned", code, 2)


def test_owner_removes_a_member_and_cannot_shrink_below_members(learner, outsider):
    group = group_create(actor=learner, name="Owned", max_members=5)
    group_join(actor=outsider, group=group)

    with pytest.raises(ValidationFailed) as exc:
        group_update(actor=learner, group=group, name="Owned", max_members=1)
    assert exc.value.field == "max_members"

    group_remove_member(actor=learner, group=group, user_id=outsider.pk)
    group.refresh_from_db()
    assert group.member_count == 1
    assert _events("group.member_removed")[0].props == {"group": group.pk, "user": outsider.pk}


def test_goal_set_by_owner(learner):
    group = group_create(actor=learner, name="Goals")

    group_goal_set(actor=learner, group=group, minutes=300, text="Finish module 2")

    group.refresh_from_db()
    assert (group.weekly_goal_minutes, group.weekly_goal_text) == (300, "Finish module 2")
    with pytest.raises(ValidationFailed) as exc:
        group_goal_set(actor=learner, group=group, minutes=99999)
    assert exc.value.field == "weekly_goal_minutes"


def test_post_members_only_markdown_sanitised_and_event(learner, outsider):
    group = group_create(actor=learner, name="Feed")

    post = group_post(actor=learner, group=group, body="**hi** <script>alert(1)</script> [x](javascript:alert(1))")

    assert "<strong>hi</strong>" in post.body_html
    assert "<script" not in post.body_html
    assert "javascript:" not in post.body_html
    event = _events("group.posted")[0]
    assert (event.object_type, event.object_id, event.props) == (
        "community.grouppost",
        str(post.pk),
        {"group": group.pk, "screen": PUBLISHED},
    )
    with pytest.raises(PermissionDenied):
        group_post(actor=outsider, group=group, body="let me in")
    with pytest.raises(ValidationFailed) as exc:
        group_post(actor=learner, group=group, body="   ")
    assert exc.value.field == "body"
    with pytest.raises(ValidationFailed):
        group_post(actor=learner, group=group, body="x" * 4001)
    assert GroupPost.objects.count() == 1


def test_posting_is_rate_limited(learner):
    group = group_create(actor=learner, name="Chatty")
    for i in range(10):
        group_post(actor=learner, group=group, body=f"message {i}")

    with pytest.raises(RateLimited):
        group_post(actor=learner, group=group, body="one too many")
    assert GroupPost.objects.count() == 10


# --------------------------------------------------------------------------- check-ins


def test_checkin_records_the_local_day_and_emits_streak(learner):
    learner.timezone = "Asia/Shanghai"
    group = group_create(actor=learner, name="打卡")
    # 2026-03-01 17:30 UTC is already 2 March in Shanghai
    checkin, created = checkin_create(
        actor=learner, group=group, minutes=40, note="finished lesson 3", at=datetime(2026, 3, 1, 17, 30, tzinfo=UTC)
    )

    assert created
    assert checkin.day == date(2026, 3, 2)
    event = _events("checkin.created")[0]
    assert event.props == {"group": group.pk, "minutes": 40, "streak": 1}
    assert (event.object_type, event.object_id) == ("community.checkin", str(checkin.pk))


def test_same_local_day_merges_and_next_day_counts_a_streak(learner):
    learner.timezone = "America/New_York"
    group = group_create(actor=learner, name="Streaks")
    morning = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 09:00 in New York
    late = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)  # 22:00 the same New York day

    checkin_create(actor=learner, group=group, minutes=30, at=morning)
    merged, created = checkin_create(actor=learner, group=group, minutes=15, note="more", at=late)

    assert not created
    assert (merged.minutes, merged.note, merged.day) == (45, "more", date(2026, 3, 2))
    assert CheckIn.objects.count() == 1
    assert _events("checkin.updated")[0].props == {"group": group.pk, "minutes": 45, "added": 15}

    checkin_create(actor=learner, group=group, minutes=20, at=late + timedelta(hours=6))
    assert _events("checkin.created")[-1].props["streak"] == 2
    assert CheckIn.objects.count() == 2


@pytest.mark.parametrize("minutes", [0, -1, 1441, "abc", None, 2.5])
def test_bad_minutes_are_a_field_error(learner, minutes):
    group = group_create(actor=learner, name="Minutes")

    with pytest.raises(ValidationFailed) as exc:
        checkin_create(actor=learner, group=group, minutes=minutes)

    assert exc.value.field == "minutes"
    assert CheckIn.objects.count() == 0


def test_merging_past_a_full_day_is_refused(learner):
    group = group_create(actor=learner, name="Long day")
    checkin_create(actor=learner, group=group, minutes=1400)

    with pytest.raises(ValidationFailed) as exc:
        checkin_create(actor=learner, group=group, minutes=41)

    assert exc.value.field == "minutes"
    assert CheckIn.objects.get().minutes == 1400


def test_checkin_note_limit_and_lessons_of_the_group_course_only(learner, instructor):
    course = make_course(instructor=instructor)
    other = make_course(instructor=instructor)
    group = group_create(actor=learner, name="Course group", course=course)
    plain = group_create(actor=learner, name="No course")

    with pytest.raises(ValidationFailed) as exc:
        checkin_create(actor=learner, group=group, minutes=10, note="n" * 281)
    assert exc.value.field == "note"
    with pytest.raises(ValidationFailed) as exc:
        checkin_create(actor=learner, group=group, minutes=10, lesson=other.lessons.first())
    assert exc.value.field == "lesson"
    with pytest.raises(ValidationFailed) as exc:
        checkin_create(actor=learner, group=plain, minutes=10, lesson=course.lessons.first().pk)
    assert exc.value.field == "lesson"
    assert CheckIn.objects.count() == 0

    lesson = course.lessons.order_by("position")[2]
    checkin, _ = checkin_create(actor=learner, group=group, minutes=40, note="finished lesson 3", lesson=lesson.pk)
    assert checkin.lesson == lesson


def test_non_members_cannot_check_in(learner, outsider):
    group = group_create(actor=learner, name="Members")

    with pytest.raises(PermissionDenied):
        checkin_create(actor=outsider, group=group, minutes=10)

    assert CheckIn.objects.count() == 0


# --------------------------------------------------------------------------- PostgreSQL race


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL: set DATABASE_URL"
)
@pytest.mark.django_db(transaction=True)
def test_ten_learners_racing_for_the_last_seat_never_overfill():
    owner = make_user("owner@example.org")
    group = group_create(actor=owner, name="Last seat", max_members=3)
    group_join(actor=make_user("second@example.org"), group=group)
    racers = [make_user(f"racer{i}@example.org") for i in range(10)]

    errors = run_concurrently(lambda i: group_join(actor=racers[i], group=group.pk), 10)

    group.refresh_from_db()
    assert group.member_count == 3
    assert GroupMembership.objects.filter(group=group).count() == 3
    assert len(errors) == 9
    assert all(isinstance(e, Conflict) and e.code == "group_full" for e in errors)
    assert Event.objects.filter(name="group.joined").count() == 2


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL: set DATABASE_URL"
)
@pytest.mark.django_db(transaction=True)
def test_a_double_submitted_checkin_merges_into_one_row():
    owner = make_user("owner@example.org")
    group = group_create(actor=owner, name="Double submit")

    errors = run_concurrently(lambda i: checkin_create(actor=owner, group=group, minutes=20), 4)

    assert errors == []
    checkin = CheckIn.objects.get(group=group, user=owner)
    assert checkin.minutes == 80
    assert Event.objects.filter(name="checkin.created").count() == 1
    assert Event.objects.filter(name="checkin.updated").count() == 3

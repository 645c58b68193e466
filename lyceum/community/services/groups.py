"""Writes for study groups (学习小组): create, join, leave, post, check in, set the weekly goal.

Every function is ``noun_verb(*, actor, ...)``, validates first, runs in one transaction,
emits its event and raises ``core.errors``. Membership counts change only under a row lock
on the group (``select_for_update``), so concurrent joins never pass ``max_members``.

Decisions:
- A second check-in on the same local day is merged into the first: minutes add up
  (at most 24 h), a new note or lesson replaces the old one. It emits ``checkin.updated``,
  not ``checkin.created``, so "X checked in" is announced once a day.
- Leaving as the organiser hands the group to the longest-standing member; the last
  member leaving archives the group.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.accounts.models import Topic
from lyceum.core import ratelimit, screening
from lyceum.core.errors import Conflict, NotFound, PermissionDenied, RateLimited, ValidationFailed
from lyceum.core.events import emit
from lyceum.core.markdown import render_markdown
from lyceum.courses.models import Course, CourseStatus, Lesson

from ..access import sees_hidden, standing
from ..models import CheckIn, GroupMembership, GroupPost, GroupRole, GroupVisibility, HiddenReason, StudyGroup
from ..models.groups import GROUP_SIZE_MAX
from ._screening import held_fields, screen_text

NAME_MIN, NAME_MAX = 2, 80
DESCRIPTION_MAX = 2000
POST_MAX = 4000
NOTE_MAX = 280
GOAL_TEXT_MAX = 200
GOAL_MINUTES_MAX = 7 * 24 * 60
MINUTES_MAX = 24 * 60
STREAK_LOOKBACK_DAYS = 400  # a streak longer than this shows as this long
RATE_POST = "10/min"
RATE_CREATE = "10/h"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


# --------------------------------------------------------------------------- helpers


def user_tz(user: Any) -> ZoneInfo:
    try:
        return ZoneInfo(getattr(user, "timezone", "") or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def local_day(user: Any, at: datetime | None = None) -> date:
    """The calendar day it is (or was at ``at``) where ``user`` lives."""
    return timezone.localtime(at or timezone.now(), user_tz(user)).date()


def streak_from_days(days: set[date] | list[date], today: date) -> int:
    """Consecutive days with a check-in ending today, or yesterday if today has none yet."""
    have = set(days)
    day = today if today in have else today - timedelta(days=1)
    count = 0
    while day in have:
        count += 1
        day -= timedelta(days=1)
    return count


def clean_text(value: Any, *, field: str, max_length: int, min_length: int = 0, multiline: bool = False) -> str:
    """Plain user text: NFC, no control or bidi-override characters, trimmed; templates escape it."""
    text = unicodedata.normalize("NFC", str(value or ""))
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = "\n".join(_CONTROL.sub("", line).rstrip() for line in text.split("\n"))
        text = re.sub(r"\n{3,}", "\n\n", text).strip()
    else:
        text = re.sub(r"\s+", " ", _CONTROL.sub("", text)).strip()
    if len(text) < min_length:
        if min_length <= 1:
            raise ValidationFailed(_("This field is required."), field=field)
        raise ValidationFailed(_("Use at least %(n)d characters.") % {"n": min_length}, field=field, code="too_short")
    if len(text) > max_length:
        raise ValidationFailed(_("Use at most %(n)d characters.") % {"n": max_length}, field=field, code="too_long")
    return text


def _int_in(value: Any, *, field: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Enter a whole number."), field=field) from None
    if isinstance(value, float) and value != number:
        raise ValidationFailed(_("Enter a whole number."), field=field)
    if not low <= number <= high:
        raise ValidationFailed(
            _("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high}, field=field, code="out_of_range"
        )
    return number


def _require_signed_in(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in first."), code="not_authenticated")


def _course_for(actor: Any, course: Course | int | None) -> Course | None:
    """Only a published course, or one the actor is enrolled in or teaches."""
    if course in (None, "", 0):
        return None
    course_id = course.pk if isinstance(course, Course) else course
    obj = Course.objects.filter(pk=course_id).first()
    s = standing(actor)
    if obj is None or not (
        obj.status == CourseStatus.PUBLISHED or obj.pk in s.course_ids or obj.pk in s.instructed_course_ids
    ):
        raise ValidationFailed(_("Choose a course you can see."), field="course")
    return obj


def _topic_for(topic: Topic | int | None) -> Topic | None:
    if topic in (None, "", 0):
        return None
    topic_id = topic.pk if isinstance(topic, Topic) else topic
    obj = Topic.objects.filter(pk=topic_id).first()
    if obj is None:
        raise ValidationFailed(_("Choose a topic from the list."), field="topic")
    return obj


def _visibility(value: Any) -> str:
    if value not in GroupVisibility.values:
        raise ValidationFailed(_("Choose public or invite-only."), field="visibility")
    return str(value)


def _locked(group: StudyGroup | int) -> StudyGroup:
    group_id = group.pk if isinstance(group, StudyGroup) else group
    locked = StudyGroup.objects.select_for_update().filter(pk=group_id, archived_at__isnull=True).first()
    if locked is None:
        raise NotFound(_("This group does not exist."))
    return locked


def _membership(group: StudyGroup, user: Any) -> GroupMembership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return GroupMembership.objects.filter(group=group, user=user).first()


def _require_member(group: StudyGroup, actor: Any) -> GroupMembership:
    _require_signed_in(actor)
    membership = _membership(group, actor)
    if membership is None:
        raise PermissionDenied(_("Only members of this group can do that."), code="not_a_member")
    return membership


def _require_owner(group: StudyGroup, actor: Any) -> None:
    _require_signed_in(actor)
    if group.owner_id != actor.pk:
        raise PermissionDenied(_("Only the organiser can do that."), code="not_the_owner")


def _new_invite_code() -> str:
    return secrets.token_urlsafe(16)  # 22 characters, fits max_length=32


def _touch(group: StudyGroup, at: datetime) -> None:
    StudyGroup.objects.filter(pk=group.pk, last_activity_at__lt=at).update(last_activity_at=at)


def member_streak(*, group: StudyGroup, user: Any, today: date | None = None) -> int:
    today = today or local_day(user)
    days = CheckIn.objects.filter(
        group=group, user=user, day__gt=today - timedelta(days=STREAK_LOOKBACK_DAYS), day__lte=today
    ).values_list("day", flat=True)
    return streak_from_days(set(days), today)


# --------------------------------------------------------------------------- groups


@transaction.atomic
def group_create(
    *,
    actor: Any,
    name: str,
    description: str = "",
    visibility: str = GroupVisibility.PUBLIC,
    max_members: int = 20,
    course: Course | int | None = None,
    topic: Topic | int | None = None,
    weekly_goal_minutes: int = 120,
    weekly_goal_text: str = "",
    at: datetime | None = None,
) -> StudyGroup:
    _require_signed_in(actor)
    clean_name = clean_text(name, field="name", max_length=NAME_MAX, min_length=NAME_MIN)
    clean_description = clean_text(description, field="description", max_length=DESCRIPTION_MAX, multiline=True)
    clean_visibility = _visibility(visibility)
    size = _int_in(max_members, field="max_members", low=2, high=GROUP_SIZE_MAX)
    goal_minutes = _int_in(weekly_goal_minutes, field="weekly_goal_minutes", low=0, high=GOAL_MINUTES_MAX)
    goal_text = clean_text(weekly_goal_text, field="weekly_goal_text", max_length=GOAL_TEXT_MAX)
    course_obj = _course_for(actor, course)
    topic_obj = _topic_for(topic)
    if at is None and not ratelimit.hit(f"groups:create:{actor.pk}", RATE_CREATE):
        raise RateLimited(_("You have created many groups recently. Try again later."))
    verdict = screen_text(actor=actor, kind="group", text=f"{clean_name}\n\n{clean_description}")
    when = at or timezone.now()
    group = StudyGroup.objects.create(
        name=clean_name,
        description=clean_description,
        visibility=clean_visibility,
        max_members=size,
        course=course_obj,
        topic=topic_obj,
        weekly_goal_minutes=goal_minutes,
        weekly_goal_text=goal_text,
        owner=actor,
        invite_code=_new_invite_code(),
        member_count=1,
        last_activity_at=when,
        **held_fields(verdict),
    )
    GroupMembership.objects.create(group=group, user=actor, role=GroupRole.OWNER, joined_at=when)
    emit(
        "group.created",
        actor=actor,
        obj=group,
        at=at,
        visibility=clean_visibility,
        course=group.course_id,
        screen=verdict.as_props(),
    )
    return group


@transaction.atomic
def group_update(
    *,
    actor: Any,
    group: StudyGroup,
    name: str,
    description: str = "",
    visibility: str = GroupVisibility.PUBLIC,
    max_members: int = 20,
    course: Course | int | None = None,
    topic: Topic | int | None = None,
) -> StudyGroup:
    locked = _locked(group)
    _require_owner(locked, actor)
    clean_name = clean_text(name, field="name", max_length=NAME_MAX, min_length=NAME_MIN)
    clean_description = clean_text(description, field="description", max_length=DESCRIPTION_MAX, multiline=True)
    clean_visibility = _visibility(visibility)
    size = _int_in(max_members, field="max_members", low=2, high=GROUP_SIZE_MAX)
    if size < locked.member_count:
        raise ValidationFailed(
            _("The group already has %(n)d members; the limit cannot be lower.") % {"n": locked.member_count},
            field="max_members",
        )
    course_obj = locked.course if course == locked.course_id and course else _course_for(actor, course)
    topic_obj = _topic_for(topic)
    changed = [
        f
        for f, old, new in [
            ("name", locked.name, clean_name),
            ("description", locked.description, clean_description),
            ("visibility", locked.visibility, clean_visibility),
            ("max_members", locked.max_members, size),
            ("course", locked.course_id, course_obj.pk if course_obj else None),
            ("topic", locked.topic_id, topic_obj.pk if topic_obj else None),
        ]
        if old != new
    ]
    verdict = screening.Verdict()
    fields = ["name", "description", "visibility", "max_members", "course", "topic", "updated_at"]
    if "name" in changed or "description" in changed:
        verdict = screen_text(actor=actor, kind="group", text=f"{clean_name}\n\n{clean_description}", obj=locked)
        if verdict.held and locked.hidden_at is None:
            locked.hidden_at, locked.hidden_reason = timezone.now(), HiddenReason.HELD
            fields += ["hidden_at", "hidden_reason"]
    locked.name, locked.description, locked.visibility = clean_name, clean_description, clean_visibility
    locked.max_members, locked.course, locked.topic = size, course_obj, topic_obj
    locked.save(update_fields=fields)
    emit("group.updated", actor=actor, obj=locked, part="details", fields=changed, screen=verdict.as_props())
    return locked


@transaction.atomic
def group_goal_set(*, actor: Any, group: StudyGroup, minutes: int, text: str = "") -> StudyGroup:
    locked = _locked(group)
    _require_owner(locked, actor)
    goal_minutes = _int_in(minutes, field="weekly_goal_minutes", low=0, high=GOAL_MINUTES_MAX)
    goal_text = clean_text(text, field="weekly_goal_text", max_length=GOAL_TEXT_MAX)
    locked.weekly_goal_minutes, locked.weekly_goal_text = goal_minutes, goal_text
    locked.save(update_fields=["weekly_goal_minutes", "weekly_goal_text", "updated_at"])
    emit("group.updated", actor=actor, obj=locked, part="goal", minutes=goal_minutes)
    return locked


@transaction.atomic
def group_invite_rotate(*, actor: Any, group: StudyGroup) -> StudyGroup:
    """A new invite code; links with the old one stop working."""
    locked = _locked(group)
    _require_owner(locked, actor)
    locked.invite_code = _new_invite_code()
    locked.save(update_fields=["invite_code", "updated_at"])
    emit("group.updated", actor=actor, obj=locked, part="invite")
    return locked


@transaction.atomic
def group_join(
    *, actor: Any, group: StudyGroup | int, invite_code: str = "", at: datetime | None = None
) -> GroupMembership:
    """Join a public group, or an invite-only one with its current invite code. Idempotent."""
    _require_signed_in(actor)
    locked = _locked(group)  # every join of this group waits here: the seat count is exact
    if locked.hidden_at is not None and not sees_hidden(actor, locked.owner_id):
        raise NotFound(_("This group does not exist."))
    existing = GroupMembership.objects.filter(group=locked, user=actor).first()
    if existing is not None:
        return existing
    if locked.visibility == GroupVisibility.INVITE and not (
        invite_code and secrets.compare_digest(str(invite_code), locked.invite_code)
    ):
        # Same answer as for a group that does not exist: invite-only groups stay unlisted.
        if invite_code:
            raise ValidationFailed(_("This invite link is not valid any more."), field="invite_code")
        raise NotFound(_("This group does not exist."))
    if locked.member_count >= locked.max_members:
        raise Conflict(_("This group is full."), code="group_full")
    when = at or timezone.now()
    membership = GroupMembership.objects.create(group=locked, user=actor, role=GroupRole.MEMBER, joined_at=when)
    StudyGroup.objects.filter(pk=locked.pk).update(member_count=F("member_count") + 1, last_activity_at=when)
    emit("group.joined", actor=actor, obj=membership, at=at, group=locked.pk)
    return membership


def _remove(locked: StudyGroup, membership: GroupMembership) -> None:
    membership.delete()
    StudyGroup.objects.filter(pk=locked.pk).update(member_count=F("member_count") - 1)


@transaction.atomic
def group_leave(*, actor: Any, group: StudyGroup) -> StudyGroup:
    """Leave; the organiser's role passes to the longest-standing member, or the empty group is archived."""
    locked = _locked(group)
    membership = _require_member(locked, actor)
    _remove(locked, membership)
    props: dict[str, Any] = {"group": locked.pk}
    if locked.owner_id == actor.pk:
        heir = GroupMembership.objects.filter(group=locked).order_by("joined_at", "pk").first()
        if heir is None:
            StudyGroup.objects.filter(pk=locked.pk).update(archived_at=timezone.now())
            props["archived"] = True
        else:
            heir.role = GroupRole.OWNER
            heir.save(update_fields=["role"])
            StudyGroup.objects.filter(pk=locked.pk).update(owner=heir.user_id)
            props["new_owner"] = heir.user_id
    emit("group.left", actor=actor, obj=locked, **props)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def group_remove_member(*, actor: Any, group: StudyGroup, user_id: int) -> None:
    locked = _locked(group)
    _require_owner(locked, actor)
    if user_id == actor.pk:
        raise ValidationFailed(_("Leave the group instead, or hand it over first."), field="user")
    membership = GroupMembership.objects.filter(group=locked, user_id=user_id).first()
    if membership is None:
        raise NotFound(_("This person is not a member."))
    _remove(locked, membership)
    emit("group.member_removed", actor=actor, obj=locked, group=locked.pk, user=user_id)


# --------------------------------------------------------------------------- feed


@transaction.atomic
def group_post(*, actor: Any, group: StudyGroup, body: str, at: datetime | None = None) -> GroupPost:
    if group.archived_at is not None:
        raise NotFound(_("This group does not exist."))
    if group.hidden_at is not None and not sees_hidden(actor, group.owner_id):
        raise NotFound(_("This group does not exist."))
    _require_member(group, actor)
    text = clean_text(body, field="body", max_length=POST_MAX, min_length=1, multiline=True)
    if at is None and not ratelimit.hit(f"groups:post:{actor.pk}", RATE_POST):
        raise RateLimited(_("You are posting very fast. Wait a minute and try again."))
    verdict = screen_text(actor=actor, kind="group_post", text=text, where=str(group.pk), at=at)
    post = GroupPost.objects.create(
        group=group, author=actor, body=text, body_html=str(render_markdown(text)), **held_fields(verdict)
    )
    when = at or post.created_at
    if at is not None:
        GroupPost.objects.filter(pk=post.pk).update(created_at=at, updated_at=at)
        post.created_at = post.updated_at = at
    if not verdict.held:  # a held post is no activity the group sees
        _touch(group, when)
    emit("group.posted", actor=actor, obj=post, at=at, group=group.pk, screen=verdict.as_props())
    return post


@transaction.atomic
def checkin_create(
    *,
    actor: Any,
    group: StudyGroup,
    minutes: Any,
    note: str = "",
    lesson: Lesson | int | None = None,
    at: datetime | None = None,
) -> tuple[CheckIn, bool]:
    """打卡 for the actor's local day. Returns ``(checkin, created)``; a second one that day merges."""
    if group.archived_at is not None:
        raise NotFound(_("This group does not exist."))
    if group.hidden_at is not None and not sees_hidden(actor, group.owner_id):
        raise NotFound(_("This group does not exist."))
    _require_member(group, actor)
    added = _int_in(minutes, field="minutes", low=1, high=MINUTES_MAX)
    clean_note = clean_text(note, field="note", max_length=NOTE_MAX)
    lesson_obj: Lesson | None = None
    if lesson not in (None, "", 0):
        lesson_id = lesson.pk if isinstance(lesson, Lesson) else lesson
        lesson_obj = Lesson.objects.filter(pk=lesson_id).first() if group.course_id else None
        if lesson_obj is None or lesson_obj.course_id != group.course_id:
            raise ValidationFailed(_("Choose a lesson of this group's course."), field="lesson")
    when = at or timezone.now()
    day = local_day(actor, when)
    existing = CheckIn.objects.select_for_update().filter(group=group, user=actor, day=day).first()
    if existing is None:
        try:
            with transaction.atomic():
                checkin = CheckIn.objects.create(
                    group=group, user=actor, day=day, minutes=added, note=clean_note, lesson=lesson_obj, created_at=when
                )
        except IntegrityError:  # a double submit raced us to the unique (group, user, day)
            existing = CheckIn.objects.select_for_update().get(group=group, user=actor, day=day)
        else:
            _touch(group, when)
            streak = member_streak(group=group, user=actor, today=day)
            emit("checkin.created", actor=actor, obj=checkin, at=at, group=group.pk, minutes=added, streak=streak)
            return checkin, True
    total = existing.minutes + added
    if total > MINUTES_MAX:
        raise ValidationFailed(
            _("You already logged %(n)d minutes today; a day has only 1440.") % {"n": existing.minutes},
            field="minutes",
            code="out_of_range",
        )
    existing.minutes = total
    if clean_note:
        existing.note = clean_note
    if lesson_obj is not None:
        existing.lesson = lesson_obj
    existing.save(update_fields=["minutes", "note", "lesson"])
    _touch(group, when)
    emit("checkin.updated", actor=actor, obj=existing, at=at, group=group.pk, minutes=total, added=added)
    return existing, False

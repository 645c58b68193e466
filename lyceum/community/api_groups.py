"""Study groups in ``/api/v1``: discover, a group's page data, check in.

Mount with ``api.add_router("/", lyceum.community.api_groups.router)``. Same visibility as
the pages: invite-only groups are 404 to non-members; a public group's feed and member
stats are only in the answer for members.
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from .selectors import groups as selectors
from .services import groups as services

router = Router(tags=["study groups"])


class GroupOut(Schema):
    id: int
    name: str
    description: str
    visibility: str
    hidden: str = ""  # a HiddenReason when hidden (only its organiser and staff see the group)
    course: str | None = Field(None, description="the shared course's slug")
    topic: str | None = Field(None, description="topic slug")
    member_count: int
    max_members: int
    weekly_goal_minutes: int
    weekly_goal_text: str
    is_member: bool
    is_full: bool
    last_activity_at: datetime


class GroupListOut(Schema):
    items: list[GroupOut]
    total: int
    page: int
    pages: int


class GroupFilters(Schema):
    q: str = Field("", max_length=80)
    course: int | None = None
    topic: int | None = None
    mine: bool = False
    page: int = Field(1, ge=1)


class MemberOut(Schema):
    user: int
    name: str
    role: str
    joined_at: datetime
    streak: int | None = None
    week_minutes: int | None = None
    checked_in_today: bool | None = None
    progress_percent: int | None = None


class FeedItemOut(Schema):
    kind: str
    id: int
    at: datetime
    author: int
    author_name: str
    body_html: str | None = None
    hidden: str = ""
    minutes: int | None = None
    note: str | None = None
    lesson: int | None = None
    lesson_title: str | None = None
    day: date | None = None


class GroupDetailOut(GroupOut):
    is_owner: bool
    week_start: date
    week_end: date
    week_minutes: int | None = None
    week_goal_total: int | None = None
    members: list[MemberOut]
    feed: list[FeedItemOut] | None = None
    feed_has_next: bool = False


class CheckInIn(Schema):
    minutes: int
    note: str = ""
    lesson: int | None = None


class CheckInOut(Schema):
    id: int
    group: int
    day: date
    minutes: int
    note: str
    lesson: int | None
    created: bool
    streak: int


def _group_out(group, *, is_member: bool) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": group.pk,
        "name": group.name,
        "description": group.description,
        "visibility": group.visibility,
        "hidden": group.hidden_reason if group.hidden_at else "",
        "course": group.course.slug if group.course_id else None,
        "topic": group.topic.slug if group.topic_id else None,
        "member_count": group.member_count,
        "max_members": group.max_members,
        "weekly_goal_minutes": group.weekly_goal_minutes,
        "weekly_goal_text": group.weekly_goal_text,
        "is_member": is_member,
        "is_full": group.member_count >= group.max_members,
        "last_activity_at": group.last_activity_at,
    }


@router.get("/groups", response=GroupListOut, summary="Public study groups and yours")
def group_list(request: HttpRequest, filters: Query[GroupFilters]) -> dict:
    listing = selectors.group_list_for_discover(
        user=request.user,
        q=filters.q,
        course_id=filters.course,
        topic_id=filters.topic,
        mine=filters.mine,
        page=filters.page,
    )
    return {
        "items": [_group_out(c.group, is_member=c.is_member) for c in listing.items],
        "total": listing.total,
        "page": listing.page,
        "pages": listing.pages,
    }


def _feed_item(item: selectors.FeedItem) -> dict:
    obj = item.obj
    if item.kind == "post":
        return {"kind": "post", "id": obj.pk, "at": item.at, "author": obj.author_id,
                "author_name": obj.author.get_short_name(), "body_html": obj.body_html,
                "hidden": obj.hidden_reason if obj.hidden_at else ""}  # fmt: skip
    return {"kind": "checkin", "id": obj.pk, "at": item.at, "author": obj.user_id,
            "author_name": obj.user.get_short_name(), "minutes": obj.minutes, "note": obj.note, "day": obj.day,
            "lesson": obj.lesson_id, "lesson_title": obj.lesson.title if obj.lesson else None}  # fmt: skip


@router.get("/groups/{group_id}", response=GroupDetailOut, summary="A group: members, weekly goal and feed")
def group_detail(request: HttpRequest, group_id: int, page: int = 1) -> dict:
    data = selectors.group_page(user=request.user, group_id=group_id, page=max(1, page))
    out = _group_out(data.group, is_member=data.is_member)
    members = []
    for row in data.members:
        member = {"user": row.user.pk, "name": row.user.get_short_name(), "role": row.membership.role,
                  "joined_at": row.membership.joined_at}  # fmt: skip
        if data.is_member:
            member.update(streak=row.streak, week_minutes=row.week_minutes, checked_in_today=row.checked_in_today,
                          progress_percent=row.progress_percent)  # fmt: skip
        members.append(member)
    out.update(is_owner=data.is_owner, week_start=data.week_start, week_end=data.week_end, members=members)
    if data.is_member and data.feed is not None:
        out.update(
            week_minutes=data.week_minutes,
            week_goal_total=data.week_goal_total,
            feed=[_feed_item(i) for i in data.feed.items],
            feed_has_next=data.feed.has_next,
        )
    return out


@router.post(
    "/groups/{group_id}/checkins",
    response={201: CheckInOut, 200: CheckInOut},
    summary="Check in for today (a second one the same day adds to it)",
)
def checkin(request: HttpRequest, group_id: int, payload: CheckInIn) -> Status:
    group, _membership = selectors.group_get_for_user(user=request.user, group_id=group_id)
    obj, created = services.checkin_create(
        actor=request.user, group=group, minutes=payload.minutes, note=payload.note, lesson=payload.lesson
    )
    streak = services.member_streak(group=group, user=request.user, today=obj.day)
    body = {"id": obj.pk, "group": group.pk, "day": obj.day, "minutes": obj.minutes, "note": obj.note,
            "lesson": obj.lesson_id, "created": created, "streak": streak}  # fmt: skip
    return Status(201 if created else 200, body)

"""``/api/v1/notifications``: the signed-in member's notifications (mounted by ``lyceum.api``)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from . import selectors, services
from .kinds import notification_text
from .models import Notification

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    text: str = Field(..., description="The sentence in the request's language (plain text).")
    url: str
    actor_id: int | None
    data: dict[str, object]
    created_at: datetime
    read_at: datetime | None


class ListQuery(Schema):
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0)
    unread: bool = Field(False, description="Only unread ones.")


class NotificationListOut(Schema):
    unread: int
    count: int
    items: list[NotificationOut]


class ReadAllOut(Schema):
    marked: int
    unread: int


def _out(n: Notification) -> NotificationOut:
    return NotificationOut(
        id=n.pk, kind=n.kind, text=notification_text(n), url=n.url, actor_id=n.actor_id, data=n.data,
        created_at=n.created_at, read_at=n.read_at,
    )  # fmt: skip


@router.get("/notifications", response=NotificationListOut, summary="Your notifications, newest first")
def notification_list(request: HttpRequest, params: Query[ListQuery]) -> NotificationListOut:
    qs = selectors.notification_list_for_user(user=request.auth)
    if params.unread:
        qs = qs.filter(read_at__isnull=True)
    limit, offset = params.limit, params.offset
    return NotificationListOut(
        unread=selectors.unread_count(user=request.auth),
        count=qs.count(),
        items=[_out(n) for n in qs[offset : offset + limit]],
    )


@router.post("/notifications/read-all", response=ReadAllOut, summary="Mark all your notifications read")
def notifications_read_all(request: HttpRequest) -> ReadAllOut:
    marked = services.notifications_mark_all_read(actor=request.auth)
    return ReadAllOut(marked=marked, unread=0)


@router.post("/notifications/{notification_id}/read", response=NotificationOut, summary="Mark one read")
def notification_read(request: HttpRequest, notification_id: int) -> NotificationOut:
    return _out(services.notification_mark_read(actor=request.auth, notification_id=notification_id))

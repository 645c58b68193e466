"""Moderation's ``/api/v1`` routes: members report content and appeal decisions about them;
moderators read the open queue and decide (the same services and rules as the pages)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from lyceum.core.errors import PermissionDenied

from .selectors_queue import clean_queue_filters, queue_page
from .services.appeals import appeal_file
from .services.cases import case_decide
from .services.common import is_moderator
from .services.reports import report_file

router = Router(tags=["moderation"])


class ReportIn(Schema):
    kind: str = Field(max_length=20, description="thread, reply, review, profile, group or group_post")
    id: int = Field(ge=1, description="the item's number")
    reason: str = Field(max_length=20, description="spam, harassment, off_topic, infringement or other")
    note: str = Field("", max_length=500, description="required when the reason is other")


class ReportOut(Schema):
    id: int
    kind: str
    target_id: int
    reason: str
    case: int | None
    created_at: Any


@router.post("/reports", response={201: ReportOut}, summary="Report a thread, reply, review, profile or group")
def report_create(request: HttpRequest, payload: ReportIn) -> Status:
    """A second report of the same item returns the first one (still 201, nothing added)."""
    made = report_file(
        actor=request.auth, kind=payload.kind, target_id=payload.id, reason=payload.reason, note=payload.note
    )
    return Status(
        201,
        {
            "id": made.pk, "kind": made.target_kind, "target_id": made.target_id, "reason": made.reason,
            "case": made.case_id, "created_at": made.created_at,
        },
    )  # fmt: skip


class AppealIn(Schema):
    text: str = Field(max_length=2000)


class AppealOut(Schema):
    id: int
    action: int
    status: str
    created_at: Any


@router.post(
    "/me/moderation/actions/{action_id}/appeal",
    response={201: AppealOut},
    summary="Appeal a decision about you (once; a second appeal is 409)",
)
def appeal_create(request: HttpRequest, action_id: int, payload: AppealIn) -> Status:
    appeal = appeal_file(actor=request.auth, action=action_id, text=payload.text)
    return Status(
        201, {"id": appeal.pk, "action": appeal.action_id, "status": appeal.status, "created_at": appeal.created_at}
    )


class CaseOut(Schema):
    id: int
    target_kind: str
    target_id: int
    source: str
    held: bool
    author: int | None
    report_count: int
    report_weight: float
    detector_score: float | None
    text: str
    opened_at: Any


@router.get("/moderation/cases", response=list[CaseOut], summary="Open cases (moderators and operators)")
def case_list(request: HttpRequest, source: str = "", kind: str = "", held: bool = False, page: int = 1) -> list:
    if not is_moderator(request.auth):
        raise PermissionDenied(_("Only moderators and operators can do this."), code="not_moderator")
    filters = clean_queue_filters(source=source, kind=kind, held="1" if held else "")
    _page, rows = queue_page(**filters, page=max(1, page))
    return [
        {
            "id": r.case.pk, "target_kind": r.case.target_kind, "target_id": r.case.target_id,
            "source": r.case.source, "held": r.case.held, "author": r.case.author_id,
            "report_count": r.case.report_count, "report_weight": r.case.report_weight,
            "detector_score": r.case.detector_score, "text": r.case.text, "opened_at": r.case.opened_at,
        }
        for r in rows
    ]  # fmt: skip


class DecisionIn(Schema):
    decision: str = Field(max_length=12, description="approve, hide, delete, edit, warn, mute or ban")
    reason: str = Field(max_length=1000)
    title: str = Field("", max_length=200)
    body: str = Field("", max_length=20_000)
    mute_days: int | None = Field(None, description="1, 3, 7 or 30")
    ban_until: datetime | None = None


class ActionOut(Schema):
    id: int
    kind: str
    case: int | None
    subject: int | None
    reason: str
    created_at: Any


@router.post(
    "/moderation/cases/{case_id}/decisions",
    response={201: ActionOut},
    summary="Decide on a case (moderators and operators; one log row)",
)
def case_decision(request: HttpRequest, case_id: int, payload: DecisionIn) -> Status:
    action = case_decide(
        actor=request.auth, case=case_id, decision=payload.decision, reason=payload.reason, title=payload.title,
        body=payload.body, mute_days=payload.mute_days, ban_until=payload.ban_until,
    )  # fmt: skip
    return Status(
        201,
        {
            "id": action.pk, "kind": action.kind, "case": action.case_id, "subject": action.subject_id,
            "reason": action.reason, "created_at": action.created_at,
        },
    )  # fmt: skip

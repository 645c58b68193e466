"""Moderation's ``/api/v1`` routes: members report content (the same rules as the report page)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

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

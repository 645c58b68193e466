"""API shapes for spaces, threads and replies."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class PersonOut(Schema):
    id: int
    display_name: str


class SpaceOut(Schema):
    slug: str
    name: str
    description: str
    kind: str
    course: str | None
    thread_count: int
    last_activity_at: datetime | None
    url: str
    can_post: bool


class ThreadCardOut(Schema):
    id: int
    space: str
    kind: str
    title: str
    author: PersonOut
    tags: list[str]
    is_pinned: bool
    is_locked: bool
    hidden: str = ""  # a HiddenReason when hidden (only its author and staff receive it)
    answered: bool
    reply_count: int
    score: int
    view_count: int
    created_at: datetime
    last_activity_at: datetime
    url: str


class ThreadPageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[ThreadCardOut]


class ReplyOut(Schema):
    id: int
    parent: int | None
    author: PersonOut | None
    body: str
    body_html: str
    score: int
    voted: bool
    accepted: bool
    deleted: bool
    hidden: str = ""
    created_at: datetime
    edited_at: datetime | None
    url: str


class TopReplyOut(ReplyOut):
    children: list[ReplyOut]


class ThreadOut(ThreadCardOut):
    body: str
    body_html: str
    edited_at: datetime | None
    accepted_reply: int | None
    voted: bool
    bookmarked: bool
    following: bool
    replies: list[TopReplyOut]
    replies_page: int
    replies_pages: int


class ThreadIn(Schema):
    title: str = Field(..., description="At most 200 characters.")
    body: str = Field(..., description="Markdown, at most 20,000 characters.")
    kind: str = Field("discussion", description="discussion, question or announcement (staff).")
    tags: list[str] = Field(default_factory=list, description="At most five.")


class ReplyIn(Schema):
    body: str = Field(..., description="Markdown, at most 20,000 characters.")
    parent: int | None = Field(None, description="Reply id to answer (nesting is one level).")


class VoteOut(Schema):
    voted: bool
    score: int


class AcceptIn(Schema):
    reply: int | None = Field(..., description="Reply id to accept; null to unaccept.")


class AcceptOut(Schema):
    thread: int
    accepted_reply: int | None


class ThreadPatchIn(Schema):
    title: str | None = None
    body: str | None = None
    tags: list[str] | None = None


class FlagOut(Schema):
    on: bool


class SearchOut(Schema):
    query: str
    count: int
    page: int
    results: list[ThreadCardOut]

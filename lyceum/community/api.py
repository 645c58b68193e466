"""The community's ``/api/v1`` routes (spaces and threads; groups and events).

Reads answer visitors too (the global space is open), signed in by token or session; a
space or thread the caller may not read is 404 like one that does not exist. Writes need
an account. Errors are the API's ``{detail, code, field}``.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from lyceum.accounts.services import token_authenticate
from lyceum.core.errors import NotAuthenticated, ValidationFailed

from . import access
from .models import Reply, Thread
from .schemas_spaces import (
    AcceptIn,
    AcceptOut,
    FlagOut,
    ReplyIn,
    ReplyOut,
    SearchOut,
    SpaceOut,
    ThreadIn,
    ThreadOut,
    ThreadPageOut,
    ThreadPatchIn,
    VoteOut,
)
from .selectors import spaces as selectors
from .services import spaces as services

router = Router(tags=["community"])


def _viewer(request: HttpRequest) -> Any:
    """The caller of an open read: a bearer token's user, else the session's (maybe anonymous)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = token_authenticate(key=header[7:].strip())
        if user is None:
            raise NotAuthenticated(_("Authentication credentials were not provided or are invalid."))
        return user
    return request.user


def _space(user: Any, s: Any) -> dict[str, Any]:
    return {
        "slug": s.slug, "name": s.name, "description": s.description, "kind": s.kind,
        "course": s.course.slug if s.course else None, "thread_count": s.thread_count,
        "last_activity_at": s.last_activity_at, "url": reverse("community:space", args=[s.slug]),
        "can_post": access.can_start_thread(user, s),
    }  # fmt: skip


def _person(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "display_name": user.get_short_name()}


def _card(t: Thread) -> dict[str, Any]:
    return {
        "id": t.pk, "space": t.space.slug, "kind": t.kind, "title": t.title, "author": _person(t.author),
        "tags": [tag.slug for tag in t.tags.all()], "is_pinned": t.is_pinned, "is_locked": t.is_locked,
        "hidden": t.hidden_reason if t.hidden_at else "", "answered": t.accepted_reply_id is not None,
        "reply_count": t.reply_count, "score": t.score,
        "view_count": t.view_count, "created_at": t.created_at, "last_activity_at": t.last_activity_at,
        "url": reverse("community:thread", args=[t.pk]),
    }  # fmt: skip


def _reply(r: Reply, thread: Thread, voted: set[int]) -> dict[str, Any]:
    deleted = r.deleted_at is not None
    return {
        "id": r.pk, "parent": r.parent_id, "author": None if deleted else _person(r.author),
        "body": "" if deleted else r.body, "body_html": "" if deleted else r.body_html, "score": r.score,
        "voted": r.pk in voted, "accepted": r.pk == thread.accepted_reply_id, "deleted": deleted,
        "hidden": r.hidden_reason if r.hidden_at else "", "created_at": r.created_at, "edited_at": r.edited_at,
        "url": reverse("community:reply", args=[r.pk]),
    }  # fmt: skip


def _thread_page_out(page: Page) -> dict[str, Any]:
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "results": [_card(t) for t in page.object_list],
    }


def _thread_out(user: Any, thread: Thread, page: int = 1) -> dict[str, Any]:
    tp = selectors.thread_page(user=user, thread=thread, page=page)
    voted = {pk for kind, pk in tp.my_votes if kind == "reply"}
    return {
        **_card(thread),
        "body": thread.body,
        "body_html": thread.body_html,
        "edited_at": thread.edited_at,
        "accepted_reply": thread.accepted_reply_id,
        "voted": ("thread", thread.pk) in tp.my_votes,
        "bookmarked": tp.bookmarked,
        "following": tp.following,
        "replies": [
            {**_reply(n.reply, thread, voted), "children": [_reply(c, thread, voted) for c in n.children]}
            for n in tp.nodes
        ],
        "replies_page": tp.page.number,
        "replies_pages": tp.page.paginator.num_pages,
    }


class ThreadListQuery(Schema):
    sort: str = "latest"
    kind: str = ""
    tag: str = ""
    page: int = 1


@router.get("/spaces", response=list[SpaceOut], auth=None, summary="Community spaces you can read")
def spaces(request: HttpRequest) -> list[dict[str, Any]]:
    user = _viewer(request)
    return [_space(user, s) for s in selectors.spaces_readable(user=user)]


@router.get("/spaces/{slug}/threads", response=ThreadPageOut, auth=None, summary="Threads of a space")
def space_threads(request: HttpRequest, slug: str, filters: Query[ThreadListQuery]) -> dict[str, Any]:
    user = _viewer(request)
    space = selectors.space_get(user=user, slug=slug)
    page = selectors.thread_list(
        user=user, space=space, sort=filters.sort, kind=filters.kind, tag=filters.tag, page=max(1, filters.page)
    )
    return _thread_page_out(page)


@router.post("/spaces/{slug}/threads", response={201: ThreadOut}, summary="Start a thread")
def thread_create(request: HttpRequest, slug: str, payload: ThreadIn) -> Status:
    space = selectors.space_get(user=request.auth, slug=slug)
    thread = services.thread_create(
        actor=request.auth, space=space, title=payload.title, body=payload.body, kind=payload.kind, tags=payload.tags
    )
    return Status(201, _thread_out(request.auth, selectors.thread_get(user=request.auth, pk=thread.pk)))


@router.get("/threads/{thread_id}", response=ThreadOut, auth=None, summary="A thread with its replies")
def thread_detail(request: HttpRequest, thread_id: int, page: int = 1) -> dict[str, Any]:
    user = _viewer(request)
    thread = selectors.thread_get(user=user, pk=thread_id)
    return _thread_out(user, thread, max(1, page))


@router.post("/threads/{thread_id}/replies", response={201: ReplyOut}, summary="Reply to a thread")
def reply_create(request: HttpRequest, thread_id: int, payload: ReplyIn) -> Status:
    thread = selectors.thread_get(user=request.auth, pk=thread_id)
    parent = None
    if payload.parent is not None:
        parent = selectors.reply_in_thread(thread=thread, pk=payload.parent)
        if parent is None:
            raise ValidationFailed(_("That reply does not exist in this thread."), field="parent")
    reply = services.reply_create(actor=request.auth, thread=thread, body=payload.body, parent=parent)
    thread.refresh_from_db()
    return Status(201, _reply(reply, thread, set()))


@router.post("/threads/{thread_id}/vote", response=VoteOut, summary="Toggle your upvote on a thread")
def thread_vote(request: HttpRequest, thread_id: int) -> dict[str, Any]:
    thread = selectors.thread_get(user=request.auth, pk=thread_id)
    voted, score = services.thread_vote(actor=request.auth, thread=thread)
    return {"voted": voted, "score": score}


@router.post("/replies/{reply_id}/vote", response=VoteOut, summary="Toggle your upvote on a reply")
def reply_vote(request: HttpRequest, reply_id: int) -> dict[str, Any]:
    reply = selectors.reply_get(user=request.auth, pk=reply_id)
    voted, score = services.reply_vote(actor=request.auth, reply=reply)
    return {"voted": voted, "score": score}


@router.post("/threads/{thread_id}/accept", response=AcceptOut, summary="Accept an answer (reply id; null unaccepts)")
def accept(request: HttpRequest, thread_id: int, payload: AcceptIn) -> dict[str, Any]:
    thread = selectors.thread_get(user=request.auth, pk=thread_id)
    if payload.reply is None:
        thread = services.reply_unaccept(actor=request.auth, thread=thread)
    else:
        reply = selectors.reply_in_thread(thread=thread, pk=payload.reply)
        if reply is None:
            raise ValidationFailed(_("That reply does not exist in this thread."), field="reply")
        thread = services.reply_accept(actor=request.auth, reply=reply)
    return {"thread": thread.pk, "accepted_reply": thread.accepted_reply_id}


@router.patch("/threads/{thread_id}", response=ThreadOut, summary="Edit a thread (author or moderator)")
def thread_edit(request: HttpRequest, thread_id: int, payload: ThreadPatchIn) -> dict[str, Any]:
    thread = selectors.thread_get(user=request.auth, pk=thread_id)
    services.thread_edit(
        actor=request.auth,
        thread=thread,
        title=thread.title if payload.title is None else payload.title,
        body=thread.body if payload.body is None else payload.body,
        tags=payload.tags,
    )
    return _thread_out(request.auth, selectors.thread_get(user=request.auth, pk=thread_id))


@router.delete("/threads/{thread_id}", response={204: None}, summary="Delete a thread (author or moderator)")
def thread_delete(request: HttpRequest, thread_id: int) -> Status:
    thread = selectors.thread_get(user=request.auth, pk=thread_id)
    services.thread_delete(actor=request.auth, thread=thread)
    return Status(204, None)


@router.post("/threads/{thread_id}/follow", response=FlagOut, summary="Follow a thread (notifications of replies)")
def follow(request: HttpRequest, thread_id: int) -> dict[str, bool]:
    thread = selectors.thread_get(user=request.auth, pk=thread_id)
    return {"on": services.thread_follow(actor=request.auth, thread=thread)}


@router.delete("/threads/{thread_id}/follow", response=FlagOut, summary="Stop following a thread")
def unfollow(request: HttpRequest, thread_id: int) -> dict[str, bool]:
    thread = selectors.thread_get(user=request.auth, pk=thread_id)
    return {"on": services.thread_unfollow(actor=request.auth, thread=thread)}


@router.post("/threads/{thread_id}/bookmark", response=FlagOut, summary="Toggle a bookmark")
def bookmark(request: HttpRequest, thread_id: int) -> dict[str, bool]:
    thread = selectors.thread_get(user=request.auth, pk=thread_id)
    return {"on": services.thread_bookmark(actor=request.auth, thread=thread)}


@router.get("/me/bookmarks", response=ThreadPageOut, summary="Your bookmarked threads")
def my_bookmarks(request: HttpRequest, page: int = 1) -> dict[str, Any]:
    return _thread_page_out(selectors.bookmarks_for(user=request.auth, page=max(1, page)))


@router.get("/community/search", response=SearchOut, auth=None, summary="Search threads you can read")
def community_search(request: HttpRequest, q: str = "", page: int = 1) -> dict[str, Any]:
    user = _viewer(request)
    results = selectors.search_threads(user=user, query=q[: selectors.MAX_QUERY_LENGTH], page=max(1, page))
    return {
        "query": results.query,
        "count": results.total,
        "page": results.page,
        "results": [_card(t) for t in results.threads],
    }

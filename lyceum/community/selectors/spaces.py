"""Reads for spaces and threads, with a fixed number of queries whatever the thread's size.

Every function takes the viewer and applies ``community.access``: a space or thread the
viewer may not read is ``NotFound`` (pages and the API answer 404, revealing nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet, Value, prefetch_related_objects
from django.db.models.functions import Lower, Replace
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.accounts.models import User
from lyceum.core.errors import NotFound, ValidationFailed
from lyceum.learning.models import Enrollment

from .. import access, caching, search
from ..models import Bookmark, CommunityTag, Reply, Revision, Space, SpaceKind, Thread, ThreadFollow, ThreadKind, Vote

THREADS_PER_PAGE = 20
REPLIES_PER_PAGE = 30  # top-level replies; each comes with all its nested replies
SORTS = ("latest", "top", "unanswered")
MAX_QUERY_LENGTH = 200


# --- spaces -----------------------------------------------------------------------------------------


def spaces_readable(*, user: Any) -> list[Space]:
    return list(access.readable_spaces(user).select_related("course").order_by("position", "name"))


def space_get(*, user: Any, slug: str) -> Space:
    space = Space.objects.select_related("course").filter(slug=slug).first()
    if space is None or not access.can_read_space(user, space):
        raise NotFound(_("Not found."))
    return space


def space_get_for_operator(*, slug: str) -> Space:
    space = Space.objects.select_related("course").prefetch_related("access_courses").filter(slug=slug).first()
    if space is None:
        raise NotFound(_("Not found."))
    return space


# --- thread lists -----------------------------------------------------------------------------------


def _list_queryset() -> QuerySet[Thread]:
    return (
        Thread.objects.filter(deleted_at__isnull=True)
        .select_related("author", "space")
        .prefetch_related("tags")
        .defer("body", "body_html", "author__bio")
    )


def thread_filters_clean(*, sort: str = "", kind: str = "", tag: str = "") -> tuple[str, str, str]:
    """Valid (sort, kind, tag); a bad value is a ``ValidationFailed`` naming its field."""
    sort = sort or "latest"
    if sort not in SORTS:
        raise ValidationFailed(_("Unknown sort order."), field="sort")
    if kind and kind not in ThreadKind.values:
        raise ValidationFailed(_("Unknown kind of thread."), field="kind")
    return sort, kind, (tag or "")[:40]


def _sorted(qs: QuerySet[Thread], sort: str, *, pinned_first: bool) -> QuerySet[Thread]:
    if sort == "top":
        return qs.order_by("-score", "-last_activity_at", "-id")
    if sort == "unanswered":
        return qs.filter(kind=ThreadKind.QUESTION, accepted_reply__isnull=True).order_by("-created_at", "-id")
    if pinned_first:
        return qs.order_by("-is_pinned", "-last_activity_at", "-id")
    return qs.order_by("-last_activity_at", "-id")


def _page(qs: QuerySet[Any], page: Any, per_page: int) -> Page:
    return Paginator(qs, per_page).get_page(page)


def thread_list(
    *, user: Any, space: Space, sort: str = "latest", kind: str = "", tag: str = "", page: Any = 1,
    per_page: int = THREADS_PER_PAGE,
) -> Page:  # fmt: skip
    """Threads of one space (already checked readable): count + page + tags, 3 queries."""
    if not access.can_read_space(user, space):
        raise NotFound(_("Not found."))
    sort, kind, tag = thread_filters_clean(sort=sort, kind=kind, tag=tag)
    qs = _list_queryset().filter(space=space).filter(access.visible_q(user))
    if kind:
        qs = qs.filter(kind=kind)
    if tag:
        qs = qs.filter(tags__slug=tag)
    return _page(_sorted(qs, sort, pinned_first=True), page, per_page)


def threads_recent(*, user: Any, limit: int = 15) -> list[Thread]:
    """The latest activity across every space the user reads (the community home)."""
    space_ids = list(access.readable_spaces(user).values_list("pk", flat=True))
    qs = _list_queryset().filter(space_id__in=space_ids).filter(access.visible_q(user))
    return list(qs.order_by("-last_activity_at", "-id")[:limit])


def qa_unanswered(*, user: Any, page: Any = 1, course_slug: str = "") -> Page:
    """课程答疑: open questions (no accepted answer) in the spaces of the courses ``user`` teaches
    (one of them with ``course_slug``), questions nobody answered yet first, oldest first."""
    course_ids: Any = access.standing(user).instructed_course_ids
    if course_slug:
        course_ids = Space.objects.filter(course__slug=course_slug, course_id__in=course_ids).values("course_id")
    qs = (
        _list_queryset()
        .filter(
            space__kind=SpaceKind.COURSE,
            space__course_id__in=course_ids,
            kind=ThreadKind.QUESTION,
            accepted_reply__isnull=True,
        )
        .filter(access.visible_q(user))
    )
    return _page(qs.order_by("reply_count", "created_at", "id"), page, THREADS_PER_PAGE)


def bookmarks_for(*, user: Any, page: Any = 1) -> Page:
    """Bookmarked threads the user can still read, newest bookmark first."""
    space_ids = list(access.readable_spaces(user).values_list("pk", flat=True))
    qs = (
        _list_queryset()
        .filter(bookmarks__user=user, space_id__in=space_ids)
        .filter(access.visible_q(user))
        .order_by("-bookmarks__created_at", "-id")
    )
    return _page(qs, page, THREADS_PER_PAGE)


# --- one thread -------------------------------------------------------------------------------------


def thread_get(*, user: Any, pk: int) -> Thread:
    """A live thread the user may read (with its space, course and author)."""
    thread = (
        Thread.objects.select_related("space", "space__course", "author", "accepted_reply")
        .prefetch_related("tags")
        .filter(pk=pk)
        .first()
    )
    if thread is None or thread.deleted_at is not None or not access.can_read_space(user, thread.space):
        raise NotFound(_("Not found."))
    if thread.hidden_at is not None and not access.sees_hidden(user, thread.author_id):
        raise NotFound(_("Not found."))
    return thread


@dataclass
class ThreadBundle:
    """What the thread page shows whoever looks (``caching.thread_bundle`` keeps it between
    requests): the thread with its space and author, its tags and, for a short thread, every reply
    with its author — hidden and deleted ones too (``thread_page`` filters them per viewer)."""

    thread: Thread
    tags: list[CommunityTag]
    replies: list[Reply] | None  # None: more than SMALL_THREAD_REPLIES, paged in SQL
    found: dict[str, Any] = field(default_factory=dict, compare=False)  # this request's cache read


# Columns the thread page never shows: the Markdown sources (it prints the stored HTML) and, for
# authors, the password hash and the biography (which must not sit in a shared cache either).
_AUTHOR_DEFERRED = ("author__password", "author__bio", "author__last_login")


def _thread_bundle_from_db(pk: int) -> ThreadBundle | None:
    from lyceum.courses.models import Course

    thread = Thread.objects.select_related("space", "author").defer("body", *_AUTHOR_DEFERRED).filter(pk=pk).first()
    if thread is None:
        return None
    if thread.space.kind == SpaceKind.PAID:  # ``can_read_space`` reads the access courses' ids
        prefetch_related_objects([thread.space], Prefetch("access_courses", queryset=Course.objects.only("pk")))
    tags = list(thread.tags.all())
    rows = list(
        Reply.objects.filter(thread_id=pk)
        .select_related("author")
        .defer("body", *_AUTHOR_DEFERRED)
        .order_by("created_at", "id")[: SMALL_THREAD_REPLIES + 1]
    )
    return ThreadBundle(thread=thread, tags=tags, replies=rows if len(rows) <= SMALL_THREAD_REPLIES else None)


def thread_bundle_for_page(*, user: Any, pk: int) -> ThreadBundle:
    """``thread_get``'s checks for the thread page, on its cached data: one ``get_many`` reads the
    viewer's standing and the thread's data; a miss reads the database (and stores it)."""
    uid = user.pk if getattr(user, "is_authenticated", False) else None
    found = caching.prefetch(user_id=uid, thread_id=pk)
    if uid is not None:
        access.standing(user, found=found)
    bundle = caching.thread_bundle(pk, lambda: _thread_bundle_from_db(pk), found)
    thread = bundle.thread if bundle is not None else None
    if thread is None or thread.deleted_at is not None or not access.can_read_space(user, thread.space):
        raise NotFound(_("Not found."))
    if thread.hidden_at is not None and not access.sees_hidden(user, thread.author_id):
        raise NotFound(_("Not found."))
    bundle.found = found  # the viewer's marks and view come from the same read
    return bundle


def thread_tags(*, thread: Thread) -> list[CommunityTag]:
    """The thread's tags (from ``thread_get``'s prefetch when there is one)."""
    return list(thread.tags.all())


def reply_get(*, user: Any, pk: int) -> Reply:
    reply = Reply.objects.select_related("thread__space", "author").filter(pk=pk).first()
    if reply is None or reply.deleted_at is not None:
        raise NotFound(_("Not found."))
    if reply.thread.deleted_at is not None or not access.can_read_space(user, reply.thread.space):
        raise NotFound(_("Not found."))
    if reply.thread.hidden_at is not None and not access.sees_hidden(user, reply.thread.author_id):
        raise NotFound(_("Not found."))
    if reply.hidden_at is not None and not access.sees_hidden(user, reply.author_id):
        raise NotFound(_("Not found."))
    return reply


def reply_in_thread(*, thread: Thread, pk: int) -> Reply | None:
    """A live (not deleted, not hidden) reply of ``thread`` — what a new reply may answer or an asker may accept."""
    return Reply.objects.filter(pk=pk, thread=thread, deleted_at__isnull=True, hidden_at__isnull=True).first()


@dataclass
class ReplyNode:
    reply: Reply
    children: list[Reply] = field(default_factory=list)


@dataclass
class ThreadPage:
    thread: Thread
    page: Page  # of top-level replies
    nodes: list[ReplyNode]
    accepted: Reply | None
    my_votes: set[tuple[str, int]]  # ("thread", id) / ("reply", id)
    bookmarked: bool
    following: bool
    can_reply: bool
    can_moderate: bool
    can_accept: bool
    can_edit_thread: bool


def reply_page_number(*, thread: Thread, reply_id: int) -> int:
    """The page of the thread that shows ``reply_id`` (nested replies sit with their parent)."""
    reply = Reply.objects.filter(pk=reply_id, thread=thread).only("pk", "parent_id", "created_at").first()
    if reply is None:
        return 1
    top = reply if reply.parent_id is None else Reply.objects.only("pk", "created_at").get(pk=reply.parent_id)
    before = Reply.objects.filter(thread=thread, parent__isnull=True).filter(
        Q(created_at__lt=top.created_at) | Q(created_at=top.created_at, pk__lt=top.pk)
    )
    return before.count() // REPLIES_PER_PAGE + 1


SMALL_THREAD_REPLIES = 200  # a thread with at most this many visible replies is read in one query


def _thread_replies(*, thread: Thread, visible: Q, page: Any, per_page: int) -> tuple[Page, list[Reply], list[Reply]]:
    """(page of top-level replies, those replies, their nested replies).

    Most threads are short: one query reads every visible reply (tops and nested) and the page is
    cut in Python, with no count. A long thread pages in SQL: count + tops + their children.
    """
    qs = Reply.objects.filter(visible).select_related("author").order_by("created_at", "id")
    rows = list(qs.filter(thread=thread)[: SMALL_THREAD_REPLIES + 1])
    if len(rows) <= SMALL_THREAD_REPLIES:
        reply_page = Paginator([r for r in rows if r.parent_id is None], per_page).get_page(page)
        tops = list(reply_page.object_list)
        shown = {r.pk for r in tops}
        return reply_page, tops, [r for r in rows if r.parent_id in shown]
    reply_page = _page(qs.filter(thread=thread, parent__isnull=True), page, per_page)
    tops = list(reply_page.object_list)
    top_ids = [r.pk for r in tops]
    return reply_page, tops, list(qs.filter(parent_id__in=top_ids)) if top_ids else []


_VIEWER_MARKS_SQL = (
    "SELECT 'v', thread_id, reply_id FROM {vote} WHERE user_id = %s"
    " AND (thread_id = %s OR reply_id IN (SELECT id FROM {reply} WHERE thread_id = %s))"
    " UNION ALL SELECT 'b', thread_id, NULL FROM {bookmark} WHERE user_id = %s AND thread_id = %s"
    " UNION ALL SELECT 'f', thread_id, NULL FROM {threadfollow} WHERE user_id = %s AND thread_id = %s"
)  # table names from the models (formatted in), every value a parameter


def _viewer_marks(
    *, user: Any, thread: Thread, found: dict[str, Any] | None = None
) -> tuple[set[tuple[str, int]], bool, bool]:
    """``_viewer_marks_from_db`` from the cache (``caching.viewer_marks``) when it holds them."""
    votes, bookmarked, following = caching.viewer_marks(
        user.pk, thread.pk, lambda: _viewer_marks_from_db(user=user, thread=thread), found
    )
    return set(votes), bookmarked, following


def _viewer_marks_from_db(*, user: Any, thread: Thread) -> tuple[frozenset[tuple[str, int]], bool, bool]:
    """(the user's votes on the thread and its replies, bookmarked?, following?) in one query.

    Plain SQL on purpose: the ORM spends about a millisecond of CPU compiling the three-part
    union (or three EXISTS) on every page view, for a statement that never changes shape.
    """
    tables = {m.__name__.lower(): m._meta.db_table for m in (Vote, Bookmark, ThreadFollow, Reply)}
    sql = _VIEWER_MARKS_SQL.format(**tables)
    uid, tid = user.pk, thread.pk
    my_votes: set[tuple[str, int]] = set()
    bookmarked = following = False
    with connection.cursor() as cursor:
        cursor.execute(sql, [uid, tid, tid, uid, tid, uid, tid])
        for what, thread_id, reply_id in cursor.fetchall():
            if what == "b":
                bookmarked = True
            elif what == "f":
                following = True
            else:
                my_votes.add(("thread", thread_id) if thread_id else ("reply", reply_id))
    return frozenset(my_votes), bookmarked, following


def _cached_replies(
    *, user: Any, replies: list[Reply], page: Any, per_page: int
) -> tuple[Page, list[Reply], list[Reply], list[Reply]]:
    """``_thread_replies`` on a bundle's replies (every reply of a short thread, in order): the same
    rows ``visible_q`` lets through, cut in Python; also every visible reply (for the accepted one)."""
    shows = access.visible_test(user)
    rows = [r for r in replies if shows(r)]
    reply_page = Paginator([r for r in rows if r.parent_id is None], per_page).get_page(page)
    tops = list(reply_page.object_list)
    shown = {r.pk for r in tops}
    return reply_page, tops, [r for r in rows if r.parent_id in shown], rows


def thread_page(
    *,
    user: Any,
    thread: Thread,
    page: Any = 1,
    per_page: int = REPLIES_PER_PAGE,
    replies: list[Reply] | None = None,
    found: dict[str, Any] | None = None,
) -> ThreadPage:
    """Everything the thread page shows, in a fixed number of queries: for a short thread the
    replies (none with ``replies``, a bundle's every reply), then (signed in) the viewer's votes,
    bookmark and follow."""
    from ..services.spaces import can_accept  # the one definition of who may accept

    visible = access.visible_q(user)
    every: list[Reply] | None = None
    if replies is not None:
        reply_page, tops, child_rows, every = _cached_replies(user=user, replies=replies, page=page, per_page=per_page)
    else:
        reply_page, tops, child_rows = _thread_replies(thread=thread, visible=visible, page=page, per_page=per_page)
    children: dict[int, list[Reply]] = {}
    for child in child_rows:
        children.setdefault(child.parent_id or 0, []).append(child)
    nodes = [ReplyNode(reply=r, children=children.get(r.pk, [])) for r in tops]
    accepted: Reply | None = None
    if thread.accepted_reply_id:
        shown = {r.pk: r for r in tops} | {c.pk: c for c in child_rows}
        accepted = shown.get(thread.accepted_reply_id)
        if accepted is None and every is not None:
            accepted = next((r for r in every if r.pk == thread.accepted_reply_id), None)
        elif accepted is None:
            accepted = (
                Reply.objects.select_related("author").filter(visible).filter(pk=thread.accepted_reply_id).first()
            )
    my_votes: set[tuple[str, int]] = set()
    bookmarked = following = False
    authenticated = getattr(user, "is_authenticated", False)
    if authenticated:
        my_votes, bookmarked, following = _viewer_marks(user=user, thread=thread, found=found)
    moderator = authenticated and access.is_space_moderator(user, thread.space)
    return ThreadPage(
        thread=thread,
        page=reply_page,
        nodes=nodes,
        accepted=accepted,
        my_votes=my_votes,
        bookmarked=bookmarked,
        following=following,
        can_reply=access.can_reply(user, thread.space) and (not thread.is_locked or moderator),
        can_moderate=moderator,
        can_accept=can_accept(user, thread),
        can_edit_thread=authenticated and (user.pk == thread.author_id or moderator),
    )


def thread_revisions(*, thread: Thread) -> list[Revision]:
    return list(thread.revisions.select_related("edited_by").order_by("-created_at", "-id"))


def reply_revisions(*, reply: Reply) -> list[Revision]:
    return list(reply.revisions.select_related("edited_by").order_by("-created_at", "-id"))


# --- search -----------------------------------------------------------------------------------------


@dataclass
class SearchResults:
    query: str
    threads: list[Thread]
    total: int
    page: int
    per_page: int

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def search_threads(*, user: Any, query: str, page: int = 1, per_page: int = THREADS_PER_PAGE) -> SearchResults:
    query = (query or "").strip()[:MAX_QUERY_LENGTH]
    page = max(1, page)
    if not query:
        return SearchResults(query, [], 0, page, per_page)
    space_ids = None if access.standing(user).staff else list(access.readable_spaces(user).values_list("pk", flat=True))
    ids, total = search.thread_search(query=query, space_ids=space_ids, limit=per_page, offset=(page - 1) * per_page)
    by_id = {t.pk: t for t in _list_queryset().filter(pk__in=ids).filter(access.visible_q(user))}
    return SearchResults(query, [by_id[i] for i in ids if i in by_id], total, page, per_page)


# --- mentions ---------------------------------------------------------------------------------------


def mention_suggestions(*, user: Any, space: Space, prefix: str, limit: int = 8) -> list[dict[str, Any]]:
    """People whose display name starts with (or contains) ``prefix`` and who can read ``space``."""
    from ..services.spaces import mention_key

    prefix = "".join((prefix or "").split())[:40]
    if not prefix or not access.can_read_space(user, space):
        return []
    needle = prefix.lower()
    key_expr = Lower(Replace(Replace("display_name", Value(" "), Value("")), Value("\u3000"), Value("")))
    qs = (
        User.objects.filter(is_active=True, erased_at__isnull=True)
        .exclude(display_name="")
        .annotate(mention_key=key_expr)
        .filter(mention_key__contains=needle)
        .exclude(pk=user.pk)
    )
    if space.kind == SpaceKind.COURSE:
        now = timezone.now()
        enrolled = Enrollment.objects.filter(course_id=space.course_id or 0, revoked_at__isnull=True).filter(
            Q(access_until__isnull=True) | Q(access_until__gt=now)
        )
        qs = qs.filter(
            Q(pk__in=enrolled.values("user_id"))
            | Q(instructor_links__course_id=space.course_id)
            | Q(groups__name__in=access.STAFF_ROLES)
        ).distinct()
    rows = []
    for person in qs.only("pk", "display_name").order_by("display_name", "pk")[:200]:
        key = mention_key(person.display_name)
        if needle in key:
            rows.append((not key.startswith(needle), person.display_name, person))
    rows.sort(key=lambda r: (r[0], r[1].lower()))
    out: list[dict[str, Any]] = []
    for _starts, _name, person in rows:
        if space.kind == SpaceKind.PAID and not access.can_read_space(person, space):
            continue
        out.append({"id": person.pk, "name": person.display_name, "handle": "".join(person.display_name.split())})
        if len(out) >= limit:
            break
    return out


# --- page hooks -------------------------------------------------------------------------------------


def course_space_for_course_page(*, course: Any, user: Any) -> list[dict[str, Any]]:
    """The ``course_page.sections`` hook: the course's discussion space, its latest threads and
    (for its instructors) the count of open questions. Shown only to those who may read it."""
    space = Space.objects.filter(course=course, archived_at__isnull=True).first()
    if space is None or not access.can_read_space(user, space):
        return []
    threads = list(
        Thread.objects.filter(space=space, deleted_at__isnull=True)
        .filter(access.visible_q(user))
        .select_related("author")
        .order_by("-is_pinned", "-last_activity_at", "-id")[:3]
    )
    open_questions = None
    if course.pk in access.standing(user).instructed_course_ids:
        open_questions = (
            Thread.objects.filter(
                space=space, kind=ThreadKind.QUESTION, accepted_reply__isnull=True, deleted_at__isnull=True
            )
            .filter(access.visible_q(user))
            .count()
        )
    return [
        {
            "template": "community/spaces/_course_section.html",
            "space": space,
            "threads": threads,
            "open_questions": open_questions,
            "course": course,
        }
    ]


def member_activity_for_profile(*, member: Any, viewer: Any, limit: int = 5) -> list[dict[str, Any]]:
    """The ``member_profile.sections`` hook: the member's latest threads and answers that
    ``viewer`` may read (hidden ones only for their author and staff), and how many of their
    answers were accepted."""
    space_ids = list(access.readable_spaces(viewer).values_list("pk", flat=True))
    threads = list(
        _list_queryset()
        .filter(author=member, space_id__in=space_ids)
        .filter(access.visible_q(viewer))
        .order_by("-created_at", "-id")[:limit]
    )
    replies = list(
        Reply.objects.filter(
            author=member, deleted_at__isnull=True, thread__deleted_at__isnull=True, thread__space_id__in=space_ids
        )
        .filter(access.visible_q(viewer))
        .filter(access.visible_q(viewer, prefix="thread__"))
        .select_related("thread")
        .only("id", "created_at", "hidden_at", "hidden_reason", "author_id", "thread__id", "thread__title",
              "thread__accepted_reply_id")
        .order_by("-created_at", "-id")[:limit]
    )  # fmt: skip
    accepted = Thread.objects.filter(
        accepted_reply__author=member,
        accepted_reply__deleted_at__isnull=True,
        accepted_reply__hidden_at__isnull=True,
        deleted_at__isnull=True,
        hidden_at__isnull=True,
        space_id__in=space_ids,
    ).count()
    if not threads and not replies and not accepted:
        return []
    return [
        {
            "template": "community/spaces/_member_section.html",
            "member": member,
            "threads": threads,
            "replies": replies,
            "accepted_count": accepted,
        }
    ]

"""What moderation acts on: one ``Target`` per (kind, id), loaded from the app that owns it.

A target knows its author, a short label, its text (the snapshot a case keeps), where it is and
its address on the site. ``target_readable`` answers whether a member may see it (a thing the
member cannot read is reported as "not found"); ``target_set_hidden``, ``target_delete`` and
``target_edit`` change it only through the owning app's services, which check the actor and
emit the events.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from lyceum.accounts.models import User
from lyceum.accounts.services import profile_set_hidden
from lyceum.community import access
from lyceum.community.models import GroupMembership, GroupPost, GroupVisibility, HiddenReason, Reply, StudyGroup, Thread
from lyceum.community.services import spaces as community_services
from lyceum.community.services.visibility import content_set_hidden
from lyceum.core.errors import NotFound, ValidationFailed
from lyceum.core.markdown import render_markdown
from lyceum.courses.models import CourseInstructor, CourseStatus, Lesson
from lyceum.courses.services.outline import lesson_set_withdrawn
from lyceum.feedback.models import Review
from lyceum.feedback.services.reviews import review_hide

from .models import TargetKind

REPORTABLE = (
    TargetKind.THREAD,
    TargetKind.REPLY,
    TargetKind.REVIEW,
    TargetKind.PROFILE,
    TargetKind.GROUP,
    TargetKind.GROUP_POST,
)
EDITABLE = (TargetKind.THREAD, TargetKind.REPLY)
LABEL_CHARS = 80


@dataclass
class Target:
    kind: str
    id: int
    obj: Any
    author: User | None
    label: str  # a title or a short excerpt, for lists and notifications
    title: str  # a thread's title ("" for the others)
    text: str  # the member's text (Markdown) as it is now
    html: str  # its sanitised render
    url: str
    where: str
    hidden: bool
    gone: bool  # deleted (or an erased account)

    @property
    def hidden_reason(self) -> str:
        """Why it is hidden (community ``HiddenReason``; "" where the app keeps no reason)."""
        return str(getattr(self.obj, "hidden_reason", "") or "") if self.hidden else ""

    @property
    def kind_label(self) -> str:
        return str(TargetKind(self.kind).label)


def _excerpt(text: str) -> str:
    flat = " ".join(strip_tags(str(text or "")).split())
    return Truncator(flat).chars(LABEL_CHARS) or "…"


def clean_kind(kind: Any, *, allowed: tuple[str, ...] = REPORTABLE, field: str = "kind") -> str:
    value = str(kind or "")
    if value not in allowed:
        raise ValidationFailed(_("Choose what kind of content this is."), field=field)
    return value


def clean_id(value: Any, *, field: str = "id") -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(_("Give the number of the item."), field=field) from None
    if number <= 0 or number > 2**63 - 1:
        raise ValidationFailed(_("Give the number of the item."), field=field)
    return number


def target_get(*, kind: str, target_id: int) -> Target:
    """The target, whatever its state; NotFound when it never existed."""
    found = targets_get_many([(kind, target_id)]).get((kind, target_id))
    if found is None:
        raise NotFound(_("Not found."))
    return found


def targets_get_many(keys: Any) -> dict[tuple[str, int], Target]:
    """Many targets at once: one query per kind (lessons: two)."""
    wanted: dict[str, set[int]] = {}
    for kind, pk in keys:
        if kind in _LOADERS:
            wanted.setdefault(kind, set()).add(int(pk))
    found: dict[tuple[str, int], Target] = {}
    for kind, ids in wanted.items():
        queryset, build = _LOADERS[kind]
        objects = list(queryset().filter(pk__in=ids))
        extra = _lesson_authors(objects) if kind == TargetKind.LESSON else {}
        for obj in objects:
            found[(kind, obj.pk)] = build(obj, extra)
    return found


def _thread(t: Thread, _extra: dict[int, Any]) -> Target:
    return Target(
        TargetKind.THREAD, t.pk, t, t.author, _excerpt(t.title), t.title, t.body, t.body_html,
        reverse("community:thread", args=[t.pk]), t.space.name, t.hidden_at is not None, t.deleted_at is not None,
    )  # fmt: skip


def _reply(r: Reply, _extra: dict[int, Any]) -> Target:
    return Target(
        TargetKind.REPLY, r.pk, r, r.author, _excerpt(r.body), "", r.body, r.body_html,
        reverse("community:reply", args=[r.pk]), f"{r.thread.space.name} · {r.thread.title}",
        r.hidden_at is not None, r.deleted_at is not None or r.thread.deleted_at is not None,
    )  # fmt: skip


def _review(r: Review, _extra: dict[int, Any]) -> Target:
    return Target(
        TargetKind.REVIEW, r.pk, r, r.user, _excerpt(r.text or f"{r.rating}★"), "", r.text,
        str(render_markdown(r.text)), reverse("learning:course-detail", args=[r.course.slug]) + f"#review-{r.pk}",
        r.course.title, r.hidden_at is not None, False,
    )  # fmt: skip


def _profile(u: User, _extra: dict[int, Any]) -> Target:
    return Target(
        TargetKind.PROFILE, u.pk, u, u, _excerpt(u.get_short_name()), "", u.bio, str(render_markdown(u.bio)),
        f"/members/{u.pk}/", str(_("Member profile")), u.profile_hidden_at is not None,
        u.erased_at is not None or not u.is_active,
    )  # fmt: skip


def _group(g: StudyGroup, _extra: dict[int, Any]) -> Target:
    return Target(
        TargetKind.GROUP, g.pk, g, g.owner, _excerpt(g.name), g.name, f"{g.name}\n\n{g.description}",
        str(render_markdown(g.description)), reverse("groups:detail", args=[g.pk]), str(_("Study groups")),
        g.hidden_at is not None, g.archived_at is not None,
    )  # fmt: skip


def _group_post(p: GroupPost, _extra: dict[int, Any]) -> Target:
    return Target(
        TargetKind.GROUP_POST, p.pk, p, p.author, _excerpt(p.body), "", p.body, p.body_html,
        reverse("groups:detail", args=[p.group_id]) + f"#post-{p.pk}", p.group.name,
        p.hidden_at is not None, p.deleted_at is not None or p.group.archived_at is not None,
    )  # fmt: skip


def _lesson_authors(lessons: list[Lesson]) -> dict[int, Any]:
    authors: dict[int, Any] = {}
    links = CourseInstructor.objects.select_related("user").filter(course_id__in={x.course_id for x in lessons})
    for link in links.order_by("-position", "-id"):
        authors[link.course_id] = link.user  # the first instructor wins
    return authors


def _lesson(lesson: Lesson, authors: dict[int, Any]) -> Target:
    return Target(
        TargetKind.LESSON, lesson.pk, lesson, authors.get(lesson.course_id), _excerpt(lesson.title), lesson.title,
        lesson.title, "", reverse("learning:lesson-detail", args=[lesson.course.slug, lesson.pk]),
        lesson.course.title, lesson.withdrawn_at is not None, False,
    )  # fmt: skip


_LOADERS: dict[str, tuple[Callable[[], QuerySet[Any]], Callable[[Any, dict[int, Any]], Target]]] = {
    TargetKind.THREAD: (lambda: Thread.objects.select_related("space", "author"), _thread),
    TargetKind.REPLY: (lambda: Reply.objects.select_related("thread__space", "author"), _reply),
    TargetKind.REVIEW: (lambda: Review.objects.select_related("course", "user"), _review),
    TargetKind.PROFILE: (lambda: User.objects.all(), _profile),
    TargetKind.GROUP: (lambda: StudyGroup.objects.select_related("owner"), _group),
    TargetKind.GROUP_POST: (lambda: GroupPost.objects.select_related("group", "author"), _group_post),
    TargetKind.LESSON: (lambda: Lesson.objects.select_related("course"), _lesson),
}


# --- who may see it ---------------------------------------------------------------------------


def _group_visible(user: Any, group: StudyGroup) -> bool:
    if group.archived_at is not None:
        return False
    return group.visibility == GroupVisibility.PUBLIC or _is_member(user, group)


def _is_member(user: Any, group: StudyGroup) -> bool:
    return GroupMembership.objects.filter(group=group, user_id=user.pk).exists()


def target_readable(user: Any, target: Target) -> bool:
    """Whether ``user`` (signed in) may see ``target`` as a reader: hidden content is seen by its
    author and staff only, deleted content by nobody."""
    if not getattr(user, "is_authenticated", False) or target.gone:
        return False
    staff = access.standing(user).staff
    if target.hidden and not staff and (target.author is None or target.author.pk != user.pk):
        return False
    obj = target.obj
    if target.kind == TargetKind.THREAD:
        return access.can_read_space(user, obj.space)
    if target.kind == TargetKind.REPLY:
        if obj.thread.hidden_at is not None and not staff and obj.thread.author_id != user.pk:
            return False
        return access.can_read_space(user, obj.thread.space)
    if target.kind == TargetKind.REVIEW:
        return obj.course.status == CourseStatus.PUBLISHED or staff
    if target.kind == TargetKind.GROUP:
        return staff or _group_visible(user, obj)
    if target.kind == TargetKind.GROUP_POST:
        return staff or (obj.group.hidden_at is None and _is_member(user, obj.group))
    if target.kind == TargetKind.PROFILE:
        return True
    return staff


# --- changing it through its app -----------------------------------------------------------------


def target_set_hidden(*, actor: Any, target: Target, hidden: bool, reason: str, note: str = "") -> None:
    """Hide (``reason``: a community ``HiddenReason``) or show again, through the owning app."""
    obj = target.obj
    if target.kind in (TargetKind.THREAD, TargetKind.REPLY, TargetKind.GROUP, TargetKind.GROUP_POST):
        content_set_hidden(actor=actor, obj=obj, hidden=hidden, reason=reason, note=note)
    elif target.kind == TargetKind.REVIEW:
        review_hide(actor=actor, review=obj, hidden=hidden, reason=reason if hidden else note)
    elif target.kind == TargetKind.PROFILE:
        profile_set_hidden(actor=actor, user=obj, hidden=hidden, note=note or reason)
    elif target.kind == TargetKind.LESSON:
        lesson_set_withdrawn(actor=actor, lesson=obj, withdrawn=hidden, reason=(note or reason)[:200])
    target.hidden = hidden


def target_delete(*, actor: Any, target: Target, reason: str) -> str:
    """Remove it for good where the app can (threads, replies); hide the others. Returns what was
    done: ``deleted`` or ``hidden``."""
    if target.kind == TargetKind.THREAD:
        community_services.thread_delete(actor=actor, thread=target.obj)
        return "deleted"
    if target.kind == TargetKind.REPLY:
        community_services.reply_delete(actor=actor, reply=target.obj)
        return "deleted"
    target_set_hidden(actor=actor, target=target, hidden=True, reason=HiddenReason.MODERATOR, note=reason)
    return "hidden"


def target_edit(*, actor: Any, target: Target, title: str, body: str) -> None:
    """Replace the text as a moderator (the old text stays as a revision)."""
    if target.kind == TargetKind.THREAD:
        community_services.thread_edit(actor=actor, thread=target.obj, title=title or target.title, body=body)
    elif target.kind == TargetKind.REPLY:
        community_services.reply_edit(actor=actor, reply=target.obj, body=body)
    else:
        raise ValidationFailed(_("Only threads and replies can be edited here; hide this instead."), field="body")


# --- an address on this site -> a target ---------------------------------------------------------

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^/community/t/(\d+)/?$"), TargetKind.THREAD),
    (re.compile(r"^/community/r/(\d+)/?$"), TargetKind.REPLY),
    (re.compile(r"^/courses/[^/]+/lessons/(\d+)/?$"), TargetKind.LESSON),
    (re.compile(r"^/groups/(\d+)/?$"), TargetKind.GROUP),
    (re.compile(r"^/members/(\d+)/?$"), TargetKind.PROFILE),
)


def target_from_address(address: str) -> tuple[str, int] | None:
    """``https://site/community/t/12/?reply=40#reply-40`` -> ("reply", 40); None when unknown."""
    parts = urlsplit(str(address or "").strip())
    path = parts.path or ""
    reply = re.search(r"(?:^|&)reply=(\d+)", parts.query or "") or re.match(r"^reply-(\d+)$", parts.fragment or "")
    if reply and path.startswith("/community/t/"):
        return TargetKind.REPLY, int(reply.group(1))
    post = re.match(r"^post-(\d+)$", parts.fragment or "")
    if post and path.startswith("/groups/"):
        return TargetKind.GROUP_POST, int(post.group(1))
    review = re.match(r"^review-(\d+)$", parts.fragment or "")
    if review and path.startswith("/courses/"):
        return TargetKind.REVIEW, int(review.group(1))
    for pattern, kind in _PATTERNS:
        match = pattern.match(path)
        if match:
            return kind, int(match.group(1))
    return None


def author_post_count(user_id: int) -> int:
    """Threads and replies a member wrote (not deleted)."""
    return (
        Thread.objects.filter(author_id=user_id, deleted_at__isnull=True).count()
        + Reply.objects.filter(author_id=user_id, deleted_at__isnull=True).count()
    )


def author_post_counts(user_ids: set[int]) -> dict[int, int]:
    """``author_post_count`` for many members in two queries."""
    from django.db.models import Count

    counts: dict[int, int] = dict.fromkeys(user_ids, 0)
    if not user_ids:
        return counts
    for model in (Thread, Reply):
        rows = (
            model.objects.filter(Q(author_id__in=user_ids), deleted_at__isnull=True)
            .values("author_id")
            .annotate(n=Count("id"))
        )
        for row in rows:
            counts[row["author_id"]] += row["n"]
    return counts

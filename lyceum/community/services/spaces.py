"""Writes for spaces, threads and replies: every change to them goes through here.

Each function is keyword-only and atomic, checks access with ``community.access`` (a thing
the actor may not read is ``NotFound``, never a hint that it exists), keeps the denormalised
counters (``reply_count``, ``score``, ``last_activity_at``, ``thread_count``), re-renders
``body_html`` and the search index, and emits one event.

Mentions: ``@name`` where *name* is a member's display name with the whitespace removed
(``@AdaLovelace``, ``@王磊``), matched case-insensitively among people who can read the
space; when several match, thread participants win, and a name that stays ambiguous is
left as plain text. A Chinese mention may run straight into the sentence (``@王磊你好``):
the longest display name that starts the word wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Lower, Replace
from django.db.models.lookups import StartsWith
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lyceum.accounts.models import User
from lyceum.core import events, ratelimit, screening
from lyceum.core.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, RateLimited, ValidationFailed
from lyceum.core.markdown import render_markdown
from lyceum.courses.models import Course

from .. import access, caching, search
from ..models import (
    Bookmark,
    CommunityTag,
    HiddenReason,
    Mention,
    PostPolicy,
    Reply,
    Revision,
    Space,
    SpaceKind,
    Thread,
    ThreadFollow,
    ThreadKind,
    Vote,
)
from ..models.spaces import BODY_MAX, TITLE_MAX
from ._screening import held_fields, screen_text

TAGS_MAX = 5
TAG_MAX_CHARS = 40
SPACE_NAME_MAX = 120
VIEW_DEDUPE_SECONDS = 30 * 60


def _rate(name: str, default: str) -> str:
    return str(getattr(settings, name, default))


# --- helpers ---------------------------------------------------------------------------------------


def _require_member(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotAuthenticated(_("Sign in to take part in the community."))


def _readable_or_404(actor: Any, space: Space) -> None:
    if not access.can_read_space(actor, space):
        raise NotFound(_("Not found."))


def _live_thread(actor: Any, thread: Thread) -> None:
    _readable_or_404(actor, thread.space)
    if thread.deleted_at is not None:
        raise NotFound(_("This thread was deleted."))
    if thread.hidden_at is not None and not access.sees_hidden(actor, thread.author_id):
        raise NotFound(_("Not found."))


def _rate_limit(actor: Any, what: str, rate: str) -> None:
    if not ratelimit.hit(f"community:{what}:{actor.pk}", rate):
        raise RateLimited(_("You are posting too fast. Please wait a minute and try again."))


def _clean_text(value: Any) -> str:
    return str(value or "").replace("\x00", "").strip()


def _clean_title(title: Any) -> str:
    title = " ".join(_clean_text(title).split())
    if not title:
        raise ValidationFailed(_("Give your thread a title."), field="title")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(
            _("The title is too long (at most %(max)d characters).") % {"max": TITLE_MAX}, field="title"
        )
    return title


def _clean_body(body: Any, *, field: str = "body") -> str:
    body = _clean_text(body)
    if not body:
        raise ValidationFailed(_("Write something first."), field=field)
    if len(body) > BODY_MAX:
        raise ValidationFailed(_("This is too long (at most %(max)d characters).") % {"max": BODY_MAX}, field=field)
    return body


def _clean_tags(tags: Iterable[Any] | str | None) -> list[tuple[str, str]]:
    """``["Python", "数据 分析"]`` or ``"python, 数据分析"`` → [(slug, name)], deduplicated, at most five."""
    if tags is None:
        return []
    raw = re.split(r"[,，、\n]", tags) if isinstance(tags, str) else [str(t) for t in tags]
    result: dict[str, str] = {}
    for item in raw:
        name = " ".join(strip_tags(str(item)).replace("<", "").replace(">", "").split())[:TAG_MAX_CHARS].strip()
        slug = slugify(name, allow_unicode=True)[:TAG_MAX_CHARS].strip("-")
        if not slug:
            continue
        result.setdefault(slug, name)
    if len(result) > TAGS_MAX:
        raise ValidationFailed(_("Use at most %(max)d tags.") % {"max": TAGS_MAX}, field="tags")
    return list(result.items())


def _set_tags(thread: Thread, tags: list[tuple[str, str]]) -> None:
    objs = []
    for slug, name in tags:
        tag, _created = CommunityTag.objects.get_or_create(slug=slug, defaults={"name": name})
        objs.append(tag)
    thread.tags.set(objs)


def _touch_space(space: Space, when: datetime, *, threads: int = 0) -> None:
    if threads:
        Space.objects.filter(pk=space.pk).update(thread_count=F("thread_count") + threads)
    Space.objects.filter(pk=space.pk).filter(Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=when)).update(
        last_activity_at=when
    )


def _auto_follow(user: Any, thread: Thread) -> None:
    ThreadFollow.objects.get_or_create(user=user, thread=thread)


# --- mentions ---------------------------------------------------------------------------------------

# A mention is "@" then letters/digits (any script) and . _ ' - ; not inside an e-mail address.
MENTION_RE = re.compile(r"(?<![\w@.])@([\w][\w.'’\-]{0,79})")
_SKIP_TAGS = {"code", "pre", "a"}
_TAG_RE = re.compile(r"(<[^>]+>)")


_CODE_RE = re.compile(r"(```|~~~)[\s\S]*?(\1|\Z)|`[^`\n]*`")


def mention_key(display_name: str) -> str:
    """What people type after ``@`` for this display name: no whitespace, any case."""
    return "".join(display_name.split()).lower()


def _mention_candidates(tokens: list[str]) -> list[User]:
    """Active users whose key starts one of ``tokens`` (one query)."""
    if not tokens:
        return []
    key = Lower(Replace(Replace("display_name", Value(" "), Value("")), Value("\u3000"), Value("")))
    cond = Q()
    for token in tokens:
        cond |= Q(StartsWith(Value(token.lower()), F("mention_key")))
    return list(
        User.objects.filter(is_active=True, erased_at__isnull=True)
        .exclude(display_name="")
        .annotate(mention_key=key)
        .filter(cond)
        .order_by("pk")[:50]
    )


def mentions_resolve(*, text: str, space: Space, participant_ids: set[int]) -> dict[str, User]:
    """``{typed token (lower case): user}`` for the mentions in ``text`` that name a reader of ``space``."""
    prose = _CODE_RE.sub(" ", text)  # "@name" inside code is code, not a mention
    tokens = list(dict.fromkeys(m.group(1).lower() for m in MENTION_RE.finditer(prose)))[:20]
    candidates = [u for u in _mention_candidates(tokens) if access.can_read_space(u, space)]
    resolved: dict[str, User] = {}
    for token in tokens:
        matches = [u for u in candidates if token.startswith(mention_key(u.display_name))]
        if not matches:
            continue
        longest = max(len(mention_key(u.display_name)) for u in matches)
        best = [u for u in matches if len(mention_key(u.display_name)) == longest]
        if len(best) > 1:
            best = [u for u in best if u.pk in participant_ids]
        if len(best) == 1:
            resolved[mention_key(best[0].display_name)] = best[0]
    return resolved


def _mentions_html(html: str, resolved: dict[str, User]) -> str:
    """Wrap ``@name`` of resolved users in ``<span class="mention">`` outside code and links."""
    if not resolved:
        return html
    keys = sorted(resolved, key=len, reverse=True)
    out: list[str] = []
    skip_depth = 0
    for part in _TAG_RE.split(html):
        if part.startswith("<"):
            m = re.match(r"<(/?)([a-zA-Z0-9]+)", part)
            if m and m.group(2).lower() in _SKIP_TAGS:
                skip_depth += -1 if m.group(1) else 1
                skip_depth = max(skip_depth, 0)
            out.append(part)
            continue
        if skip_depth:
            out.append(part)
            continue

        def wrap(match: re.Match[str]) -> str:
            token = match.group(1)
            for key in keys:
                if token.lower().startswith(key):
                    name, rest = token[: len(key)], token[len(key) :]
                    return f'<span class="mention">@{name}</span>{rest}'
            return match.group(0)

        out.append(MENTION_RE.sub(wrap, part))
    return "".join(out)


def _render(text: str, resolved: dict[str, User]) -> str:
    return _mentions_html(str(render_markdown(text)), resolved)


def _participant_ids(thread: Thread | None) -> set[int]:
    if thread is None or thread.pk is None:
        return set()
    ids = set(thread.replies.values_list("author_id", flat=True).distinct()[:500])
    ids.add(thread.author_id)
    return ids


def _record_mentions(
    *, actor: Any, thread: Thread, reply: Reply | None, resolved: dict[str, User], at: datetime | None
) -> list[Mention]:
    created: list[Mention] = []
    for user in {u.pk: u for u in resolved.values()}.values():
        if user.pk == actor.pk:
            continue
        mention, was_new = Mention.objects.get_or_create(
            user=user, thread=thread, reply=reply, defaults={"author": actor, "created_at": at or timezone.now()}
        )
        if not was_new:
            continue
        created.append(mention)
        events.emit(
            "user.mentioned",
            actor=actor,
            obj=mention,
            at=at,
            user=user.pk,
            thread=thread.pk,
            reply=reply.pk if reply is not None else None,
        )
    return created


# --- spaces -----------------------------------------------------------------------------------------


def _require_operator(actor: Any) -> None:
    _require_member(actor)
    if not access.standing(actor).operator:
        raise PermissionDenied(_("Only operators manage spaces."))


def _unique_space_slug(base: str, *, exclude_pk: int | None = None) -> str:
    base = (slugify(base) or "space")[:70].strip("-") or "space"
    slug, n = base, 2
    others = Space.objects.exclude(pk=exclude_pk) if exclude_pk else Space.objects.all()
    while others.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _clean_space_fields(fields: dict[str, Any], *, space: Space | None) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "name" in fields:
        name = " ".join(strip_tags(_clean_text(fields["name"])).split())
        if not name:
            raise ValidationFailed(_("Give the space a name."), field="name")
        if len(name) > SPACE_NAME_MAX:
            raise ValidationFailed(_("The name is too long."), field="name")
        clean["name"] = name
    if "description" in fields:
        description = _clean_text(fields["description"])
        if len(description) > 2000:
            raise ValidationFailed(_("The description is too long."), field="description")
        clean["description"] = description
    if "rules" in fields:
        rules = _clean_text(fields["rules"])
        if len(rules) > 4000:
            raise ValidationFailed(_("The rules are too long."), field="rules")
        clean["rules"] = rules
    if "kind" in fields:
        if fields["kind"] not in SpaceKind.values:
            raise ValidationFailed(_("Choose a kind of space."), field="kind")
        clean["kind"] = fields["kind"]
    if "post_policy" in fields:
        if fields["post_policy"] not in PostPolicy.values:
            raise ValidationFailed(_("Choose who may start threads."), field="post_policy")
        clean["post_policy"] = fields["post_policy"]
    if "access_plans" in fields:
        plans = fields["access_plans"] or []
        if isinstance(plans, str):
            plans = re.split(r"[,，\n]+", plans)
        clean["access_plans"] = sorted({slugify(str(p)) for p in plans if slugify(str(p))})
    if "course" in fields:
        clean["course"] = fields["course"]
    kind = clean.get("kind", space.kind if space else SpaceKind.GLOBAL)
    course = clean.get("course", space.course if space else None)
    if kind == SpaceKind.COURSE:
        if course is None:
            raise ValidationFailed(_("A course space needs its course."), field="course")
        taken = Space.objects.filter(course=course)
        if space is not None:
            taken = taken.exclude(pk=space.pk)
        if taken.exists():
            raise Conflict(_("That course already has a space."), field="course")
    elif "course" in clean or "kind" in clean:
        clean["course"] = None
    return clean


@transaction.atomic
def space_create(
    *,
    actor: Any,
    name: str,
    slug: str = "",
    description: str = "",
    rules: str = "",
    kind: str = SpaceKind.GLOBAL,
    course: Course | None = None,
    access_courses: Sequence[Course] = (),
    access_plans: Sequence[str] | str = (),
    post_policy: str = PostPolicy.MEMBERS,
    position: int = 0,
) -> Space:
    _require_operator(actor)
    clean = _clean_space_fields(
        {
            "name": name,
            "description": description,
            "rules": rules,
            "kind": kind,
            "course": course,
            "access_plans": access_plans,
            "post_policy": post_policy,
        },
        space=None,
    )
    if slug and (slugify(slug) != slug or Space.objects.filter(slug=slug).exists()):
        raise ValidationFailed(_("This address is invalid or taken."), field="slug")
    space = Space.objects.create(
        slug=slug or _unique_space_slug(clean["name"]), created_by=actor, position=position, **clean
    )
    space.access_courses.set(list(access_courses) if clean["kind"] == SpaceKind.PAID else [])
    events.emit("space.created", actor=actor, obj=space, slug=space.slug, kind=space.kind)
    return space


@transaction.atomic
def space_update(*, actor: Any, space: Space, **fields: Any) -> Space:
    _require_operator(actor)
    allowed = {"name", "description", "rules", "kind", "course", "access_plans", "post_policy", "position"}
    unknown = set(fields) - allowed - {"access_courses", "archived"}
    if unknown:
        raise ValidationFailed(_("Unknown field."), field=sorted(unknown)[0])
    clean = _clean_space_fields({k: v for k, v in fields.items() if k in allowed}, space=space)
    if "position" in fields:
        clean["position"] = max(0, int(fields["position"] or 0))
    for key, value in clean.items():
        setattr(space, key, value)
    if "archived" in fields:
        space.archived_at = (space.archived_at or timezone.now()) if fields["archived"] else None
    space.save()
    if "access_courses" in fields:
        space.access_courses.set(list(fields["access_courses"] or []) if space.kind == SpaceKind.PAID else [])
    events.emit("space.updated", actor=actor, obj=space, slug=space.slug, fields=sorted(fields))
    return space


@transaction.atomic
def space_for_course(*, course: Course, actor: Any = None) -> Space:
    """The course's space, created on first use (and when the course is published)."""
    existing = Space.objects.filter(course=course).first()
    if existing is not None:
        return existing
    space = Space.objects.create(
        slug=_unique_space_slug(f"course-{course.slug}"),
        name=course.title[:SPACE_NAME_MAX],
        description=(course.subtitle or "")[:2000],
        kind=SpaceKind.COURSE,
        course=course,
        position=100,
    )
    events.emit("space.created", actor=actor, obj=space, slug=space.slug, kind=space.kind, course=course.pk)
    return space


@events.on("course.published")
def _course_published(event: Any) -> None:
    course = Course.objects.filter(pk=event.object_id).first() if event.object_id.isdigit() else None
    if course is not None:
        space_for_course(course=course, actor=event.actor)


# --- threads ----------------------------------------------------------------------------------------


@transaction.atomic
def thread_create(
    *,
    actor: Any,
    space: Space,
    title: str,
    body: str,
    kind: str = ThreadKind.DISCUSSION,
    tags: Iterable[str] | str | None = None,
    at: datetime | None = None,
    rate_limit: bool = True,
) -> Thread:
    """Start a thread. Announcements need the right to post them and are pinned."""
    _require_member(actor)
    _readable_or_404(actor, space)
    if kind not in ThreadKind.values:
        raise ValidationFailed(_("Choose what kind of thread this is."), field="kind")
    if not access.can_start_thread(actor, space, kind):
        if kind == ThreadKind.ANNOUNCEMENT:
            raise PermissionDenied(_("Only instructors, moderators and operators post announcements."))
        raise PermissionDenied(_("You cannot start threads in this space."))
    clean_title = _clean_title(title)
    clean_body = _clean_body(body)
    clean_tags = _clean_tags(tags)
    if rate_limit:
        _rate_limit(actor, "thread", _rate("LYCEUM_COMMUNITY_THREAD_RATE", "5/min"))
    verdict = screen_text(actor=actor, kind="thread", text=f"{clean_title}\n\n{clean_body}", where=space.slug, at=at)
    when = at or timezone.now()
    resolved = mentions_resolve(text=clean_body, space=space, participant_ids={actor.pk})
    thread = Thread.objects.create(
        space=space,
        kind=kind,
        author=actor,
        title=clean_title,
        body=clean_body,
        body_html=_render(clean_body, resolved),
        is_pinned=kind == ThreadKind.ANNOUNCEMENT,
        last_activity_at=when,
        **held_fields(verdict),
    )
    if at is not None:
        Thread.objects.filter(pk=thread.pk).update(created_at=at, updated_at=at)
        thread.created_at = thread.updated_at = at
    _set_tags(thread, clean_tags)
    # a held thread is neither counted nor visible activity until a moderator shows it
    # (``content_set_hidden`` keeps the counters when it hides or shows)
    if not verdict.held:
        _touch_space(space, when, threads=1)
    _auto_follow(actor, thread)
    events.emit(
        "thread.created",
        actor=actor,
        obj=thread,
        at=at,
        space=space.slug,
        space_id=space.pk,
        kind=kind,
        course=space.course_id,
        screen=verdict.as_props(),
    )
    if not verdict.held:  # nobody is told about text a moderator has not seen yet
        _record_mentions(actor=actor, thread=thread, reply=None, resolved=resolved, at=at)
    search.thread_search_index(thread)
    return thread


def can_edit(actor: Any, author_id: int, space: Space) -> bool:
    """The author of a post or a moderator of its space may edit or delete it."""
    return actor.pk == author_id or access.is_space_moderator(actor, space)


@transaction.atomic
def thread_edit(
    *,
    actor: Any,
    thread: Thread,
    title: str,
    body: str,
    tags: Iterable[str] | str | None = None,
) -> Thread:
    """Change a thread's text (author or a moderator of its space); the old text becomes a Revision."""
    _require_member(actor)
    thread = Thread.objects.select_for_update().select_related("space").get(pk=thread.pk)
    _live_thread(actor, thread)
    if not can_edit(actor, thread.author_id, thread.space):
        raise PermissionDenied(_("Only the author or a moderator can edit this thread."))
    clean_title = _clean_title(title)
    clean_body = _clean_body(body)
    clean_tags = _clean_tags(tags) if tags is not None else None
    changed = clean_title != thread.title or clean_body != thread.body
    verdict = screening.Verdict()
    if changed:
        verdict = screen_text(
            actor=actor, kind="thread", text=f"{clean_title}\n\n{clean_body}", where=thread.space.slug, obj=thread
        )
        Revision.objects.create(thread=thread, title=thread.title, body=thread.body, edited_by=actor)
        resolved = mentions_resolve(text=clean_body, space=thread.space, participant_ids=_participant_ids(thread))
        thread.title, thread.body = clean_title, clean_body
        thread.body_html = _render(clean_body, resolved)
        thread.edited_at = timezone.now()
        fields = ["title", "body", "body_html", "edited_at", "updated_at"]
        if verdict.held and thread.hidden_at is None:
            thread.hidden_at, thread.hidden_reason = timezone.now(), HiddenReason.HELD
            fields += ["hidden_at", "hidden_reason"]
        thread.save(update_fields=fields)
        if thread.hidden_at is None:
            _record_mentions(actor=thread.author, thread=thread, reply=None, resolved=resolved, at=None)
    if clean_tags is not None:
        _set_tags(thread, clean_tags)
    events.emit(
        "thread.edited",
        actor=actor,
        obj=thread,
        space=thread.space.slug,
        changed=changed,
        screen=verdict.as_props(),
    )
    search.thread_search_index(thread)
    return thread


@transaction.atomic
def thread_delete(*, actor: Any, thread: Thread) -> Thread:
    _require_member(actor)
    thread = Thread.objects.select_for_update().select_related("space").get(pk=thread.pk)
    _live_thread(actor, thread)
    if not can_edit(actor, thread.author_id, thread.space):
        raise PermissionDenied(_("Only the author or a moderator can delete this thread."))
    thread.deleted_at = timezone.now()
    thread.deleted_by = actor
    thread.is_pinned = False
    thread.save(update_fields=["deleted_at", "deleted_by", "is_pinned", "updated_at"])
    if thread.hidden_at is None:  # a hidden thread is already out of the count
        Space.objects.filter(pk=thread.space_id, thread_count__gt=0).update(thread_count=F("thread_count") - 1)
    events.emit("thread.deleted", actor=actor, obj=thread, space=thread.space.slug)
    search.thread_search_index(thread)
    return thread


def _moderate(actor: Any, thread: Thread) -> Thread:
    _require_member(actor)
    thread = Thread.objects.select_for_update().select_related("space").get(pk=thread.pk)
    _live_thread(actor, thread)
    if not access.is_space_moderator(actor, thread.space):
        raise PermissionDenied(_("Only moderators of this space can do that."))
    return thread


@transaction.atomic
def thread_pin(*, actor: Any, thread: Thread, pinned: bool = True) -> Thread:
    thread = _moderate(actor, thread)
    if thread.is_pinned != pinned:
        thread.is_pinned = pinned
        thread.save(update_fields=["is_pinned", "updated_at"])
        events.emit("thread.pinned" if pinned else "thread.unpinned", actor=actor, obj=thread)
    return thread


@transaction.atomic
def thread_lock(*, actor: Any, thread: Thread, locked: bool = True) -> Thread:
    thread = _moderate(actor, thread)
    if thread.is_locked != locked:
        thread.is_locked = locked
        thread.save(update_fields=["is_locked", "updated_at"])
        events.emit("thread.locked" if locked else "thread.unlocked", actor=actor, obj=thread)
    return thread


def thread_view(*, actor: Any, thread: Thread, viewer_key: str = "", known: dict[str, Any] | None = None) -> bool:
    """Count a view (once per viewer and thread every half hour). True if counted. ``known``: a
    ``get_many`` answer of this request (``caching.prefetch``) that already says the view was
    counted lately (then no round trip to the cache)."""
    key = viewer_key or (f"u{actor.pk}" if getattr(actor, "is_authenticated", False) else "")
    if key:
        seen = caching.view_key(key, thread.pk)
        if known is not None and known.get(seen) is not None:
            return False
        if not cache.add(seen, 1, timeout=VIEW_DEDUPE_SECONDS):
            return False
    with transaction.atomic():
        Thread.objects.filter(pk=thread.pk).update(view_count=F("view_count") + 1)
        caching.thread_changed([thread.pk])
        events.emit("thread.viewed", actor=actor, obj=thread, space=thread.space.slug)
    return True


# --- replies ----------------------------------------------------------------------------------------


@transaction.atomic
def reply_create(
    *,
    actor: Any,
    thread: Thread,
    body: str,
    parent: Reply | None = None,
    at: datetime | None = None,
    rate_limit: bool = True,
) -> Reply:
    """Answer a thread. A reply to a nested reply attaches to its top-level parent (one level)."""
    _require_member(actor)
    thread = Thread.objects.select_for_update().select_related("space").get(pk=thread.pk)
    _live_thread(actor, thread)
    if not access.can_reply(actor, thread.space):
        raise PermissionDenied(_("You cannot reply in this space."))
    if thread.is_locked and not access.is_space_moderator(actor, thread.space):
        raise PermissionDenied(_("This thread is locked."), code="locked")
    if parent is not None:
        if parent.thread_id != thread.pk:
            raise ValidationFailed(_("That reply belongs to another thread."), field="parent")
        if parent.parent_id is not None:
            parent = Reply.objects.get(pk=parent.parent_id)
    clean_body = _clean_body(body)
    if rate_limit:
        _rate_limit(actor, "reply", _rate("LYCEUM_COMMUNITY_REPLY_RATE", "20/min"))
    verdict = screen_text(actor=actor, kind="reply", text=clean_body, where=thread.space.slug, at=at)
    when = at or timezone.now()
    participants = _participant_ids(thread)
    resolved = mentions_resolve(text=clean_body, space=thread.space, participant_ids=participants)
    reply = Reply.objects.create(
        thread=thread,
        parent=parent,
        author=actor,
        body=clean_body,
        body_html=_render(clean_body, resolved),
        **held_fields(verdict),
    )
    if at is not None:
        Reply.objects.filter(pk=reply.pk).update(created_at=at, updated_at=at)
        reply.created_at = reply.updated_at = at
    # a held reply is stored but neither counted nor activity until a moderator shows it
    if not verdict.held:
        Thread.objects.filter(pk=thread.pk).update(reply_count=F("reply_count") + 1)
        caching.thread_changed([thread.pk])
        # backdated imports never move activity backwards
        Thread.objects.filter(pk=thread.pk, last_activity_at__lt=when).update(last_activity_at=when)
        _touch_space(thread.space, when)
    _auto_follow(actor, thread)
    events.emit(
        "reply.created",
        actor=actor,
        obj=reply,
        at=at,
        thread=thread.pk,
        parent=parent.pk if parent is not None else None,
        space=thread.space.slug,
        screen=verdict.as_props(),
    )
    if not verdict.held:
        _record_mentions(actor=actor, thread=thread, reply=reply, resolved=resolved, at=at)
    search.thread_search_index(thread)
    return reply


def _live_reply(actor: Any, reply: Reply, *, lock: bool = True) -> Reply:
    qs = Reply.objects.select_related("thread__space")
    if lock:
        qs = qs.select_for_update()
    reply = qs.get(pk=reply.pk)
    _live_thread(actor, reply.thread)
    if reply.deleted_at is not None:
        raise NotFound(_("This reply was deleted."))
    if reply.hidden_at is not None and not access.sees_hidden(actor, reply.author_id):
        raise NotFound(_("Not found."))
    return reply


@transaction.atomic
def reply_edit(*, actor: Any, reply: Reply, body: str) -> Reply:
    _require_member(actor)
    reply = _live_reply(actor, reply)
    if not can_edit(actor, reply.author_id, reply.thread.space):
        raise PermissionDenied(_("Only the author or a moderator can edit this reply."))
    clean_body = _clean_body(body)
    verdict = screening.Verdict()
    if clean_body != reply.body:
        verdict = screen_text(actor=actor, kind="reply", text=clean_body, where=reply.thread.space.slug, obj=reply)
        Revision.objects.create(reply=reply, body=reply.body, edited_by=actor)
        resolved = mentions_resolve(
            text=clean_body, space=reply.thread.space, participant_ids=_participant_ids(reply.thread)
        )
        reply.body, reply.body_html, reply.edited_at = clean_body, _render(clean_body, resolved), timezone.now()
        fields = ["body", "body_html", "edited_at", "updated_at"]
        if verdict.held and reply.hidden_at is None:
            reply.hidden_at, reply.hidden_reason = timezone.now(), HiddenReason.HELD
            fields += ["hidden_at", "hidden_reason"]
        reply.save(update_fields=fields)
        if reply.hidden_at is None:
            _record_mentions(actor=reply.author, thread=reply.thread, reply=reply, resolved=resolved, at=None)
        search.thread_search_index(reply.thread)
    events.emit(
        "reply.edited",
        actor=actor,
        obj=reply,
        thread=reply.thread_id,
        space=reply.thread.space.slug,
        screen=verdict.as_props(),
    )
    return reply


@transaction.atomic
def reply_delete(*, actor: Any, reply: Reply) -> Reply:
    _require_member(actor)
    reply = _live_reply(actor, reply)
    if not can_edit(actor, reply.author_id, reply.thread.space):
        raise PermissionDenied(_("Only the author or a moderator can delete this reply."))
    reply.deleted_at, reply.deleted_by = timezone.now(), actor
    reply.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    if reply.hidden_at is None:  # a hidden reply is already out of the count
        Thread.objects.filter(pk=reply.thread_id, reply_count__gt=0).update(reply_count=F("reply_count") - 1)
        caching.thread_changed([reply.thread_id])
    Thread.objects.filter(pk=reply.thread_id, accepted_reply=reply).update(
        accepted_reply=None, accepted_at=None, accepted_by=None
    )
    events.emit("reply.deleted", actor=actor, obj=reply, thread=reply.thread_id)
    search.thread_search_index(reply.thread)
    return reply


# --- votes ------------------------------------------------------------------------------------------


@transaction.atomic
def thread_vote(*, actor: Any, thread: Thread, at: datetime | None = None) -> tuple[bool, int]:
    """Toggle the actor's upvote on a thread: (voted now, new score). No votes on one's own thread."""
    _require_member(actor)
    thread = Thread.objects.select_for_update().select_related("space").get(pk=thread.pk)
    _live_thread(actor, thread)
    if thread.author_id == actor.pk:
        raise PermissionDenied(_("You cannot vote for your own post."), code="own_post")
    deleted, _n = Vote.objects.filter(user=actor, thread=thread).delete()
    caching.thread_changed([thread.pk])  # its score
    if deleted:
        Thread.objects.filter(pk=thread.pk).update(score=F("score") - 1)
        events.emit("thread.unvoted", actor=actor, obj=thread)
    else:
        Vote.objects.create(user=actor, thread=thread, created_at=at or timezone.now())
        Thread.objects.filter(pk=thread.pk).update(score=F("score") + 1)
        events.emit("thread.voted", actor=actor, obj=thread, at=at, author=thread.author_id)
    thread.refresh_from_db(fields=["score"])
    return not deleted, thread.score


@transaction.atomic
def reply_vote(*, actor: Any, reply: Reply, at: datetime | None = None) -> tuple[bool, int]:
    """Toggle the actor's upvote on a reply: (voted now, new score)."""
    _require_member(actor)
    reply = _live_reply(actor, reply)
    if reply.author_id == actor.pk:
        raise PermissionDenied(_("You cannot vote for your own post."), code="own_post")
    deleted, _n = Vote.objects.filter(user=actor, reply=reply).delete()
    caching.thread_changed([reply.thread_id])  # the reply's score
    if deleted:
        Reply.objects.filter(pk=reply.pk).update(score=F("score") - 1)
        events.emit("reply.unvoted", actor=actor, obj=reply, thread=reply.thread_id)
    else:
        Vote.objects.create(user=actor, reply=reply, created_at=at or timezone.now())
        Reply.objects.filter(pk=reply.pk).update(score=F("score") + 1)
        events.emit("reply.voted", actor=actor, obj=reply, at=at, thread=reply.thread_id, author=reply.author_id)
    reply.refresh_from_db(fields=["score"])
    return not deleted, reply.score


# --- accepted answers -------------------------------------------------------------------------------


def can_accept(actor: Any, thread: Thread) -> bool:
    """The asker, or a moderator of the space (a course's instructors in its course space)."""
    if not getattr(actor, "is_authenticated", False) or thread.kind != ThreadKind.QUESTION:
        return False
    if actor.pk == thread.author_id or access.is_space_moderator(actor, thread.space):
        return True
    course_id = thread.space.course_id
    return course_id is not None and course_id in access.standing(actor).instructed_course_ids


@transaction.atomic
def reply_accept(*, actor: Any, reply: Reply, at: datetime | None = None) -> Thread:
    """Mark ``reply`` as the accepted answer of its question (replaces any other)."""
    _require_member(actor)
    reply = _live_reply(actor, reply, lock=False)
    thread = Thread.objects.select_for_update().select_related("space").get(pk=reply.thread_id)
    if thread.kind != ThreadKind.QUESTION:
        raise ValidationFailed(_("Only questions have accepted answers."), field="reply", code="not_a_question")
    if not can_accept(actor, thread):
        raise PermissionDenied(_("Only the asker or an instructor can accept an answer."))
    if thread.accepted_reply_id != reply.pk:
        thread.accepted_reply, thread.accepted_by = reply, actor
        thread.accepted_at = at or timezone.now()
        thread.save(update_fields=["accepted_reply", "accepted_by", "accepted_at", "updated_at"])
        events.emit("reply.accepted", actor=actor, obj=reply, at=at, thread=thread.pk)
    return thread


@transaction.atomic
def reply_unaccept(*, actor: Any, thread: Thread) -> Thread:
    _require_member(actor)
    thread = Thread.objects.select_for_update().select_related("space").get(pk=thread.pk)
    _live_thread(actor, thread)
    if not can_accept(actor, thread):
        raise PermissionDenied(_("Only the asker or an instructor can change the accepted answer."))
    if thread.accepted_reply_id is not None:
        reply_id = thread.accepted_reply_id
        thread.accepted_reply, thread.accepted_by, thread.accepted_at = None, None, None
        thread.save(update_fields=["accepted_reply", "accepted_by", "accepted_at", "updated_at"])
        events.emit("reply.unaccepted", actor=actor, obj=thread, reply=reply_id)
    return thread


# --- follows and bookmarks --------------------------------------------------------------------------


@transaction.atomic
def thread_follow(*, actor: Any, thread: Thread) -> bool:
    _require_member(actor)
    _live_thread(actor, thread)
    _follow, created = ThreadFollow.objects.get_or_create(user=actor, thread=thread)
    if created:
        events.emit("thread.followed", actor=actor, obj=thread)
    return True


@transaction.atomic
def thread_unfollow(*, actor: Any, thread: Thread) -> bool:
    _require_member(actor)
    _readable_or_404(actor, thread.space)
    deleted, _n = ThreadFollow.objects.filter(user=actor, thread=thread).delete()
    if deleted:
        events.emit("thread.unfollowed", actor=actor, obj=thread)
    return False


@transaction.atomic
def thread_bookmark(*, actor: Any, thread: Thread) -> bool:
    """Toggle a bookmark; True when the thread is bookmarked afterwards."""
    _require_member(actor)
    _readable_or_404(actor, thread.space)
    deleted, _n = Bookmark.objects.filter(user=actor, thread=thread).delete()
    if deleted:
        events.emit("thread.unbookmarked", actor=actor, obj=thread)
        return False
    if thread.deleted_at is not None:
        raise NotFound(_("This thread was deleted."))
    Bookmark.objects.create(user=actor, thread=thread)
    events.emit("thread.bookmarked", actor=actor, obj=thread)
    return True


@transaction.atomic
def community_search_record(*, actor: Any, query: str, results: int) -> None:
    events.emit("community.searched", actor=actor, query=query[:200], results=results)

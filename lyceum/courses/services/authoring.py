"""Authoring: courses, their fields, slugs, tags, prerequisites and instructors (studio)."""

from __future__ import annotations

import hashlib
import secrets
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lyceum.accounts.models import Level, Role, User
from lyceum.core import events
from lyceum.core.errors import Conflict, NotFound, ValidationFailed

from .. import media
from ..models import (
    Category,
    Course,
    CourseInstructor,
    CourseLanguage,
    CourseStatus,
    Tag,
)
from ._common import (
    MAX_DESCRIPTION,
    MAX_TAGS,
    SLUG_RE,
    UNSET,
    _clean_line,
    _clean_text,
    _emit_course_updated,
    _require_author,
    _require_editor,
    _search_reindex,
)


def course_slug_generate(*, title: str) -> str:
    """A readable, unique address from the title's Latin part plus a short random suffix.

    Titles that are all Latin get the plain slug while it is free ("intro-to-python");
    titles with Chinese (or other non-Latin) text, or a taken slug, get a 6-character
    suffix ("python-3fa91c"; "course-3fa91c" when nothing Latin is left).
    """
    base = slugify(title)[:100].strip("-_") or "course"
    if title.isascii() and slugify(title) and not Course.objects.filter(slug=base).exists():
        return base
    for _attempt in range(10):
        candidate = f"{base}-{secrets.token_hex(3)}"
        if not Course.objects.filter(slug=candidate).exists():
            return candidate
    raise Conflict(_("Could not find a free address for this course; please choose one."), field="slug")


def _clean_slug(slug: str, *, course: Course | None) -> str:
    slug = (slug or "").strip().lower()
    if not SLUG_RE.match(slug) or len(slug) > 120:
        raise ValidationFailed(
            _("Use lowercase Latin letters, digits and hyphens (at most 120 characters)."), field="slug"
        )
    taken = Course.objects.filter(slug=slug)
    if course is not None:
        taken = taken.exclude(pk=course.pk)
    if taken.exists():
        raise ValidationFailed(_("Another course already uses this address."), field="slug")
    return slug


@transaction.atomic
def course_create(
    *,
    actor: User,
    title: str,
    subtitle: str = "",
    slug: str = "",
    language: str = CourseLanguage.CHINESE,
    level: str = Level.BEGINNER,
) -> Course:
    """A new draft course; the author becomes its first instructor."""
    _require_author(actor)
    title = _clean_line(title, field="title", max_length=160, required=True)
    subtitle = _clean_line(subtitle, field="subtitle", max_length=240)
    if language not in CourseLanguage.values:
        raise ValidationFailed(_("Unknown language."), field="language")
    if level not in Level.values:
        raise ValidationFailed(_("Unknown level."), field="level")
    slug = _clean_slug(slug, course=None) if (slug or "").strip() else course_slug_generate(title=title)
    try:
        with transaction.atomic():
            course = Course.objects.create(title=title, subtitle=subtitle, slug=slug, language=language, level=level)
    except IntegrityError as exc:  # a concurrent course took the slug between the check and the insert
        raise ValidationFailed(_("Another course already uses this address."), field="slug") from exc
    CourseInstructor.objects.create(course=course, user=actor, position=0)
    events.emit("course.created", actor=actor, obj=course, slug=course.slug)
    return course


def _tags_for(names: list[str]) -> list[Tag]:
    cleaned: list[str] = []
    for raw in names:
        name = " ".join(raw.split())
        if name and name.lower() not in {n.lower() for n in cleaned}:
            cleaned.append(name)
    if len(cleaned) > MAX_TAGS:
        raise ValidationFailed(_("Use at most %(n)s tags.") % {"n": MAX_TAGS}, field="tags")
    tags = []
    for name in cleaned:
        if len(name) > 60:
            raise ValidationFailed(_("A tag has at most 60 characters."), field="tags")
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            slug = slugify(name)[:40].strip("-_")
            if not name.isascii() or not slug:
                # Chinese tags: a readable Latin part (if any) plus a stable hash of the name.
                digest = hashlib.sha1(name.lower().encode(), usedforsecurity=False).hexdigest()[:8]
                slug = f"{slug}-{digest}" if slug else f"tag-{digest}"
            tag, _created = Tag.objects.get_or_create(slug=slug, defaults={"name": name})
        tags.append(tag)
    return tags


def _check_prerequisites(course: Course, prerequisites: list[Course]) -> list[Course]:
    unique = {c.pk: c for c in prerequisites}
    if course.pk in unique:
        raise ValidationFailed(_("A course cannot require itself."), field="prerequisites")
    if any(c.status != CourseStatus.PUBLISHED for c in unique.values()):
        raise ValidationFailed(_("Only published courses can be prerequisites."), field="prerequisites")
    # Refuse cycles: walk what the chosen courses require, transitively.
    seen: set[int] = set()
    frontier = set(unique)
    while frontier:
        if course.pk in frontier:
            raise ValidationFailed(_("These prerequisites would form a loop."), field="prerequisites")
        seen |= frontier
        frontier = (
            set(
                Course.prerequisites.through.objects.filter(from_course_id__in=frontier).values_list(
                    "to_course_id", flat=True
                )
            )
            - seen
        )
    return list(unique.values())


@transaction.atomic
def course_update(
    *,
    actor: User,
    course: Course,
    title: str | None = None,
    subtitle: str | None = None,
    slug: str | None = None,
    description: str | None = None,
    objectives: str | None = None,
    language: str | None = None,
    level: str | None = None,
    estimated_hours: Decimal | None = None,
    is_free: bool | None = None,
    downloads_allowed: bool | None = None,
    category: Category | None = UNSET,
    tags: list[str] | None = None,
    prerequisites: list[Course] | None = None,
    cover: UploadedFile | None = None,
    remove_cover: bool = False,
) -> Course:
    """Change a course's details. ``None`` leaves a field as it is.

    A published course stays live: the change is visible at once (record what changed
    for learners with ``course_change_record``).
    """
    _require_editor(actor, course)
    values: dict[str, Any] = {}
    if title is not None:
        values["title"] = _clean_line(title, field="title", max_length=160, required=True)
    if subtitle is not None:
        values["subtitle"] = _clean_line(subtitle, field="subtitle", max_length=240)
    if slug is not None and slug.strip().lower() != course.slug:
        if course.published_at is not None:
            raise ValidationFailed(_("The address of a course that was published cannot change."), field="slug")
        values["slug"] = _clean_slug(slug, course=course)
    if description is not None:
        values["description"] = _clean_text(description, field="description", max_length=MAX_DESCRIPTION)
    if objectives is not None:
        values["objectives"] = _clean_text(objectives, field="objectives", max_length=5000)
    if language is not None:
        if language not in CourseLanguage.values:
            raise ValidationFailed(_("Unknown language."), field="language")
        values["language"] = language
    if level is not None:
        if level not in Level.values:
            raise ValidationFailed(_("Unknown level."), field="level")
        values["level"] = level
    if estimated_hours is not None:
        if not Decimal(0) <= estimated_hours <= Decimal("9999.9"):
            raise ValidationFailed(_("Estimated hours must be between 0 and 9999.9."), field="estimated_hours")
        values["estimated_hours"] = estimated_hours.quantize(Decimal("0.1"))
    if is_free is not None:
        values["is_free"] = bool(is_free)
    if downloads_allowed is not None:
        values["downloads_allowed"] = bool(downloads_allowed)
    if category is not UNSET:
        values["category"] = category
    tag_objects = _tags_for(tags) if tags is not None else None
    prerequisite_list = _check_prerequisites(course, prerequisites) if prerequisites is not None else None
    checked_cover = media.image_check(upload=cover, field="cover") if cover is not None else None

    changed = [name for name, value in values.items() if getattr(course, name) != value]
    for name in changed:
        setattr(course, name, values[name])
    old_cover = course.cover.name if course.cover else ""
    if checked_cover is not None and cover is not None:
        course.cover.save(checked_cover.random_name(), cover, save=False)
        changed.append("cover")
        events.emit(
            "media.uploaded", actor=actor, obj=course, kind="cover", mime=checked_cover.mime, size=checked_cover.size
        )
    elif remove_cover and course.cover:
        course.cover = ""  # type: ignore[assignment]
        changed.append("cover")
    if "cover" in changed and old_cover:
        _delete_file_after_commit(course.cover.storage, old_cover)
    if changed:
        course.save(update_fields=[*changed, "updated_at"])
    if tag_objects is not None and {t.pk for t in tag_objects} != set(course.tags.values_list("pk", flat=True)):
        course.tags.set(tag_objects)
        changed.append("tags")
    if prerequisite_list is not None and {c.pk for c in prerequisite_list} != set(
        course.prerequisites.values_list("pk", flat=True)
    ):
        course.prerequisites.set(prerequisite_list)
        changed.append("prerequisites")
    if changed:
        _emit_course_updated(actor, course, part="details", fields=sorted(set(changed)))
        if course.status == CourseStatus.PUBLISHED:
            _search_reindex(course)
    return course


def _delete_file_after_commit(storage: Any, name: str) -> None:
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def course_instructor_add(*, actor: User, course: Course, email: str) -> CourseInstructor:
    """Add a co-instructor by the e-mail of an account that holds the instructor role."""
    _require_editor(actor, course)
    email = (email or "").strip().lower()
    user = User.objects.filter(email__iexact=email, is_active=True).first() if email else None
    if user is None or not user.has_role(Role.INSTRUCTOR):
        raise ValidationFailed(_("No instructor has this e-mail address."), field="email")
    if CourseInstructor.objects.filter(course=course, user=user).exists():
        raise ValidationFailed(_("This person already teaches the course."), field="email")
    position = (course.course_instructors.aggregate(m=Max("position"))["m"] or 0) + 1
    link = CourseInstructor.objects.create(course=course, user=user, position=position)
    _emit_course_updated(actor, course, part="instructors", action="added", user_id=user.pk)
    return link


@transaction.atomic
def course_instructor_remove(*, actor: User, course: Course, user_id: int) -> None:
    _require_editor(actor, course)
    links = list(CourseInstructor.objects.select_for_update().filter(course=course))
    link = next((link for link in links if link.user_id == user_id), None)
    if link is None:
        raise NotFound(_("This person does not teach the course."))
    if len(links) == 1:
        raise ValidationFailed(_("A course needs at least one instructor."), field="email")
    link.delete()
    _emit_course_updated(actor, course, part="instructors", action="removed", user_id=user_id)

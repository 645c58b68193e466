"""Every write to courses data goes through these functions.

Sections: search index and counters (catalog), then authoring and the quality review.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.db.models.functions import Greatest
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lyceum.accounts.models import Level, Role, User
from lyceum.core import events
from lyceum.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from . import media, search
from .models import (
    REVIEW_CHECKLIST,
    Category,
    Choice,
    Course,
    CourseChange,
    CourseInstructor,
    CourseLanguage,
    CourseReview,
    CourseStatus,
    Lesson,
    LessonKind,
    MatchMode,
    Module,
    Question,
    QuestionKind,
    Quiz,
    ReviewDecision,
    Tag,
)
from .selectors import (
    course_readiness,
    course_user_can_edit,
    course_user_is_instructor,
    user_can_author,
    user_is_reviewer,
)

# --- Search index and counters (catalog) ------------------------------------------------------


@transaction.atomic
def course_search_index_update(*, course: Course) -> bool:
    """Refresh the course's search entry: indexed while published, removed otherwise.

    Call it whenever a course is published, archived or its content (title, subtitle,
    description, objectives, lesson titles) changes. Returns whether it is now indexed.
    """
    return search.course_search_index(course)


@transaction.atomic
def course_search_reindex_all() -> int:
    """Rebuild the whole index (``manage.py reindex_courses``); returns how many are indexed."""
    search.course_search_clear()
    indexed = 0
    for course in Course.objects.filter(status=CourseStatus.PUBLISHED).iterator():
        indexed += search.course_search_index(course)
    return indexed


@transaction.atomic
def course_enrollment_count_increment(*, course: Course, by: int = 1) -> None:
    """Adjust the denormalised enrollment counter (``by`` may be negative; never below 0)."""
    if by:
        Course.objects.filter(pk=course.pk).update(enrollment_count=Greatest(F("enrollment_count") + by, 0))
        course.refresh_from_db(fields=["enrollment_count"])


# --- Authoring: courses, instructors, modules, lessons, quizzes (studio) ----------------------

# ``course_update(category=UNSET)`` leaves the category alone; ``None`` clears it.
UNSET: Any = object()

SLUG_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
MAX_TAGS = 12
MAX_DESCRIPTION = 50_000
MAX_BODY = 200_000
MAX_CHOICES = 8


def _require_author(actor: User) -> None:
    if not user_can_author(user=actor):
        raise PermissionDenied(_("Only instructors can create courses."))


def _require_editor(actor: User, course: Course) -> None:
    if not course_user_can_edit(user=actor, course=course):
        raise PermissionDenied(_("Only this course's instructors can change it."))


def _clean_line(value: str, *, field: str, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(_("This field is required."), field=field)
    if len(value) > max_length:
        raise ValidationFailed(
            _("Use at most %(n)s characters (it has %(len)s).") % {"n": max_length, "len": len(value)}, field=field
        )
    return value


def _clean_text(value: str, *, field: str, max_length: int) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if len(value) > max_length:
        raise ValidationFailed(_("Use at most %(n)s characters.") % {"n": max_length}, field=field)
    return value


def _clean_release(release_at: datetime | None, release_after_days: int | None) -> None:
    if release_at is not None and timezone.is_naive(release_at):
        raise ValidationFailed(_("Give the opening time with a time zone."), field="release_at")
    if release_after_days is not None and not 0 <= release_after_days <= 3650:
        raise ValidationFailed(_("Days after enrolment must be between 0 and 3650."), field="release_after_days")


def _emit_course_updated(actor: User, course: Course, **props: Any) -> None:
    events.emit("course.updated", actor=actor, obj=course, **props)


def _search_reindex(course: Course) -> None:
    """Keep the catalog's search entry in step (indexed while published, removed otherwise)."""
    course_search_index_update(course=course)


def _touch(course: Course) -> None:
    """Mark the course as changed (the studio list sorts by it); a published course's
    search entry follows its outline (lesson titles are indexed)."""
    Course.objects.filter(pk=course.pk).update(updated_at=timezone.now())
    if course.status == CourseStatus.PUBLISHED:
        _search_reindex(course)


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


# --- Modules and lessons ---


def _renumber(items: list[Any]) -> None:
    """Give ``items`` (modules, lessons or questions) positions 0..n-1 in list order."""
    changed = []
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position
            changed.append(item)
    if changed:
        type(changed[0]).objects.bulk_update(changed, ["position"])


def _move(items: list[Any], item_id: int, direction: str) -> bool:
    """Swap the item with its neighbour in ``direction`` ("up"/"down"); False at an end."""
    if direction not in ("up", "down"):
        raise ValidationFailed(_("Move up or down."), field="direction")
    index = next(i for i, item in enumerate(items) if item.pk == item_id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    _renumber(items)
    return True


def _reorder(items: list[Any], ids: list[int]) -> list[Any]:
    by_id = {item.pk: item for item in items}
    if len(ids) != len(by_id) or set(ids) != set(by_id):
        raise ValidationFailed(_("The new order must list every item exactly once."), field="order")
    ordered = [by_id[pk] for pk in ids]
    _renumber(ordered)
    return ordered


@transaction.atomic
def module_create(
    *,
    actor: User,
    course: Course,
    title: str,
    release_at: datetime | None = None,
    release_after_days: int | None = None,
) -> Module:
    _require_editor(actor, course)
    title = _clean_line(title, field="title", max_length=160, required=True)
    _clean_release(release_at, release_after_days)
    position = (course.modules.aggregate(m=Max("position"))["m"] or 0) + 1 if course.modules.exists() else 0
    module = Module.objects.create(
        course=course, title=title, position=position, release_at=release_at, release_after_days=release_after_days
    )
    _touch(course)
    _emit_course_updated(actor, course, part="module", action="created", module_id=module.pk)
    return module


@transaction.atomic
def module_update(
    *,
    actor: User,
    module: Module,
    title: str,
    release_at: datetime | None = None,
    release_after_days: int | None = None,
) -> Module:
    _require_editor(actor, module.course)
    module.title = _clean_line(title, field="title", max_length=160, required=True)
    _clean_release(release_at, release_after_days)
    module.release_at = release_at
    module.release_after_days = release_after_days
    module.save(update_fields=["title", "release_at", "release_after_days"])
    _touch(module.course)
    _emit_course_updated(actor, module.course, part="module", action="updated", module_id=module.pk)
    return module


@transaction.atomic
def module_delete(*, actor: User, module: Module) -> None:
    """Delete a module with its lessons (and their files)."""
    course = module.course
    _require_editor(actor, course)
    files = list(module.lessons.exclude(media="").values_list("media", flat=True))
    module_id = module.pk
    module.delete()
    storage = Lesson._meta.get_field("media").storage  # type: ignore[attr-defined]
    for name in files:
        _delete_file_after_commit(storage, name)
    _renumber(list(Module.objects.select_for_update().filter(course=course).order_by("position", "id")))
    _touch(course)
    _emit_course_updated(actor, course, part="module", action="deleted", module_id=module_id)


@transaction.atomic
def module_move(*, actor: User, module: Module, direction: str) -> bool:
    """Move a module one place up or down; False when it is already at that end."""
    _require_editor(actor, module.course)
    modules = list(Module.objects.select_for_update().filter(course_id=module.course_id).order_by("position", "id"))
    moved = _move(modules, module.pk, direction)
    if moved:
        _touch(module.course)
        _emit_course_updated(actor, module.course, part="module", action="moved", module_id=module.pk)
    return moved


@transaction.atomic
def module_reorder(*, actor: User, course: Course, module_ids: list[int]) -> list[Module]:
    """Put all of a course's modules in the given order (drag and drop)."""
    _require_editor(actor, course)
    modules = list(Module.objects.select_for_update().filter(course=course).order_by("position", "id"))
    ordered = _reorder(modules, module_ids)
    _touch(course)
    _emit_course_updated(actor, course, part="module", action="reordered")
    return ordered


@dataclass(frozen=True)
class LessonData:
    """What the lesson form edits (the media file travels separately)."""

    title: str
    kind: str = LessonKind.TEXT
    body: str = ""
    is_preview: bool = False
    is_required: bool = True
    release_at: datetime | None = None
    release_after_days: int | None = None
    live_url: str = ""
    live_starts_at: datetime | None = None
    # Length of lessons without media (text, file, quiz, live); video and audio are measured.
    duration_seconds: int | None = None


def _clean_lesson(
    data: LessonData, *, lesson: Lesson | None, upload: UploadedFile | None
) -> media.CheckedUpload | None:
    if data.kind not in LessonKind.values:
        raise ValidationFailed(_("Unknown kind of lesson."), field="kind")
    _clean_line(data.title, field="title", max_length=160, required=True)
    _clean_text(data.body, field="body", max_length=MAX_BODY)
    _clean_release(data.release_at, data.release_after_days)
    if data.duration_seconds is not None and not 0 <= data.duration_seconds <= 24 * 3600:
        raise ValidationFailed(_("A lesson lasts at most 24 hours."), field="duration_seconds")
    if data.kind == LessonKind.LIVE:
        if not data.live_url:
            raise ValidationFailed(_("Give the link learners use to join."), field="live_url")
        if not data.live_url.startswith(("https://", "http://")):
            raise ValidationFailed(_("The link must start with https://."), field="live_url")
        if data.live_starts_at is None:
            raise ValidationFailed(_("Give the start time of the live session."), field="live_starts_at")
        if timezone.is_naive(data.live_starts_at):
            raise ValidationFailed(_("Give the start time with a time zone."), field="live_starts_at")
    accepted = media.media_types_for(data.kind)
    if upload is not None:
        if not accepted:
            raise ValidationFailed(_("Only video, audio and file lessons take an upload."), field="media")
        return media.media_check(upload=upload, kind=data.kind, field="media")
    if accepted:
        has_fitting_file = lesson is not None and bool(lesson.media) and lesson.media_type in accepted
        if not has_fitting_file:
            messages: dict[str, str] = {
                LessonKind.VIDEO: _("Upload the video."),
                LessonKind.AUDIO: _("Upload the audio."),
                LessonKind.FILE: _("Upload the file."),
            }
            raise ValidationFailed(messages[data.kind], field="media")
    return None


def _apply_lesson(lesson: Lesson, data: LessonData) -> None:
    lesson.title = data.title.strip()
    lesson.kind = data.kind
    lesson.body = _clean_text(data.body, field="body", max_length=MAX_BODY)
    lesson.is_preview = data.is_preview
    lesson.is_required = data.is_required
    lesson.release_at = data.release_at
    lesson.release_after_days = data.release_after_days
    is_live = data.kind == LessonKind.LIVE
    lesson.live_url = data.live_url if is_live else ""
    lesson.live_starts_at = data.live_starts_at if is_live else None
    if data.kind not in (LessonKind.VIDEO, LessonKind.AUDIO) and data.duration_seconds is not None:
        lesson.duration_seconds = data.duration_seconds


def _store_media(actor: User, lesson: Lesson, upload: UploadedFile, checked: media.CheckedUpload) -> None:
    old = lesson.media.name if lesson.media else ""
    lesson.media.save(checked.random_name(), upload, save=False)
    lesson.media_type = checked.mime
    lesson.media_size = checked.size
    if lesson.kind in (LessonKind.VIDEO, LessonKind.AUDIO):
        lesson.duration_seconds = checked.duration_seconds
    if old:
        _delete_file_after_commit(lesson.media.storage, old)
    events.emit(
        "media.uploaded",
        actor=actor,
        obj=lesson,
        kind=lesson.kind,
        mime=checked.mime,
        size=checked.size,
        duration_seconds=checked.duration_seconds,
        course_id=lesson.course_id,
    )


def _drop_media(lesson: Lesson) -> None:
    if lesson.media:
        _delete_file_after_commit(lesson.media.storage, lesson.media.name)
    lesson.media = ""  # type: ignore[assignment]
    lesson.media_type = ""
    lesson.media_size = 0


@transaction.atomic
def lesson_create(*, actor: User, module: Module, data: LessonData, upload: UploadedFile | None = None) -> Lesson:
    """Add a lesson at the end of a module (a quiz lesson gets an empty quiz)."""
    course = module.course
    _require_editor(actor, course)
    checked = _clean_lesson(data, lesson=None, upload=upload)
    position = (module.lessons.aggregate(m=Max("position"))["m"] or 0) + 1 if module.lessons.exists() else 0
    lesson = Lesson(course=course, module=module, position=position)
    _apply_lesson(lesson, data)
    if checked is not None and upload is not None:
        _store_media(actor, lesson, upload, checked)
    lesson.save()
    if lesson.kind == LessonKind.QUIZ:
        Quiz.objects.get_or_create(lesson=lesson)
    _touch(course)
    _emit_course_updated(actor, course, part="lesson", action="created", lesson_id=lesson.pk, kind=lesson.kind)
    return lesson


@transaction.atomic
def lesson_update(*, actor: User, lesson: Lesson, data: LessonData, upload: UploadedFile | None = None) -> Lesson:
    """Edit a lesson; a new upload replaces its file, a kind without files drops it."""
    _require_editor(actor, lesson.course)
    checked = _clean_lesson(data, lesson=lesson, upload=upload)
    _apply_lesson(lesson, data)
    if checked is not None and upload is not None:
        _store_media(actor, lesson, upload, checked)
    elif not media.media_types_for(lesson.kind):
        _drop_media(lesson)
    lesson.save()
    if lesson.kind == LessonKind.QUIZ:
        Quiz.objects.get_or_create(lesson=lesson)
    _touch(lesson.course)
    _emit_course_updated(actor, lesson.course, part="lesson", action="updated", lesson_id=lesson.pk)
    return lesson


@transaction.atomic
def lesson_delete(*, actor: User, lesson: Lesson) -> None:
    course, module = lesson.course, lesson.module
    _require_editor(actor, course)
    if lesson.media:
        _delete_file_after_commit(lesson.media.storage, lesson.media.name)
    lesson_id = lesson.pk
    lesson.delete()
    _renumber(list(Lesson.objects.select_for_update().filter(module=module).order_by("position", "id")))
    _touch(course)
    _emit_course_updated(actor, course, part="lesson", action="deleted", lesson_id=lesson_id)


@transaction.atomic
def lesson_move(*, actor: User, lesson: Lesson, direction: str) -> bool:
    """Move a lesson one place up or down inside its module; False at an end."""
    _require_editor(actor, lesson.course)
    lessons = list(Lesson.objects.select_for_update().filter(module_id=lesson.module_id).order_by("position", "id"))
    moved = _move(lessons, lesson.pk, direction)
    if moved:
        _touch(lesson.course)
        _emit_course_updated(actor, lesson.course, part="lesson", action="moved", lesson_id=lesson.pk)
    return moved


@transaction.atomic
def lesson_reorder(*, actor: User, module: Module, lesson_ids: list[int]) -> list[Lesson]:
    """Put all of a module's lessons in the given order (drag and drop)."""
    _require_editor(actor, module.course)
    lessons = list(Lesson.objects.select_for_update().filter(module=module).order_by("position", "id"))
    ordered = _reorder(lessons, lesson_ids)
    _touch(module.course)
    _emit_course_updated(actor, module.course, part="lesson", action="reordered", module_id=module.pk)
    return ordered


# --- Quizzes ---


@transaction.atomic
def quiz_update(*, actor: User, lesson: Lesson, pass_percent: int, max_attempts: int) -> Quiz:
    _require_editor(actor, lesson.course)
    if lesson.kind != LessonKind.QUIZ:
        raise ValidationFailed(_("This lesson is not a quiz."), field="kind")
    if not 0 <= pass_percent <= 100:
        raise ValidationFailed(_("The pass mark is a percentage from 0 to 100."), field="pass_percent")
    if not 0 <= max_attempts <= 100:
        raise ValidationFailed(_("Allow from 0 (unlimited) to 100 attempts."), field="max_attempts")
    quiz, _created = Quiz.objects.get_or_create(lesson=lesson)
    quiz.pass_percent = pass_percent
    quiz.max_attempts = max_attempts
    quiz.save(update_fields=["pass_percent", "max_attempts"])
    _emit_course_updated(actor, lesson.course, part="quiz", action="updated", lesson_id=lesson.pk)
    return quiz


@dataclass(frozen=True)
class QuestionData:
    """A quiz question. Choice questions carry ``choices`` as (text, is correct) in order;
    true/false questions carry exactly two (the "true" one first); short answers carry
    ``accepted_answers`` (exact texts, or regular expressions with ``match_mode="regex"``)."""

    kind: str
    prompt: str
    explanation: str = ""
    points: int = 1
    choices: list[tuple[str, bool]] = field(default_factory=list)
    accepted_answers: list[str] = field(default_factory=list)
    match_mode: str = MatchMode.EXACT
    case_sensitive: bool = False


def _clean_question(data: QuestionData) -> QuestionData:
    if data.kind not in QuestionKind.values:
        raise ValidationFailed(_("Unknown kind of question."), field="kind")
    prompt = _clean_text(data.prompt, field="prompt", max_length=5000)
    if not prompt:
        raise ValidationFailed(_("Write the question."), field="prompt")
    explanation = _clean_text(data.explanation, field="explanation", max_length=5000)
    if not 1 <= data.points <= 100:
        raise ValidationFailed(_("A question is worth from 1 to 100 points."), field="points")
    choices = [(text.strip(), bool(correct)) for text, correct in data.choices if text.strip()]
    accepted = [a.strip() for a in data.accepted_answers if a.strip()]
    if any(len(text) > 500 for text, _correct in choices):
        raise ValidationFailed(_("An answer has at most 500 characters."), field="choices")
    correct = sum(1 for _text, is_correct in choices if is_correct)
    if data.kind == QuestionKind.SHORT:
        if data.match_mode not in MatchMode.values:
            raise ValidationFailed(_("Unknown match mode."), field="match_mode")
        if not accepted:
            raise ValidationFailed(_("Give at least one accepted answer."), field="accepted_answers")
        if any(len(a) > 200 for a in accepted):
            raise ValidationFailed(_("An accepted answer has at most 200 characters."), field="accepted_answers")
        if data.match_mode == MatchMode.REGEX:
            for pattern in accepted:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValidationFailed(
                        _("“%(p)s” is not a valid regular expression: %(e)s") % {"p": pattern, "e": exc},
                        field="accepted_answers",
                    ) from exc
        choices = []
    else:
        accepted = []
        if data.kind == QuestionKind.TRUE_FALSE and len(choices) != 2:
            raise ValidationFailed(_("A true-or-false question has exactly two answers."), field="choices")
        if len(choices) < 2:
            raise ValidationFailed(_("Give at least two answers."), field="choices")
        if len(choices) > MAX_CHOICES:
            raise ValidationFailed(_("Give at most %(n)s answers.") % {"n": MAX_CHOICES}, field="choices")
        if data.kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE) and correct != 1:
            raise ValidationFailed(_("Mark exactly one answer as correct."), field="choices")
        if data.kind == QuestionKind.MULTIPLE and correct < 1:
            raise ValidationFailed(_("Mark at least one answer as correct."), field="choices")
    return QuestionData(
        kind=data.kind,
        prompt=prompt,
        explanation=explanation,
        points=data.points,
        choices=choices,
        accepted_answers=accepted,
        match_mode=data.match_mode if data.kind == QuestionKind.SHORT else MatchMode.EXACT,
        case_sensitive=data.case_sensitive if data.kind == QuestionKind.SHORT else False,
    )


def _save_choices(question: Question, choices: list[tuple[str, bool]]) -> None:
    """Update choices in place by position, so earlier attempts keep pointing at the same rows."""
    existing = list(question.choices.order_by("position", "id"))
    for position, (text, correct) in enumerate(choices):
        if position < len(existing):
            choice = existing[position]
            if (choice.text, choice.is_correct, choice.position) != (text, correct, position):
                choice.text, choice.is_correct, choice.position = text, correct, position
                choice.save(update_fields=["text", "is_correct", "position"])
        else:
            Choice.objects.create(question=question, text=text, is_correct=correct, position=position)
    for choice in existing[len(choices) :]:
        choice.delete()


def _apply_question(question: Question, data: QuestionData) -> None:
    question.kind = data.kind
    question.prompt = data.prompt
    question.explanation = data.explanation
    question.points = data.points
    question.accepted_answers = data.accepted_answers
    question.match_mode = data.match_mode
    question.case_sensitive = data.case_sensitive


@transaction.atomic
def question_create(*, actor: User, quiz: Quiz, data: QuestionData) -> Question:
    lesson = quiz.lesson
    _require_editor(actor, lesson.course)
    data = _clean_question(data)
    position = (quiz.questions.aggregate(m=Max("position"))["m"] or 0) + 1 if quiz.questions.exists() else 0
    question = Question(quiz=quiz, position=position)
    _apply_question(question, data)
    question.save()
    _save_choices(question, data.choices)
    _emit_course_updated(actor, lesson.course, part="question", action="created", question_id=question.pk)
    return question


@transaction.atomic
def question_update(*, actor: User, question: Question, data: QuestionData) -> Question:
    course = question.quiz.lesson.course
    _require_editor(actor, course)
    data = _clean_question(data)
    _apply_question(question, data)
    question.save()
    _save_choices(question, data.choices)
    _emit_course_updated(actor, course, part="question", action="updated", question_id=question.pk)
    return question


@transaction.atomic
def question_delete(*, actor: User, question: Question) -> None:
    quiz = question.quiz
    course = quiz.lesson.course
    _require_editor(actor, course)
    question_id = question.pk
    question.delete()
    _renumber(list(Question.objects.select_for_update().filter(quiz=quiz).order_by("position", "id")))
    _emit_course_updated(actor, course, part="question", action="deleted", question_id=question_id)


@transaction.atomic
def question_move(*, actor: User, question: Question, direction: str) -> bool:
    course = question.quiz.lesson.course
    _require_editor(actor, course)
    questions = list(Question.objects.select_for_update().filter(quiz_id=question.quiz_id).order_by("position", "id"))
    moved = _move(questions, question.pk, direction)
    if moved:
        _emit_course_updated(actor, course, part="question", action="moved", question_id=question.pk)
    return moved


# --- Quality review (课程质量审核): draft → in review → published → archived --------------------


def _locked(course: Course) -> Course:
    """The course row, locked for this transaction and freshly read."""
    return Course.objects.select_for_update().get(pk=course.pk)


@transaction.atomic
def course_submit(*, actor: User, course: Course, note: str = "") -> CourseReview:
    """An instructor asks for the quality review of a draft."""
    _require_editor(actor, course)
    note = _clean_text(note, field="note", max_length=5000)
    fresh = _locked(course)
    if fresh.status != CourseStatus.DRAFT:
        raise Conflict(_("Only a draft can be submitted for review."), field="status")
    problems = course_readiness(course=fresh)
    if problems:
        raise ValidationFailed(_("The course is not ready for review: %(p)s") % {"p": " ".join(problems)})
    now = timezone.now()
    fresh.status = CourseStatus.IN_REVIEW
    fresh.submitted_at = now
    fresh.save(update_fields=["status", "submitted_at", "updated_at"])
    review = CourseReview.objects.create(course=fresh, submitted_by=actor, submitted_at=now, note=note)
    course.status, course.submitted_at = fresh.status, fresh.submitted_at
    events.emit("course.submitted", actor=actor, obj=fresh, review_id=review.pk, version=fresh.version)
    return review


def _check_reviewer(actor: User, review: CourseReview) -> None:
    if not user_is_reviewer(user=actor):
        raise PermissionDenied(_("Only reviewers can decide on a course review."))
    if review.submitted_by_id == actor.pk or course_user_is_instructor(user=actor, course=review.course):
        raise PermissionDenied(_("You cannot review your own course."))


def _clean_checklist(checklist: dict[str, bool] | list[str]) -> dict[str, bool]:
    ticked = {key for key, value in checklist.items() if value} if isinstance(checklist, dict) else set(checklist)
    known = {key for key, _label in REVIEW_CHECKLIST}
    if unknown := sorted(ticked - known):
        raise ValidationFailed(_("Unknown checklist item: %(k)s") % {"k": ", ".join(unknown)}, field="checklist")
    return {key: key in ticked for key, _label in REVIEW_CHECKLIST}


def _open_review(review: CourseReview) -> tuple[CourseReview, Course]:
    fresh = CourseReview.objects.select_for_update().select_related("course").get(pk=review.pk)
    if fresh.decision != ReviewDecision.PENDING:
        raise Conflict(_("This review was already decided."))
    course = _locked(fresh.course)
    if course.status != CourseStatus.IN_REVIEW:
        raise Conflict(_("The course is no longer waiting for review."))
    fresh.course = course
    return fresh, course


@transaction.atomic
def review_approve(
    *, actor: User, review: CourseReview, checklist: dict[str, bool] | list[str], comments: str = ""
) -> CourseReview:
    """Approve: every checklist item ticked; the course is published as a new version."""
    _check_reviewer(actor, review)
    ticked = _clean_checklist(checklist)
    comments = _clean_text(comments, field="comments", max_length=10_000)
    if not all(ticked.values()):
        raise ValidationFailed(_("Tick every checklist item before approving."), field="checklist")
    review, course = _open_review(review)
    now = timezone.now()
    review.reviewer = actor
    review.decision = ReviewDecision.APPROVED
    review.checklist = ticked
    review.comments = comments
    review.decided_at = now
    review.save(update_fields=["reviewer", "decision", "checklist", "comments", "decided_at"])

    first_time = course.published_at is None
    course.status = CourseStatus.PUBLISHED
    course.published_at = course.published_at or now
    if not first_time:
        course.content_updated_at = now
    course.version += 1
    course.save(update_fields=["status", "published_at", "content_updated_at", "version", "updated_at"])
    with translation.override(course.language):
        summary = (
            _("First version published.")
            if first_time
            else _("Version %(v)s published after review.") % {"v": course.version}
        )
    CourseChange.objects.create(course=course, version=course.version, summary=summary, author=review.submitted_by)
    events.emit("course.review_decided", actor=actor, obj=course, review_id=review.pk, decision=review.decision)
    events.emit("course.published", actor=actor, obj=course, version=course.version, first_time=first_time)
    _search_reindex(course)
    return review


@transaction.atomic
def review_send_back(
    *, actor: User, review: CourseReview, comments: str, checklist: dict[str, bool] | list[str] | None = None
) -> CourseReview:
    """Send the course back to draft with comments the instructors will see."""
    _check_reviewer(actor, review)
    ticked = _clean_checklist(checklist or [])
    comments = _clean_text(comments, field="comments", max_length=10_000)
    if not comments:
        raise ValidationFailed(_("Tell the instructor what to change."), field="comments")
    review, course = _open_review(review)
    review.reviewer = actor
    review.decision = ReviewDecision.CHANGES_REQUESTED
    review.checklist = ticked
    review.comments = comments
    review.decided_at = timezone.now()
    review.save(update_fields=["reviewer", "decision", "checklist", "comments", "decided_at"])
    course.status = CourseStatus.DRAFT
    course.save(update_fields=["status", "updated_at"])
    events.emit("course.review_decided", actor=actor, obj=course, review_id=review.pk, decision=review.decision)
    return review


@transaction.atomic
def course_archive(*, actor: User, course: Course) -> Course:
    """Take a published course out of the catalog (enrolled learners keep access)."""
    _require_editor(actor, course)
    fresh = _locked(course)
    if fresh.status != CourseStatus.PUBLISHED:
        raise Conflict(_("Only a published course can be archived."), field="status")
    fresh.status = CourseStatus.ARCHIVED
    fresh.archived_at = timezone.now()
    fresh.save(update_fields=["status", "archived_at", "updated_at"])
    course.status, course.archived_at = fresh.status, fresh.archived_at
    events.emit("course.archived", actor=actor, obj=fresh)
    _search_reindex(fresh)
    return fresh


@transaction.atomic
def course_unarchive(*, actor: User, course: Course) -> Course:
    """Archived → draft, to rework the course and submit it again."""
    _require_editor(actor, course)
    fresh = _locked(course)
    if fresh.status != CourseStatus.ARCHIVED:
        raise Conflict(_("Only an archived course can go back to draft."), field="status")
    fresh.status = CourseStatus.DRAFT
    fresh.save(update_fields=["status", "updated_at"])
    course.status = fresh.status
    _emit_course_updated(actor, fresh, part="status", action="unarchived")
    _search_reindex(fresh)
    return fresh


@transaction.atomic
def course_change_record(*, actor: User, course: Course, summary: str) -> CourseChange:
    """Tell learners what changed in a published course: a new version in its changelog."""
    _require_editor(actor, course)
    summary = _clean_text(summary, field="summary", max_length=2000)
    if not summary:
        raise ValidationFailed(_("Describe what changed."), field="summary")
    fresh = _locked(course)
    if fresh.status != CourseStatus.PUBLISHED:
        raise Conflict(_("Record changes once the course is published."), field="status")
    fresh.version += 1
    fresh.content_updated_at = timezone.now()
    fresh.save(update_fields=["version", "content_updated_at", "updated_at"])
    change = CourseChange.objects.create(course=fresh, version=fresh.version, summary=summary, author=actor)
    course.version, course.content_updated_at = fresh.version, fresh.content_updated_at
    _emit_course_updated(actor, fresh, part="changelog", action="recorded", version=fresh.version)
    _search_reindex(fresh)
    return change

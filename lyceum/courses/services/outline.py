"""Modules and lessons: create, edit, delete, reorder, media uploads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.accounts.models import User
from lyceum.core import events
from lyceum.core.errors import PermissionDenied, ValidationFailed

from .. import media
from ..models import (
    Course,
    Lesson,
    LessonKind,
    Module,
    Quiz,
)
from ._common import MAX_BODY, _clean_line, _clean_release, _clean_text, _emit_course_updated, _require_editor, _touch
from .authoring import _delete_file_after_commit

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


@transaction.atomic
def lesson_set_withdrawn(*, actor: User | None, lesson: Lesson, withdrawn: bool, reason: str = "") -> Lesson:
    """Take a lesson down pending a copyright (侵权) review, or restore it. Only operators (or
    the system, ``actor`` None) do this; the course's own staff can still open it to fix it."""
    if actor is not None and not actor.has_role("operator"):
        raise PermissionDenied(_("Only operators can take lessons down."))
    clean_reason = str(reason or "").strip()[:200]
    if withdrawn and not clean_reason:
        raise ValidationFailed(_("Say why the lesson is taken down."), field="reason")
    locked = Lesson.objects.select_for_update().get(pk=lesson.pk)
    if (locked.withdrawn_at is not None) == withdrawn:
        return locked
    locked.withdrawn_at = timezone.now() if withdrawn else None
    locked.withdrawn_reason = clean_reason if withdrawn else ""
    locked.save(update_fields=["withdrawn_at", "withdrawn_reason", "updated_at"])
    events.emit(
        "lesson.withdrawn" if withdrawn else "lesson.restored",
        actor=actor,
        obj=locked,
        course=locked.course_id,
        reason=clean_reason,
    )
    return locked

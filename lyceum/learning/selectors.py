"""Reads for learning: who may open what, course outlines with the viewer's progress."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import connections, router
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from lyceum.accounts.models import Role
from lyceum.core.errors import NotFound, PermissionDenied
from lyceum.core.markdown import render_markdown
from lyceum.courses.models import Course, CourseStatus, Lesson, LessonKind, Module, Question, Quiz
from lyceum.courses.selectors import user_is_reviewer

from . import access_cache, outline_cache
from .models import Certificate, Enrollment, LessonProgress, QuizAttempt

outline_cache.connect()  # also done in LearningConfig.ready; connecting twice is a no-op


def _is_staff_for(user: Any, course: Course, instructor_ids: set[int]) -> bool:
    """Who sees every lesson whatever the course's status: the same people courses.selectors
    lets preview (editors, and designated reviewers while the course is in review), decided
    here from the already-fetched instructor list to keep the page's query count flat."""
    if not user.is_authenticated:
        return False
    if user.has_role(Role.OPERATOR):
        return True
    if user.pk in instructor_ids and user.has_role(Role.INSTRUCTOR):
        return True
    return course.status == CourseStatus.IN_REVIEW and user_is_reviewer(user=user)


def published_course_get(*, slug: str) -> Course:
    course = Course.objects.filter(slug=slug, status=CourseStatus.PUBLISHED).first()
    if course is None:
        raise NotFound(_("No such course."))
    return course


def enrollment_for(*, user: Any, course: Course) -> Enrollment | None:
    if not user.is_authenticated:
        return None
    return Enrollment.objects.filter(user=user, course=course).first()


class LessonWithdrawn(PermissionDenied):
    """A lesson taken down pending a copyright review: 451 Unavailable For Legal Reasons."""

    status = 451
    code = "withdrawn"


@dataclass(frozen=True)
class Access:
    allowed: bool
    reason: str = ""  # "", "enroll", "locked", "unpublished", "withdrawn"
    opens_at: datetime | None = None


def lesson_access(
    *, user: Any, lesson: Lesson, enrollment: Enrollment | None, is_course_staff: bool, now: datetime | None = None
) -> Access:
    """The one rule for opening a lesson (its page, API and media file)."""
    if is_course_staff:
        return Access(True)  # the course's instructors and operators still open a withdrawn lesson
    if lesson.withdrawn_at is not None:
        return Access(False, "withdrawn")
    course = lesson.course
    # Archived courses stay open to those enrolled; drafts are for their authors only.
    archived_but_enrolled = course.status == CourseStatus.ARCHIVED and enrollment is not None and enrollment.is_active
    if course.status != CourseStatus.PUBLISHED and not archived_but_enrolled:
        return Access(False, "unpublished")
    if lesson.is_preview and course.status == CourseStatus.PUBLISHED:
        return Access(True)
    if enrollment is None or not enrollment.is_active:
        return Access(False, "enroll")
    now = now or timezone.now()
    opens = [t for t in (lesson.module.opens_at(enrollment.created_at), lesson.opens_at(enrollment.created_at)) if t]
    if opens and max(opens) > now:
        return Access(False, "locked", max(opens))
    return Access(True)


@dataclass
class LessonRow:
    lesson: Lesson
    access: Access
    progress: LessonProgress | None


@dataclass
class ModuleRow:
    module: Module
    lessons: list[LessonRow] = field(default_factory=list)


@dataclass
class CoursePage:
    course: Course
    enrollment: Enrollment | None
    is_course_staff: bool
    modules: list[ModuleRow]
    instructors: list[Any]
    lesson_count: int
    total_seconds: int
    completed_count: int
    required_count: int
    # The token of the cached outline this page was built from (None: read from the database).
    outline_token: str | None = None

    @property
    def has_access(self) -> bool:
        return self.is_course_staff or (self.enrollment is not None and self.enrollment.is_active)

    def first_open_lesson(self) -> Lesson | None:
        for module in self.modules:
            for row in module.lessons:
                if row.access.allowed:
                    return row.lesson
        return None

    def lesson_sequence(self) -> list[Lesson]:
        return [row.lesson for module in self.modules for row in module.lessons]


def _course_queryset(outline_only: bool = False) -> QuerySet[Course]:
    outline = Prefetch(
        "modules",
        queryset=Module.objects.prefetch_related(
            Prefetch("lessons", queryset=Lesson.objects.order_by("position", "id"))
        ),
    )
    if outline_only:  # the lesson pages: the outline and who teaches (ids), not the catalog blurb
        return Course.objects.select_related("category").prefetch_related("course_instructors", outline)
    return Course.objects.select_related("category").prefetch_related(
        "tags",
        "course_instructors__user",
        Prefetch("prerequisites", queryset=Course.objects.filter(status=CourseStatus.PUBLISHED)),
        outline,
        "changes",
    )


_PROGRESS_FIELDS = [f.attname for f in LessonProgress._meta.concrete_fields]
_PROGRESS_SQL = "SELECT {} FROM {} WHERE user_id = %s AND course_id = %s".format(  # noqa: S608 - model metadata
    ", ".join(f.column for f in LessonProgress._meta.concrete_fields), LessonProgress._meta.db_table
)


def _progress_rows(user_id: int, course_id: int) -> list[LessonProgress]:
    """A learner's progress rows in a course. On every lesson page: the statement is written out
    once instead of compiled by the ORM per request (a third of the read's CPU)."""
    using = router.db_for_read(LessonProgress)
    with connections[using].cursor() as cursor:
        cursor.execute(_PROGRESS_SQL, [user_id, course_id])
        rows = cursor.fetchall()
    return [LessonProgress.from_db(using, _PROGRESS_FIELDS, row) for row in rows]


_COURSE_ID_BY_SLUG: dict[str, int] = {}  # per process; a wrong guess only costs a second round trip


def course_page(*, user: Any, slug: str, outline_only: bool = False) -> CoursePage:
    """A course with its outline, as this viewer may see it. Constant number of queries.
    ``outline_only`` leaves out the tags, prerequisites, change log and the instructors' user
    rows (``instructors`` is empty), takes the outline from the cache (``outline_cache``) and the
    viewer's enrollment row from ``access_cache``: then only their progress rows are read."""
    if outline_only:
        # Nothing personal in it: cached per course, retired by every outline change (outline_cache).
        # The viewer's enrollment row is read in the same round trip when the course id is known.
        guess = _COURSE_ID_BY_SLUG.get(slug)
        also = access_cache.enrollment_keys(user.pk, guess) if user.is_authenticated and guess else []
        course, outline_token, also_found = outline_cache.cached_outline_with(
            slug, lambda: _course_queryset(True).filter(slug=slug).first(), also
        )
    else:
        outline_token, also, also_found, guess = None, [], {}, None
        course = _course_queryset().filter(slug=slug).first()
    if course is None:
        raise NotFound(_("No such course."))
    instructor_links = list(course.course_instructors.all())
    is_staff = _is_staff_for(user, course, {link.user_id for link in instructor_links})
    if course.status in (CourseStatus.DRAFT, CourseStatus.IN_REVIEW) and not is_staff:
        raise NotFound(_("No such course."))
    if outline_only and user.is_authenticated:  # the lesson pages: the cached access row (access_cache)
        _COURSE_ID_BY_SLUG[slug] = course.pk
        enrollment_row = access_cache.enrollment_row(
            user_id=user.pk,
            course_id=course.pk,
            load=lambda course_id: _load_access_enrollment(user.pk, course_id),
            found=also_found if also and guess == course.pk else None,
        )
        enrollment: Enrollment | None = _from_row(Enrollment, enrollment_row) if enrollment_row else None
    else:
        enrollment = enrollment_for(user=user, course=course)
    if course.status == CourseStatus.ARCHIVED and not is_staff and enrollment is None:
        raise NotFound(_("No such course."))
    progress: dict[int, LessonProgress] = {}
    if user.is_authenticated:
        progress = {p.lesson_id: p for p in _progress_rows(user.pk, course.pk)}
    now = timezone.now()
    modules: list[ModuleRow] = []
    total_seconds = completed = required = count = 0
    for module in course.modules.all():
        row = ModuleRow(module)
        for lesson in module.lessons.all():
            lesson.course = course  # avoid a query per lesson in lesson_access
            lesson.module = module
            access = lesson_access(user=user, lesson=lesson, enrollment=enrollment, is_course_staff=is_staff, now=now)
            lesson_progress = progress.get(lesson.pk)
            row.lessons.append(LessonRow(lesson, access, lesson_progress))
            total_seconds += lesson.duration_seconds
            count += 1
            if lesson.is_required:
                required += 1
                if lesson_progress is not None and lesson_progress.completed_at is not None:
                    completed += 1
        modules.append(row)
    return CoursePage(
        course=course,
        enrollment=enrollment,
        is_course_staff=is_staff,
        modules=modules,
        # The outline-only page (lesson pages) does not show who teaches: no user rows in the cache.
        instructors=[] if outline_only else [link.user for link in instructor_links],
        lesson_count=count,
        total_seconds=total_seconds,
        completed_count=completed,
        required_count=required,
        outline_token=outline_token,
    )


@dataclass
class LessonContext:
    page: CoursePage
    lesson: Lesson
    progress: LessonProgress | None
    previous: Lesson | None
    next: Lesson | None


def lesson_get_for_user(*, user: Any, course_slug: str | None = None, lesson_id: int) -> LessonContext:
    """The permission-checked fetcher for a lesson: NotFound or PermissionDenied, never a leak."""
    if course_slug is None:
        course_slug = Lesson.objects.filter(pk=lesson_id).values_list("course__slug", flat=True).first()
        if course_slug is None:
            raise NotFound(_("No such lesson."))
    page = course_page(user=user, slug=course_slug, outline_only=True)  # a lesson of another course: below
    sequence = page.lesson_sequence()
    for module in page.modules:
        for row in module.lessons:
            if row.lesson.pk != lesson_id:
                continue
            if not row.access.allowed:
                raise _access_error(row.access)
            index = sequence.index(row.lesson)
            return LessonContext(
                page=page,
                lesson=row.lesson,
                progress=row.progress,
                previous=sequence[index - 1] if index > 0 else None,
                next=sequence[index + 1] if index + 1 < len(sequence) else None,
            )
    raise NotFound(_("No such lesson."))


def _access_error(access: Access) -> PermissionDenied:
    if access.reason == "withdrawn":
        return LessonWithdrawn(_("This lesson is unavailable while a copyright complaint about it is reviewed."))
    if access.reason == "locked" and access.opens_at:
        when = timezone.localtime(access.opens_at).strftime("%Y-%m-%d %H:%M")
        return PermissionDenied(_("This lesson opens on %(when)s.") % {"when": when}, code="locked")
    return PermissionDenied(_("Enroll in the course to open this lesson."), code="enrollment_required")


_OPEN_COLUMNS = {
    "lesson": ("id", "course_id", "module_id", "title", "kind", "duration_seconds", "is_preview", "is_required",
               "withdrawn_at", "release_at", "release_after_days"),
    "course": ("id", "slug", "title", "status"),
    "module": ("id", "release_at", "release_after_days"),
}  # fmt: skip
_ENROLLMENT_COLUMNS = ("id", "created_at", "access_until", "revoked_at", "completed_at", "source", "progress_percent")


def _row(instance: Any, names: tuple[str, ...]) -> access_cache.Row:
    """The named columns of ``instance`` in the model's column order (as ``Model.from_db`` wants)."""
    wanted = set(names)
    attnames = tuple(f.attname for f in type(instance)._meta.concrete_fields if f.attname in wanted)
    return attnames, tuple(getattr(instance, name) for name in attnames)


def _load_open_lesson(lesson_id: int) -> dict[str, access_cache.Row] | None:
    columns = [*_OPEN_COLUMNS["lesson"]]
    columns += [f"course__{name}" for name in _OPEN_COLUMNS["course"]]
    columns += [f"module__{name}" for name in _OPEN_COLUMNS["module"]]
    lesson = Lesson.objects.select_related("course", "module").only(*columns).filter(pk=lesson_id).first()
    if lesson is None:
        return None
    return {
        "lesson": _row(lesson, _OPEN_COLUMNS["lesson"]),
        "course": _row(lesson.course, _OPEN_COLUMNS["course"]),
        "module": _row(lesson.module, _OPEN_COLUMNS["module"]),
    }


def _load_access_enrollment(user_id: int, course_id: int) -> access_cache.Row | None:
    enrollment = (
        Enrollment.objects.only(*_ENROLLMENT_COLUMNS, "user_id", "course_id")
        .filter(user_id=user_id, course_id=course_id)
        .first()
    )
    return None if enrollment is None else _row(enrollment, (*_ENROLLMENT_COLUMNS, "user_id", "course_id"))


def _from_row(model: type[Any], row: access_cache.Row) -> Any:
    names, values = row
    return model.from_db("default", list(names), list(values))  # the other columns are deferred


def lesson_open_for_user(*, user: Any, lesson_id: int) -> Lesson:
    """The lesson alone (with its course and module), checked by the same rule and raising the same
    errors as ``lesson_get_for_user``, without building the course outline: for the hot writes
    (the player's progress heartbeat). The rows the rule reads come from ``access_cache`` (one
    cache round trip; the database on a miss); who is course staff is only asked when the learner
    rule says no. The instances carry only those columns (the others load on first use)."""
    authenticated = bool(getattr(user, "is_authenticated", False))
    user_id = user.pk if authenticated else None
    rows, enrollment_row = access_cache.access_rows(
        lesson_id=lesson_id,
        user_id=user_id,
        load_lesson=lambda: _load_open_lesson(lesson_id),
        load_enrollment=lambda course_id: _load_access_enrollment(user_id, course_id),  # type: ignore[arg-type]
    )
    if rows is None:
        raise NotFound(_("No such lesson."))
    lesson = _from_row(Lesson, rows["lesson"])
    course = lesson.course = _from_row(Course, rows["course"])
    lesson.module = _from_row(Module, rows["module"])
    enrollment = _from_row(Enrollment, enrollment_row) if enrollment_row else None
    staff: list[bool] = []

    def is_staff() -> bool:
        if not staff:
            instructor_ids = set(course.course_instructors.values_list("user_id", flat=True))
            staff.append(_is_staff_for(user, course, instructor_ids))
        return staff[0]

    if course.status in (CourseStatus.DRAFT, CourseStatus.IN_REVIEW) and not is_staff():
        raise NotFound(_("No such course."))
    if course.status == CourseStatus.ARCHIVED and enrollment is None and not is_staff():
        raise NotFound(_("No such course."))
    access = lesson_access(user=user, lesson=lesson, enrollment=enrollment, is_course_staff=False)
    if access.allowed or is_staff():
        return lesson
    raise _access_error(access)


LESSON_HTML_SECONDS = 24 * 3600


def lesson_body_html_key(*, lesson: Lesson) -> str | None:
    """The cache key of the lesson's rendered body (None: no body), for callers that read it
    together with other keys and pass what they found to ``lesson_body_html``."""
    text = lesson.body or ""
    return "lesson-html:" + hashlib.sha256(text.encode()).hexdigest() if text else None


def lesson_body_html(*, lesson: Lesson, found: dict[str, Any] | None = None) -> SafeString:
    """The lesson's Markdown as sanitised HTML. Rendering costs milliseconds per kilobyte, so the
    result is cached under a hash of the text itself: an edit is a new key, nothing to invalidate.
    ``found``: the result of a ``get_many`` that included ``lesson_body_html_key``."""
    key = lesson_body_html_key(lesson=lesson)
    if key is None:
        return mark_safe("")
    html = found.get(key) if found is not None else cache.get(key)
    if html is None:
        html = str(render_markdown(lesson.body))
        cache.set(key, html, timeout=LESSON_HTML_SECONDS)
    return mark_safe(html)  # noqa: S308 - render_markdown sanitised it (nh3) before it was cached


def quiz_for_lesson(*, lesson: Lesson) -> Quiz | None:
    if lesson.kind != LessonKind.QUIZ:
        return None
    return (
        Quiz.objects.filter(lesson=lesson)
        .prefetch_related(Prefetch("questions", queryset=Question.objects.prefetch_related("choices")))
        .first()
    )


def quiz_attempts_for(*, user: Any, quiz: Quiz) -> QuerySet[QuizAttempt]:
    return QuizAttempt.objects.filter(user=user, quiz=quiz)


def learner_enrollments(*, user: Any) -> list[Enrollment]:
    """My learning: active and completed enrollments, most recent activity first."""
    return list(
        Enrollment.objects.filter(user=user, revoked_at__isnull=True)
        .filter(Q(access_until__isnull=True) | Q(access_until__gt=timezone.now()) | Q(completed_at__isnull=False))
        .select_related("course", "last_lesson")
        .prefetch_related("course__course_instructors__user")
        .order_by("completed_at", "-last_activity_at", "-created_at")
    )


def learner_certificates(*, user: Any) -> QuerySet[Certificate]:
    return Certificate.objects.filter(user=user, revoked_at__isnull=True).select_related("course")


def certificate_get(*, code: str) -> Certificate:
    certificate = Certificate.objects.select_related("course", "user").filter(code=code.strip().upper()).first()
    if certificate is None:
        raise NotFound(_("No certificate has this code."))
    return certificate

"""Learning paths: load the catalogue and the learner for the planner (``paths.py``), start,
re-plan, stop and complete a learner's path, progress along it, curated paths, cycle report."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lyceum.accounts.models import LearnerProfile, Role, TopicInterest
from lyceum.core import events
from lyceum.core.errors import NotFound, PermissionDenied, ValidationFailed
from lyceum.courses.models import Course, CourseStatus, Lesson
from lyceum.learning.models import Enrollment

from . import paths
from .models import CuratedPath, CuratedPathStep, LearningPath, PathStatus

MAX_CURATED_STEPS = 20


# --- loading plain data for the planner ----------------------------------------------------------


def catalogue_load(*, published_only: bool = True) -> dict[int, paths.CourseNode]:
    """Every published course (or every course) as a ``CourseNode``: three queries."""
    courses = Course.objects.all()
    if published_only:
        courses = courses.filter(status=CourseStatus.PUBLISHED)
    rows = list(
        courses.values_list(
            "id", "title", "slug", "level", "category__topic__slug", "estimated_hours", "rating_avg",
            "rating_count", "enrollment_count", "language",
        )
    )  # fmt: skip
    ids = [r[0] for r in rows]
    prereqs: dict[int, list[int]] = defaultdict(list)
    for from_id, to_id in Course.prerequisites.through.objects.filter(from_course_id__in=ids).values_list(
        "from_course_id", "to_course_id"
    ):
        prereqs[from_id].append(to_id)
    lessons: dict[int, tuple[int, int]] = {
        cid: (total or 0, unmeasured)
        for cid, total, unmeasured in Lesson.objects.filter(course_id__in=ids)
        .values("course_id")
        .annotate(total=Sum("duration_seconds"), unmeasured=Count("id", filter=Q(duration_seconds=0)))
        .values_list("course_id", "total", "unmeasured")
    }
    out = {}
    for cid, title, slug, level, topic, hours, rating, rating_count, enrollments, language in rows:
        total, unmeasured = lessons.get(cid, (0, 0))
        seconds = [0] * unmeasured + ([total] if total else [])
        out[cid] = paths.CourseNode(
            id=cid, title=title, slug=slug, level=level, topic=topic or "",
            minutes=paths.course_minutes(lesson_seconds=seconds, estimated_hours=float(hours or 0)),
            rating=float(rating or 0), rating_count=rating_count, enrollments=enrollments, language=language,
            prerequisites=tuple(sorted(prereqs.get(cid, ()))),
        )  # fmt: skip
    return out


def weekly_minutes_default(*, user: Any) -> int:
    hours = LearnerProfile.objects.filter(user=user).values_list("weekly_hours", flat=True).first()
    return int(hours) * 60 if hours else paths.DEFAULT_WEEKLY_MINUTES


def learner_load(*, user: Any, weekly_minutes: int) -> paths.Learner:
    completed: set[int] = set()
    progress: dict[int, int] = {}
    for course_id, completed_at, percent in Enrollment.objects.filter(user=user).values_list(
        "course_id", "completed_at", "progress_percent"
    ):
        if completed_at is not None:
            completed.add(course_id)
        else:
            progress[course_id] = percent
    levels = dict(TopicInterest.objects.filter(profile__user=user).values_list("topic__slug", "level"))
    return paths.Learner(
        completed=frozenset(completed),
        progress=progress,
        levels=levels,
        language=getattr(user, "locale", "") or "",
        weekly_minutes=weekly_minutes,
    )


def _clean_weekly(weekly_minutes: Any) -> int:
    try:
        value = int(weekly_minutes)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Enter a whole number of minutes."), field="weekly_minutes") from None
    if not paths.MIN_WEEKLY_MINUTES <= value <= paths.MAX_WEEKLY_MINUTES:
        raise ValidationFailed(
            _("Choose between %(low)d and %(high)d minutes a week.")
            % {"low": paths.MIN_WEEKLY_MINUTES, "high": paths.MAX_WEEKLY_MINUTES},
            field="weekly_minutes",
        )
    return value


def _curated_course_ids(slug: str) -> list[int] | None:
    path = CuratedPath.objects.filter(slug=slug, is_published=True).first()
    if path is None:
        return None
    return list(path.steps.order_by("position").values_list("course_id", flat=True))


def plan_for(*, user: Any, goal: str, weekly_minutes: int | None = None, today: date | None = None) -> paths.Plan:
    """The plan for ``goal`` as things stand for ``user`` (nothing stored). ``ValidationFailed``
    on field ``goal`` for a malformed, unknown or unreachable goal."""
    weekly = _clean_weekly(weekly_minutes) if weekly_minutes is not None else weekly_minutes_default(user=user)
    try:
        parsed = paths.goal_parse(goal)
        curated = _curated_course_ids(parsed.slug) if parsed.kind == "curated" else None
        return paths.plan_build(
            goal=parsed,
            catalogue=catalogue_load(),
            learner=learner_load(user=user, weekly_minutes=weekly),
            start=today or timezone.localdate(),
            curated=curated,
        )
    except paths.PlanError as exc:
        messages = {
            "bad_goal": _("A goal is course:<id>, topic:<slug>:<level> or curated:<slug>."),
            "unknown_goal": _("There is no such course, topic or curated path."),
            "unreachable": _("Nothing published leads to this goal yet."),
        }
        raise ValidationFailed(messages[exc.code], code=exc.code, field="goal") from None


# --- a learner's path ----------------------------------------------------------------------------


def path_active(*, user: Any) -> LearningPath | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return LearningPath.objects.filter(user=user, status=PathStatus.ACTIVE).first()


@transaction.atomic
def path_start(*, user: Any, goal: str, weekly_minutes: int | None = None, now: datetime | None = None) -> LearningPath:
    """Start a path to ``goal`` (stopping the active one). Budget defaults to the survey's
    weekly hours."""
    now = now or timezone.now()
    plan = plan_for(user=user, goal=goal, weekly_minutes=weekly_minutes, today=timezone.localdate(now))
    if not plan.steps:
        raise ValidationFailed(_("You have already completed every course of this goal."), code="done", field="goal")
    for old in LearningPath.objects.select_for_update().filter(user=user, status=PathStatus.ACTIVE):
        _stop(old, now=now, reason="replaced")
    path = LearningPath.objects.create(
        user=user, goal=plan.goal, weekly_minutes=plan.weekly_minutes, plan=plan.to_json(), started_at=now
    )
    events.emit(
        "learning_path.started", actor=user, obj=path, goal=plan.goal, weekly_minutes=plan.weekly_minutes,
        steps=len(plan.steps), weeks=plan.total_weeks,
    )  # fmt: skip
    return path


def _stop(path: LearningPath, *, now: datetime, reason: str) -> None:
    path.status = PathStatus.ABANDONED
    path.finished_at = now
    path.save(update_fields=["status", "finished_at"])
    events.emit("learning_path.stopped", actor=path.user, obj=path, goal=path.goal, reason=reason)


@transaction.atomic
def path_stop(*, user: Any, path: LearningPath, now: datetime | None = None) -> None:
    if path.user_id != user.pk:
        raise NotFound(_("No such learning path."))
    path = LearningPath.objects.select_for_update().get(pk=path.pk)
    if path.status != PathStatus.ACTIVE:
        return
    _stop(path, now=now or timezone.now(), reason="learner")


@transaction.atomic
def path_replan(
    *, path: LearningPath, weekly_minutes: int | None = None, now: datetime | None = None, reason: str = "budget"
) -> LearningPath:
    """Plan again from today with what is done and under way, and the (new) budget."""
    now = now or timezone.now()
    path = LearningPath.objects.select_for_update().select_related("user").get(pk=path.pk)
    if path.status != PathStatus.ACTIVE:
        raise ValidationFailed(_("This path is not in progress."), code="not_active")
    weekly = _clean_weekly(weekly_minutes) if weekly_minutes is not None else path.weekly_minutes
    try:
        plan = plan_for(user=path.user, goal=path.goal, weekly_minutes=weekly, today=timezone.localdate(now))
    except ValidationFailed:
        # The goal vanished (course unpublished, curated path removed): keep the path as it is.
        raise
    previous = path.plan or {}
    data = plan.to_json()
    data["replans"] = int(previous.get("replans", 0)) + 1
    data["first_finish"] = previous.get("first_finish", previous.get("finish"))
    path.plan = data
    path.weekly_minutes = plan.weekly_minutes
    path.replanned_at = now
    path.save(update_fields=["plan", "weekly_minutes", "replanned_at"])
    events.emit(
        "learning_path.replanned", actor=path.user, obj=path, reason=reason, weekly_minutes=plan.weekly_minutes,
        weeks=plan.total_weeks,
    )  # fmt: skip
    if not plan.steps:
        path_complete(path=path, now=now)
    return path


@transaction.atomic
def path_complete(*, path: LearningPath, now: datetime | None = None) -> None:
    path = LearningPath.objects.select_for_update().get(pk=path.pk)
    if path.status != PathStatus.ACTIVE:
        return
    path.status = PathStatus.COMPLETED
    path.finished_at = now or timezone.now()
    path.save(update_fields=["status", "finished_at"])
    events.emit("learning_path.completed", actor=path.user, obj=path, goal=path.goal)


@dataclass
class StepState:
    course_id: int
    title: str
    slug: str
    minutes: int
    first_week: int
    last_week: int
    reason: str
    status: str  # done | in_progress | todo
    percent: int
    late: bool


@dataclass
class PathProgress:
    path: LearningPath
    plan: paths.Plan
    steps: list[StepState]
    current_week: int
    done: int
    percent: int
    next_step: StepState | None
    this_week: list[tuple[StepState, int]] = field(default_factory=list)
    behind: list[StepState] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.done == len(self.steps)


def path_progress(*, path: LearningPath, today: date | None = None) -> PathProgress:
    """Where the learner is along ``path``: one query (their enrollments in the path's courses)."""
    plan = paths.Plan.from_json(path.plan)
    ids = [s.course_id for s in plan.steps]
    rows = Enrollment.objects.filter(user_id=path.user_id, course_id__in=ids).values_list(
        "course_id", "completed_at", "progress_percent"
    )
    enrolled = {cid: (completed_at, percent) for cid, completed_at, percent in rows}
    week = plan.week_of(today or timezone.localdate())
    states = []
    for s in plan.steps:
        completed_at, percent = enrolled.get(s.course_id, (None, None))
        status = "done" if completed_at else ("in_progress" if percent is not None else "todo")
        states.append(
            StepState(
                s.course_id, s.title, s.slug, s.minutes, s.first_week, s.last_week, s.reason, status,
                100 if completed_at else (percent or 0), status != "done" and s.last_week < week,
            )
        )  # fmt: skip
    by_id = {s.course_id: s for s in states}
    this_week = []
    for w in plan.weeks:
        if w.number == week:
            this_week = [(by_id[i.course_id], i.minutes) for i in w.items if by_id[i.course_id].status != "done"]
    done = sum(1 for s in states if s.status == "done")
    return PathProgress(
        path=path,
        plan=plan,
        steps=states,
        current_week=week,
        done=done,
        percent=round(100 * done / len(states)) if states else 100,
        next_step=next((s for s in states if s.status != "done"), None),
        this_week=this_week,
        behind=[s for s in states if s.late],
    )


def paths_replan_behind(*, now: datetime | None = None) -> dict[str, int]:
    """The ``replan_paths`` job: complete active paths whose steps are all done, re-plan those
    that fell behind (a step due before this week is not done). Idempotent within a day: a
    path re-planned today starts today, so nothing is due yet."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"checked": 0, "replanned": 0, "completed": 0, "failed": 0}
    for path in LearningPath.objects.filter(status=PathStatus.ACTIVE).order_by("id").iterator():
        counts["checked"] += 1
        progress = path_progress(path=path, today=today)
        if progress.complete:
            path_complete(path=path, now=now)
            counts["completed"] += 1
        elif progress.behind:
            try:
                path_replan(path=path, now=now, reason="behind")
                counts["replanned"] += 1
            except ValidationFailed:
                counts["failed"] += 1
    return counts


def path_on_course_completed(event: Any) -> None:
    """``course.completed`` handler: the learner's active path completes with its last step."""
    if event.actor_id is None:
        return
    path = LearningPath.objects.filter(user_id=event.actor_id, status=PathStatus.ACTIVE).first()
    if path is not None and path_progress(path=path).complete:
        path_complete(path=path)


# --- curated paths -------------------------------------------------------------------------------


def curated_can_manage(*, user: Any, path: CuratedPath | None = None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.has_role(Role.OPERATOR):
        return True
    return user.has_role(Role.INSTRUCTOR) and (path is None or path.created_by_id == user.pk)


def _unique_slug(title: str, slug: str) -> str:
    base = slugify(slug or title)[:60].strip("-")
    if not base:
        base = "path"
    candidate = base
    if not slug and (base == "path" or CuratedPath.objects.filter(slug=base).exists()):
        candidate = f"{base}-{secrets.token_hex(3)}"
    return candidate


@transaction.atomic
def curated_path_save(
    *,
    actor: Any,
    title: str,
    course_ids: list[int],
    description: str = "",
    is_published: bool = True,
    path: CuratedPath | None = None,
    slug: str = "",
) -> CuratedPath:
    """Create (``path=None``) or edit a curated path: title, description and ordered courses."""
    if not curated_can_manage(user=actor, path=path):
        raise PermissionDenied(_("Only operators and the instructor who made it can edit this path."))
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(_("Give the path a title."), field="title")
    ordered = list(dict.fromkeys(int(c) for c in course_ids))
    if not ordered:
        raise ValidationFailed(_("Choose at least one course."), field="courses")
    if len(ordered) > MAX_CURATED_STEPS:
        raise ValidationFailed(_("A path has at most %(n)d courses.") % {"n": MAX_CURATED_STEPS}, field="courses")
    published = set(Course.objects.filter(pk__in=ordered, status=CourseStatus.PUBLISHED).values_list("pk", flat=True))
    if set(ordered) - published:
        raise ValidationFailed(_("Choose published courses only."), field="courses")
    created = path is None
    if path is None:
        new_slug = _unique_slug(title, slug)
        if CuratedPath.objects.filter(slug=new_slug).exists():
            raise ValidationFailed(_("This address is taken."), field="slug")
        path = CuratedPath(slug=new_slug, created_by=actor)
    path.title = title[:120]
    path.description = (description or "").strip()[:4000]
    path.is_published = is_published
    try:
        with transaction.atomic():
            path.save()
    except IntegrityError:
        raise ValidationFailed(_("This address is taken."), field="slug") from None
    path.steps.all().delete()
    CuratedPathStep.objects.bulk_create(
        CuratedPathStep(path=path, course_id=cid, position=i) for i, cid in enumerate(ordered)
    )
    events.emit("curated_path.saved", actor=actor, obj=path, created=created, courses=ordered)
    return path


def curated_path_get(*, slug: str, user: Any = None) -> CuratedPath:
    path = CuratedPath.objects.filter(slug=slug).first()
    if path is None or (not path.is_published and not curated_can_manage(user=user, path=path)):
        raise NotFound(_("No such path."))
    return path


def curated_paths_with_steps(*, published_only: bool = True, user: Any = None) -> list[CuratedPath]:
    """Curated paths with their steps and courses (two queries)."""
    qs = CuratedPath.objects.all()
    if published_only:
        qs = qs.filter(is_published=True)
    elif user is not None and not user.has_role(Role.OPERATOR):
        qs = qs.filter(created_by=user)
    from django.db.models import Prefetch

    return list(
        qs.prefetch_related(
            Prefetch("steps", queryset=CuratedPathStep.objects.select_related("course").order_by("position"))
        )
    )


# --- cycles for operators ------------------------------------------------------------------------


@dataclass
class CycleReport:
    courses: list[Course]
    dropped: list[tuple[Course, Course]]


def prerequisite_cycles() -> list[CycleReport]:
    """Prerequisite cycles among all courses (any status), with the edges the planner ignores."""
    catalogue = catalogue_load(published_only=False)
    cycles = paths.find_cycles(catalogue)
    if not cycles:
        return []
    _, dropped = paths.break_cycles(catalogue, cycles)
    courses = Course.objects.in_bulk({c for cycle in cycles for c in cycle})
    out = []
    for cycle in cycles:
        members = set(cycle)
        out.append(
            CycleReport(
                courses=[courses[c] for c in cycle],
                dropped=[(courses[a], courses[b]) for a, b in dropped if a in members],
            )
        )
    return out

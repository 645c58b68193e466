"""``/api/v1/me/learning-path``: plan a goal (without starting it), my active path with
progress, start a path. Only the signed-in learner's own path; visitors get 401."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from lyceum.core.errors import NotFound

from . import services_paths

router = Router(tags=["recommendations"])


class WeekItemOut(Schema):
    course_id: int
    minutes: int


class WeekOut(Schema):
    number: int
    start: date
    minutes: int
    items: list[WeekItemOut]


class StepOut(Schema):
    course_id: int
    title: str
    slug: str
    minutes: int
    reason: str
    first_week: int
    last_week: int
    status: str | None = None  # with progress: done | in_progress | todo
    percent: int | None = None
    late: bool | None = None


class PlanOut(Schema):
    goal: str
    weekly_minutes: int
    start: date
    finish: date | None
    total_minutes: int
    total_weeks: int
    steps: list[StepOut]
    weeks: list[WeekOut]
    skipped: list[int]
    missing: list[int]
    cycles: list[list[int]]


class ProgressOut(Schema):
    current_week: int
    done: int
    total: int
    percent: int
    next_course_id: int | None
    behind: list[int]


class PathOut(Schema):
    id: int | None = None
    status: str  # planned (a preview) | active
    started_at: Any = None
    plan: PlanOut
    progress: ProgressOut | None = None


class PathIn(Schema):
    goal: str
    weekly_minutes: int | None = None


def _plan_out(plan: Any) -> dict[str, Any]:
    data = plan.to_json()
    data["start"] = plan.start
    data["finish"] = plan.finish
    for w in data["weeks"]:
        w["start"] = date.fromisoformat(w["start"])
    return data


def _path_out(path: Any) -> dict[str, Any]:
    progress = services_paths.path_progress(path=path)
    plan = _plan_out(progress.plan)
    states = {s.course_id: s for s in progress.steps}
    for step in plan["steps"]:
        state = states[step["course_id"]]
        step.update(status=state.status, percent=state.percent, late=state.late)
    return {
        "id": path.pk,
        "status": path.status,
        "started_at": path.started_at,
        "plan": plan,
        "progress": {
            "current_week": progress.current_week,
            "done": progress.done,
            "total": len(progress.steps),
            "percent": progress.percent,
            "next_course_id": progress.next_step.course_id if progress.next_step else None,
            "behind": [s.course_id for s in progress.behind],
        },
    }


@router.get("/me/learning-path", response=PathOut, summary="My learning path, or the plan for a goal")
def me_learning_path_get(request: HttpRequest, goal: str | None = None, weekly_minutes: int | None = None) -> Any:
    """With ``goal`` (``course:<id>``, ``topic:<slug>:<level>``, ``curated:<slug>``): the plan
    for it as things stand, not started. Without: my active path with progress (404 if none)."""
    if goal is not None:
        plan = services_paths.plan_for(user=request.user, goal=goal, weekly_minutes=weekly_minutes)
        return {"status": "planned", "plan": _plan_out(plan)}
    path = services_paths.path_active(user=request.user)
    if path is None:
        raise NotFound(_("You have no learning path in progress."))
    return _path_out(path)


@router.post("/me/learning-path", response={201: PathOut}, summary="Start a learning path")
def me_learning_path_start(request: HttpRequest, payload: PathIn) -> Any:
    """Start a path to ``goal``; my active path, if any, is stopped. ``weekly_minutes``
    defaults to the weekly hours of my needs survey."""
    path = services_paths.path_start(user=request.user, goal=payload.goal, weekly_minutes=payload.weekly_minutes)
    return Status(201, _path_out(path))

"""Where learning paths show up on other apps' pages: the next step of my active path on the
home page and at the top of My learning (``core.hooks``), and path completion when the last
course is completed (``course.completed``)."""

from __future__ import annotations

from typing import Any

from lyceum.core import events, hooks


def next_step_section(*, user: Any, **_: Any) -> list[dict[str, Any]]:
    """My active path's next step, this week's plan and progress; two queries, none for visitors."""
    from .services_paths import path_active, path_progress

    path = path_active(user=user)
    if path is None:
        return []
    progress = path_progress(path=path)
    return [{"template": "recommendations/paths/_next_step_section.html", "progress": progress}]


def _on_course_completed(event: Any) -> None:
    from .services_paths import path_on_course_completed

    path_on_course_completed(event)


def register() -> None:
    hooks.provide("home_page.sections", next_step_section)
    hooks.provide("learning_dashboard.sections", next_step_section)
    events.on("course.completed")(_on_course_completed)

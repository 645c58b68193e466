"""Reads for live events."""

from __future__ import annotations

from typing import Any


def upcoming_events_for_course_page(*, course: Any, user: Any) -> list[dict[str, Any]]:
    """The ``course_page.sections`` hook: this course's upcoming events."""
    return []


def upcoming_events_for_home(*, user: Any) -> list[dict[str, Any]]:
    """The ``home_page.sections`` hook: the next community events."""
    return []

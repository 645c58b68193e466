"""Hook providers of the course recommender (registered by ``hooks.register``).

- ``home_page.sections``: "Recommended for you" for a signed-in learner (nothing for visitors);
- ``course_page.sections``: "Learners who took this also took" in the course page's side column.
"""

from __future__ import annotations

from typing import Any

from lyceum.core import hooks

HOME_LIMIT = 4
COURSE_LIMIT = 4


def recommended_for_home(*, user: Any) -> list[dict[str, Any]]:
    from .serving import recommendations_for_user

    if not getattr(user, "is_authenticated", False):
        return []
    items = recommendations_for_user(user=user, limit=HOME_LIMIT)
    if not items:
        return []
    return [{"template": "recommendations/recs/_home_section.html", "items": items}]


def also_took_for_course_page(*, course: Any, user: Any) -> list[dict[str, Any]]:
    from .serving import also_took_for_course

    courses = also_took_for_course(course=course, limit=COURSE_LIMIT)
    if not courses:
        return []
    return [{"template": "recommendations/recs/_course_section.html", "courses": courses}]


def register() -> None:
    hooks.provide("home_page.sections", recommended_for_home)
    hooks.provide("course_page.sections", also_took_for_course_page)

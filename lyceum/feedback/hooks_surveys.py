"""Hook providers of the surveys area (registered by FeedbackConfig.ready)."""

from __future__ import annotations

from typing import Any

from lyceum.core import hooks

HOME_LIMIT = 3


def surveys_for_home(*, user: Any, **_: Any) -> list[dict[str, Any]]:
    """``home_page.sections``: "A survey for you" — open surveys asking ``user`` that they have
    not answered. One query; none for visitors."""
    from .selectors.surveys import surveys_open_for

    if not getattr(user, "is_authenticated", False):
        return []
    surveys = surveys_open_for(user=user, unanswered_only=True)
    if not surveys:
        return []
    return [
        {
            "template": "feedback/surveys/_home_section.html",
            "surveys": surveys[:HOME_LIMIT],
            "more": len(surveys) > HOME_LIMIT,
        }
    ]


def register() -> None:
    hooks.provide("home_page.sections", surveys_for_home)

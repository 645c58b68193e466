"""``home_page.sections``: "Suggested for you" — groups, spaces, questions, discussions and events
for a signed-in learner (``suggestions.py``). Nothing for visitors or when there is nothing to say."""

from __future__ import annotations

from typing import Any

from lyceum.core import hooks

from .suggestions import suggestions_worded


def suggestions_for_home(*, user: Any, **_: Any) -> list[dict[str, Any]]:
    if not getattr(user, "is_authenticated", False):
        return []
    items = suggestions_worded(user=user)
    if not items:
        return []
    return [{"template": "recommendations/suggestions/_home_section.html", "items": items}]


def register() -> None:
    hooks.provide("home_page.sections", suggestions_for_home)

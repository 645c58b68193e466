"""Extension points: a lower app asks, higher apps answer, with no import pointing back.

The course page (``learning``) needs what ``commerce`` sells for a course, but
``learning`` may not import ``commerce``. ``commerce`` registers a provider in its
``AppConfig.ready()``::

    hooks.provide("course_page.offers", offers_for_course_page)

and the course page collects whatever is registered::

    offers = hooks.collect("course_page.offers", course=course, user=request.user)

Each provider returns a list; ``collect`` concatenates them in registration order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

HOOK_NAMES = frozenset(
    {
        # -> list of dicts the course page renders in its enrollment box (prices, buy links)
        "course_page.offers",
        # -> list of dicts {"template": ..., "context": {...}} rendered below the course outline
        "course_page.sections",
        # -> list of dicts {"template": ..., "context": {...}} rendered on the home page
        "home_page.sections",
        # -> list of dicts {"template": ..., "context": {...}} rendered at the top of My learning
        "learning_dashboard.sections",
        # -> list of membership plan slugs (product slugs) the user holds right now
        "member.active_plans",
        # -> list of ``core.screening.Verdict`` for a text a member is about to publish; a
        #    provider may raise an ``ApplicationError`` instead (muted, rules not accepted, limits)
        "content.screen",
        # -> list of dicts {"template": ..., "context": {...}} rendered on a member's public profile
        "member_profile.sections",
    }
)

_providers: dict[str, list[Callable[..., list[Any]]]] = defaultdict(list)


def provide(name: str, provider: Callable[..., list[Any]]) -> None:
    if name not in HOOK_NAMES:
        raise ValueError(f"unknown hook {name!r}")
    if provider not in _providers[name]:
        _providers[name].append(provider)


def collect(name: str, **kwargs: Any) -> list[Any]:
    if name not in HOOK_NAMES:
        raise ValueError(f"unknown hook {name!r}")
    results: list[Any] = []
    for provider in _providers.get(name, ()):
        results.extend(provider(**kwargs))
    return results

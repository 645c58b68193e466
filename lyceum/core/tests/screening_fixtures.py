"""Fixtures for apps whose tests check how they act on *a* screening verdict.

The real ``content.screen`` provider (moderation) judges new members, links and rules. The
community, feedback and accounts tests import these into their ``conftest.py``: they start
with no provider (``_no_screening_provider`` is autouse there) and install a fake with
``screen_as("hold")`` or ``screen_raises(error)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lyceum.core import hooks
from lyceum.core.screening import Verdict


@pytest.fixture(autouse=True)
def _no_screening_provider() -> Iterator[list[dict[str, Any]]]:
    saved = list(hooks._providers.get("content.screen", []))
    hooks._providers["content.screen"] = []
    calls: list[dict[str, Any]] = []
    yield calls
    hooks._providers["content.screen"] = saved


@pytest.fixture
def screen_as(_no_screening_provider: list[dict[str, Any]]) -> Callable[..., list[dict[str, Any]]]:
    """``screen_as("hold")``: every text gets that verdict; returns the calls the provider saw."""

    def install(action: str, score: float = 0.9) -> list[dict[str, Any]]:
        def provider(**kwargs: Any) -> list[Verdict]:
            _no_screening_provider.append(kwargs)
            return [Verdict(action=action, score=score, signals=({"rule": "test", "match": "x"},))]

        hooks._providers["content.screen"] = [provider]
        return _no_screening_provider

    return install


@pytest.fixture
def screen_raises(_no_screening_provider: list[dict[str, Any]]) -> Callable[[Exception], None]:
    """``screen_raises(PermissionDenied("Muted"))``: the provider refuses every text."""

    def install(error: Exception) -> None:
        def provider(**kwargs: Any) -> list[Verdict]:
            raise error

        hooks._providers["content.screen"] = [provider]

    return install

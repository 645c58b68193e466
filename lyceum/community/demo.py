"""Demo community: spaces with threads and answers, study groups with streaks, live events.

Runs after the accounts, courses, learning and commerce demos; each area seeds itself.
"""

from __future__ import annotations

from typing import Any


def seed(ctx: Any) -> None:
    from . import demo_events, demo_groups, demo_spaces

    demo_spaces.seed(ctx)
    demo_groups.seed(ctx)
    demo_events.seed(ctx)

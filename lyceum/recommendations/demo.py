"""Demo personalisation: interest profiles, curated paths, then a trained recommender.

Runs after the analytics demo (INSTALLED_APPS order), so every learner's history is in place.
"""

from __future__ import annotations

from typing import Any


def seed(ctx: Any) -> None:
    from . import demo_paths, demo_profile, demo_recs

    demo_profile.seed(ctx)
    demo_paths.seed(ctx)
    demo_recs.seed(ctx)

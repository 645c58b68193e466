"""Demo feedback: course reviews (with instructor replies and helpful votes) and surveys.

Runs after the learning, commerce and community demos.
"""

from __future__ import annotations

from typing import Any


def seed(ctx: Any) -> None:
    from . import demo_reviews, demo_surveys

    demo_reviews.seed(ctx)
    demo_surveys.seed(ctx)

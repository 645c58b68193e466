"""Click-through on recommendations: which placement and rank a learner followed.

Recommendation links go through ``/recommended/<course id>/?from=<placement>&rank=<n>``, which
records ``recommendation.clicked`` (course, placement, rank, the run that ranked it) for a
signed-in member and redirects to the course page. Operators and ``eval_recommender`` users get
the online counterpart of the offline metrics from these events (click-through by placement and
rank); visitors are redirected without a record.
"""

from __future__ import annotations

from typing import Any

from lyceum.core import events

from .models import RecommenderRun

PLACEMENTS = ("home", "course")
MAX_RANK = 50


def recommendation_click_record(*, user: Any, course: Any, placement: str, rank: int | None) -> bool:
    """Emit ``recommendation.clicked``; False (nothing recorded) for visitors and unknown placements."""
    if not getattr(user, "is_authenticated", False) or placement not in PLACEMENTS:
        return False
    run = (
        RecommenderRun.objects.filter(finished_at__isnull=False)
        .order_by("-started_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    rank = rank if rank is not None and 1 <= rank <= MAX_RANK else None
    events.emit("recommendation.clicked", actor=user, obj=course, placement=placement, rank=rank, run=run)
    return True

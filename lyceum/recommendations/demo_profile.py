"""Demo interest profiles: a few searches by the demo learner, then every learner's profile.

Idempotent: the searches are added once (by query), the profiles are rebuilt from scratch."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lyceum.accounts.models import User
from lyceum.core import events
from lyceum.core.models import Event

from .profile import profile_rebuild

DEMO_LEARNER = "learner@example.com"
SEARCHES = (("pandas 数据分析", 3, 4), ("python", 10, 7), ("machine learning", 20, 3))  # query, days ago, results


def seed(ctx: Any) -> None:
    learner = User.objects.filter(email=DEMO_LEARNER).first()
    if learner is not None:
        done = set(Event.objects.filter(actor=learner, name="catalog.searched").values_list("props__query", flat=True))
        for query, days, results in SEARCHES:
            if query not in done:
                at = ctx.now - timedelta(days=days, hours=2)
                events.emit("catalog.searched", actor=learner, at=at, query=query, results=results)
    written = profile_rebuild(now=ctx.now)
    ctx.stdout.write(f"  interest profiles: {written} topic affinities")

"""Synthetic learner histories for churn tests: UserDay rows with (or without) real signal.

Each learner has a motivation ``m``; on each day they are active with probability ``m``.
Churners decline over the three weeks before their last day (activity probability falls
towards zero), then stop. The model should find that; with the labels shuffled it must not.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from lyceum.accounts.models import User
from lyceum.analytics.models import UserDay
from lyceum.analytics.rollup import platform_tz


def build_history(*, learners: int = 240, days: int = 200, end: date, seed: int = 7, signal: bool = True) -> list[int]:
    """Create ``learners`` users and their daily activity over the ``days`` days ending on ``end``.

    With ``signal=False`` churners stop abruptly, with no decline before: nothing in the
    past predicts who leaves (but recency still would once they stopped, so tests of "no
    signal" shuffle the labels instead)."""
    rng = random.Random(seed)
    tz = platform_tz()
    start = end - timedelta(days=days - 1)
    users = User.objects.bulk_create(
        [
            User(
                email=f"churn{i:04d}@example.org",
                display_name=f"Churn {i}",
                date_joined=datetime.combine(start, time(9), tzinfo=tz) + timedelta(days=rng.randint(0, days // 2)),
            )
            for i in range(learners)
        ]
    )
    rows = []
    for user in users:
        joined = user.date_joined.astimezone(tz).date()
        motivation = rng.uniform(0.25, 0.8)
        churner = rng.random() < 0.5
        last = joined + timedelta(days=rng.randint(35, 200)) if churner else end
        decline = 21 if signal else 0
        day = joined
        while day <= min(last, end):
            left = (last - day).days
            p = motivation * (max(0.08, left / decline) if churner and left < decline else 1.0)
            if rng.random() < p:
                rows.append(
                    UserDay(day=day, user_id=user.pk, activities=rng.randint(1, 6),
                            study_seconds=int(p * rng.uniform(600, 3600)))
                )  # fmt: skip
            day += timedelta(days=1)
    UserDay.objects.bulk_create(rows, batch_size=2000)
    return [u.pk for u in users]

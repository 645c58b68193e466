"""Demo course recommendations: measure the recommender on the demo history, then train it.

Prints the offline evaluation line (hybrid against the popularity baseline, NDCG@10) and stores
every learner's recommendations and each course's similar courses (``engine/train.py``).
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def seed(ctx: Any) -> None:
    from .engine.evaluation import evaluate_database
    from .engine.train import train
    from .models import RecommenderRun

    latest = RecommenderRun.objects.filter(finished_at__isnull=False).order_by("-started_at").first()
    if latest is not None and latest.finished_at.date() == ctx.now.date():
        ctx.stdout.write(f"recommendations: run {latest.pk} is current")
        return  # a rerun the same day changes nothing

    report = evaluate_database()
    hybrid, baseline = report.row("hybrid"), report.row("popularity")
    ctx.stdout.write(
        f"recommendations: offline NDCG@10 hybrid {hybrid.ndcg or 0:.3f} vs popularity {baseline.ndcg or 0:.3f}, "
        f"HR@10 {hybrid.hr or 0:.3f} vs {baseline.hr or 0:.3f} ({hybrid.users} learners, leave-last-out)"
    )
    run = train()
    ctx.stdout.write(
        f"recommendations: run {run.pk}, {run.stats['recommendations']} recommendations for "
        f"{run.stats['learners']} learners, {run.stats['similar']} similar courses"
    )

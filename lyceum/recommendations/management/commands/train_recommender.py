from __future__ import annotations

import os
import time
from typing import Any

from django.core.management.base import BaseCommand

# implicit's ALS runs its own threads; a multi-threaded BLAS under it only slows it down
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


class Command(BaseCommand):
    help = (
        "Fit the course recommender on all history; store every active learner's top 20 with reasons "
        "and each course's similar courses as a new run (older runs' rows are deleted)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        from lyceum.recommendations.engine.train import train

        began = time.perf_counter()
        run = train(log=lambda message: self.stdout.write(message))
        s = run.stats
        self.stdout.write(
            f"run {run.pk}: {s['recommendations']} recommendations for {s['learners']} learners, "
            f"{s['similar']} similar courses; {time.perf_counter() - began:.1f} s"
        )

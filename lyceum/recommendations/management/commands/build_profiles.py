"""``manage.py build_profiles``: recompute every learner's interest profile (daily from run_jobs)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from lyceum.recommendations.profile import profile_rebuild


class Command(BaseCommand):
    help = "Rebuild the interest profile (TopicAffinity rows) of every active learner."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        written = profile_rebuild()
        self.stdout.write(f"build_profiles: {written} topic affinities in {time.monotonic() - started:.1f} s")

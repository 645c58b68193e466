"""Re-plan active learning paths that fell behind; complete those whose steps are all done."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lyceum.recommendations.services_paths import paths_replan_behind


class Command(BaseCommand):
    help = "Re-plan active learning paths that fell behind their schedule (daily job)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = paths_replan_behind()
        self.stdout.write(
            "learning paths: {checked} checked, {replanned} re-planned, {completed} completed, "
            "{failed} could not be re-planned".format(**counts)
        )

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lyceum.analytics.rollup import rollup_run


class Command(BaseCommand):
    help = "Fold new events into the analytics rollups (incremental; --full recomputes from scratch)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="drop the rollups and recompute from every event")

    def handle(self, *args: Any, **options: Any) -> None:
        began = time.perf_counter()
        result = rollup_run(full=options["full"])
        seconds = time.perf_counter() - began
        self.stdout.write(
            f"{result.events} event(s), {result.days} day(s) rebuilt in {seconds:.1f} s; "
            f"watermark {result.last_event_id}{' (full)' if result.full else ''}"
        )

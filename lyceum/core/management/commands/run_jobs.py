"""The embedded runtime's scheduler: run the periodic management commands on their intervals.

``make run`` starts it beside the development server, so event reminders go out, unpaid
orders expire and digests are mailed on a single machine with no Celery. In the scale-out
runtime Celery beat (or cron) runs the same commands instead; this process is then not
started. Every scheduled command is idempotent, so a restart or an overlap with another
scheduler sends nothing twice.

The schedule is ``settings.LYCEUM_JOBS``: ``(command name, interval in seconds)`` pairs.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.management import BaseCommand, call_command

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the periodic jobs of settings.LYCEUM_JOBS in a loop (embedded runtime; production uses Celery beat)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="run every job once and exit")
        parser.add_argument("--tick", type=float, default=15.0, help="seconds between schedule checks")

    def handle(self, *args: Any, once: bool = False, tick: float = 15.0, **options: Any) -> None:
        jobs: list[tuple[str, int]] = [(str(name), int(every)) for name, every in settings.LYCEUM_JOBS]
        next_run = {name: 0.0 for name, _every in jobs}
        if not once:
            self.stdout.write("jobs: " + ", ".join(f"{name} every {every}s" for name, every in jobs))
        while True:
            now = time.monotonic()
            for name, every in jobs:
                if now >= next_run[name]:
                    self._run(name)
                    next_run[name] = now + every
            if once:
                return
            time.sleep(tick)

    def _run(self, name: str) -> None:
        try:
            call_command(name, stdout=self.stdout, stderr=self.stderr)
        except Exception:  # one failing job must not stop the others
            logger.exception("scheduled job %s failed", name)

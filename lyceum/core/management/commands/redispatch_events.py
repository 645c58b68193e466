"""Publish again the events whose handlers the broker refused (``core.PendingDispatch``).

Runs every minute from ``settings.LYCEUM_JOBS`` (Celery beat, or ``run_jobs`` in the embedded
runtime). Idempotent: a row is deleted once its handlers were handed over.
"""

from __future__ import annotations

from typing import Any

from django.core.management import BaseCommand

from lyceum.core.events import pending_redispatch


class Command(BaseCommand):
    help = "Publish again the event dispatches that failed (broker outage); rows wait with backoff."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = pending_redispatch()
        if counts["dispatched"] or counts["failed"] or counts["left"]:
            self.stdout.write(
                f"redispatched {counts['dispatched']}, failed {counts['failed']}, still pending {counts['left']}"
            )

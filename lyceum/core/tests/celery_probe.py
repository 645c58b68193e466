"""A handler loaded into the integration tests' Celery worker only (``celery worker -I``).

It records each run of ``daily.checked_in``'s handlers as a file in
``LYCEUM_CELERY_PROBE_DIR`` and, when ``LYCEUM_CELERY_PROBE_HANG=1``, then hangs so the
test can kill the worker mid-task: the message was not acknowledged, the other handlers
(points) have already written. Registered after the apps' handlers (Django is set up
before ``-I`` modules are imported), so it runs last. Without the variable it does nothing.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from lyceum.core import events
from lyceum.core.models import Event

PROBE_DIR = os.environ.get("LYCEUM_CELERY_PROBE_DIR", "")


def probe(event: Event) -> None:
    runs = Path(PROBE_DIR)
    runs.mkdir(parents=True, exist_ok=True)
    attempt = len(list(runs.glob(f"{event.pk}-*"))) + 1
    (runs / f"{event.pk}-{attempt}").write_text(str(os.getpid()))
    if os.environ.get("LYCEUM_CELERY_PROBE_HANG") == "1":
        time.sleep(600)


if PROBE_DIR:
    events.on("daily.checked_in")(probe)

"""Celery application.

Celery is only used when ``CELERY_BROKER_URL`` is set (scale-out runtime). In the
embedded default every task runs in-process (``task_always_eager``), so ``make run``
needs no broker and no worker.

``make worker`` runs ``celery -A config worker`` (event handlers, e-mails, the periodic
jobs beat sends); ``make beat`` runs ``celery -A config beat``, whose schedule is
``settings.LYCEUM_JOBS``: every ``(command, seconds)`` pair becomes a periodic
``lyceum.core.tasks.run_job`` call (see ``beat_schedule``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from celery import Celery
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

RUN_JOB_TASK = "lyceum.core.tasks.run_job"


def beat_schedule(jobs: Iterable[tuple[str, int]]) -> dict[str, dict[str, Any]]:
    """One beat entry per periodic job. A tick that no worker picked up before the next one
    is due expires rather than piling up behind a stopped worker."""
    schedule: dict[str, dict[str, Any]] = {}
    for name, every in jobs:
        schedule[f"job:{name}"] = {
            "task": RUN_JOB_TASK,
            "schedule": float(every),
            "args": (str(name),),
            "options": {"expires": float(every)},
        }
    return schedule


app = Celery("lyceum")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.beat_schedule = beat_schedule(settings.LYCEUM_JOBS)
app.autodiscover_tasks()

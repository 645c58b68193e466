"""Celery application.

Celery is only used when ``CELERY_BROKER_URL`` is set (scale-out runtime). In the
embedded default every task runs in-process (``task_always_eager``), so ``make run``
needs no broker and no worker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("lyceum")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

"""Celery tasks: the events channel's handlers, e-mail (core/mail.py) and the periodic jobs.

All are safe to run twice: Celery acknowledges a message only after the task returned
(``acks_late``), so a worker killed mid-task has the message delivered again, and every
handler and every job in ``settings.LYCEUM_JOBS`` is idempotent (unique keys on points,
notification dedupe keys, "once per day" digests...).
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command

from lyceum.core.errors import ApplicationError, NotFound
from lyceum.core.events import event_dispatch
from lyceum.core.mail import MailPermanentlyRefused, mail_deliver

logger = logging.getLogger(__name__)

JOB_LOCK_PREFIX = "lyceum:job-lock:"


@shared_task(
    name="lyceum.core.tasks.event_dispatch_task",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def event_dispatch_task(event_id: int) -> int:
    # A failing handler is logged inside and never fails the task; what is retried here is
    # the database being away (the event row could not be read).
    return event_dispatch(event_id=event_id)


@contextmanager
def job_lock(name: str) -> Iterator[bool]:
    """Hold the periodic job ``name``'s lock (``cache.add`` is atomic: SET NX on Redis).

    Yields whether this caller got it. Two beats, or a tick arriving while a slow run is
    still going, find it taken. The lock expires after ``LYCEUM_JOB_LOCK_SECONDS`` so a run
    killed with the lock held does not block the job for good. While Redis is unreachable the
    cache fails open (``core.cache.ResilientRedisCache.add`` answers True): runs are then not
    kept apart, which the jobs' idempotence makes harmless.
    """
    key = JOB_LOCK_PREFIX + name
    token = uuid.uuid4().hex
    acquired = bool(cache.add(key, token, timeout=settings.LYCEUM_JOB_LOCK_SECONDS))
    try:
        yield acquired
    finally:
        if acquired and cache.get(key) == token:
            cache.delete(key)


def job_run(name: str) -> str:
    """Run the periodic job ``name`` (a management command in ``settings.LYCEUM_JOBS``) unless
    another run holds its lock. Returns ``"ran"`` or ``"skipped"``."""
    if name not in {str(job) for job, _every in settings.LYCEUM_JOBS}:
        raise NotFound(f"{name!r} is not a periodic job in settings.LYCEUM_JOBS", code="unknown_job")
    with job_lock(name) as acquired:
        if not acquired:
            logger.info("periodic job %s is already running; this tick is skipped", name)
            return "skipped"
        call_command(name)
    return "ran"


@shared_task(
    name="lyceum.core.tasks.run_job",
    acks_late=True,
    autoretry_for=(Exception,),
    dont_autoretry_for=(ApplicationError,),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=5,
)
def run_job(name: str) -> str:
    """Celery beat's entry point for ``settings.LYCEUM_JOBS`` (``config.celery.beat_schedule``)."""
    return job_run(name)


@shared_task(
    name="lyceum.core.tasks.mail_send_task",
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    dont_autoretry_for=(MailPermanentlyRefused,),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=8,
)
def mail_send_task(message_id: str, payload: dict[str, Any]) -> bool:
    """Send one e-mail queued by ``core.mail.mail_send``; once per ``message_id`` however often
    the task runs. SMTP errors and a mail server that is away retry with backoff."""
    try:
        return mail_deliver(message_id=message_id, payload=payload)
    except MailPermanentlyRefused:
        logger.error("mail %s was refused for good; not retried", message_id)
        return False

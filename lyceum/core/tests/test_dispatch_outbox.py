"""Event dispatches the broker refused are kept (core.PendingDispatch) and published again by the
``redispatch_events`` job once the broker is back; the handlers then run exactly once."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from config.celery import app
from lyceum.core import events, tasks
from lyceum.core.models import Event, PendingDispatch

BROKER = "redis://127.0.0.1:1/0"  # nothing listens there


@pytest.fixture
def ran(monkeypatch):
    """A clean handler registry with one handler on ``survey.skipped`` recording what it saw."""
    monkeypatch.setattr(events, "_handlers", events.defaultdict(list))
    seen: list[int] = []
    events.on("survey.skipped")(lambda e: seen.append(e.pk))
    return seen


class Broker:
    """``event_dispatch_task.delay`` as a broker that refuses, then (``up = True``) delivers to a
    worker (the task body runs here, as a worker would run it)."""

    def __init__(self) -> None:
        self.up = False
        self.published: list[int] = []

    def delay(self, event_id: int) -> None:
        if not self.up:
            raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")
        self.published.append(event_id)
        tasks.event_dispatch_task.apply(args=(event_id,))


@pytest.fixture
def broker(monkeypatch, settings):
    settings.CELERY_BROKER_URL = BROKER
    fake = Broker()
    monkeypatch.setattr(tasks.event_dispatch_task, "delay", fake.delay)
    return fake


def _emit(learner, django_capture_on_commit_callbacks) -> Event:
    with django_capture_on_commit_callbacks(execute=True):
        return events.emit("survey.skipped", actor=learner)


def test_a_refused_publish_is_recorded_and_the_handlers_wait(learner, ran, broker, django_capture_on_commit_callbacks):
    event = _emit(learner, django_capture_on_commit_callbacks)

    pending = PendingDispatch.objects.get()
    assert pending.event_id == event.pk
    assert pending.attempts == 1
    assert "OperationalError" in pending.last_error
    assert pending.next_attempt_at > pending.failed_at
    assert ran == []


def test_the_job_redispatches_once_the_broker_is_back_and_handlers_run_once(
    learner, ran, broker, django_capture_on_commit_callbacks
):
    event = _emit(learner, django_capture_on_commit_callbacks)
    later = timezone.now() + timedelta(minutes=2)

    broker.up = True
    counts = events.pending_redispatch(now=later)

    assert counts == {"dispatched": 1, "failed": 0, "left": 0}
    assert broker.published == [event.pk]
    assert ran == [event.pk]
    assert not PendingDispatch.objects.exists()

    # the next runs find nothing: the handlers are not run again
    assert events.pending_redispatch(now=later + timedelta(minutes=5))["dispatched"] == 0
    call_command("redispatch_events")
    assert ran == [event.pk]


def test_a_row_is_not_retried_before_its_backoff(learner, ran, broker, django_capture_on_commit_callbacks):
    _emit(learner, django_capture_on_commit_callbacks)
    broker.up = True

    counts = events.pending_redispatch(now=timezone.now())

    assert counts == {"dispatched": 0, "failed": 0, "left": 1}
    assert broker.published == []
    assert ran == []


def test_while_the_broker_stays_down_attempts_grow_and_the_wait_doubles(
    learner, ran, broker, django_capture_on_commit_callbacks
):
    _emit(learner, django_capture_on_commit_callbacks)
    _emit(learner, django_capture_on_commit_callbacks)
    now = timezone.now() + timedelta(minutes=2)

    counts = events.pending_redispatch(now=now)

    # the first failure ends the run: the broker is still away, the second row is not tried
    assert counts == {"dispatched": 0, "failed": 1, "left": 2}
    first, second = PendingDispatch.objects.order_by("event_id")
    assert first.attempts == 2
    assert first.next_attempt_at == now + timedelta(minutes=2)
    assert second.attempts == 1
    assert ran == []

    assert events.redispatch_delay(1) == timedelta(minutes=1)
    assert events.redispatch_delay(3) == timedelta(minutes=4)
    assert events.redispatch_delay(30) == timedelta(hours=1)


def test_without_a_broker_the_job_runs_the_handlers_in_process(
    learner, ran, broker, settings, django_capture_on_commit_callbacks
):
    event = _emit(learner, django_capture_on_commit_callbacks)
    settings.CELERY_BROKER_URL = ""  # the broker was switched off since

    counts = events.pending_redispatch(now=timezone.now() + timedelta(minutes=2))

    assert counts["dispatched"] == 1
    assert broker.published == []
    assert ran == [event.pk]
    assert not PendingDispatch.objects.exists()


def test_a_row_another_run_claimed_is_skipped(learner, ran, broker, django_capture_on_commit_callbacks):
    _emit(learner, django_capture_on_commit_callbacks)
    broker.up = True
    now = timezone.now() + timedelta(minutes=2)
    pending = PendingDispatch.objects.get()
    original = PendingDispatch.objects.filter

    def claimed_meanwhile(*args, **kwargs):
        # another run claims the row between this run's listing and its claim
        if "next_attempt_at" in kwargs and "pk" in kwargs:
            original(pk=pending.pk).update(next_attempt_at=now + timedelta(minutes=5))
        return original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(PendingDispatch.objects, "filter", claimed_meanwhile)
        counts = events.pending_redispatch(now=now)

    assert counts["dispatched"] == 0
    assert broker.published == []
    assert ran == []


def test_an_emit_in_a_rolled_back_transaction_leaves_nothing(learner, ran, broker, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        events.emit("survey.skipped", actor=learner)
        raise RuntimeError("the request failed")

    assert callbacks == []
    assert not Event.objects.filter(name="survey.skipped").exists()
    assert not PendingDispatch.objects.exists()
    assert events.pending_redispatch(now=timezone.now() + timedelta(hours=1))["dispatched"] == 0
    assert ran == []


def test_an_event_without_handlers_is_never_published(learner, ran, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        events.emit("survey.completed", actor=learner)

    assert not PendingDispatch.objects.exists()


def test_redispatch_runs_every_minute_on_beat():
    assert ("redispatch_events", 60) in settings.LYCEUM_JOBS
    entry = app.conf.beat_schedule["job:redispatch_events"]
    assert entry["args"] == ("redispatch_events",)
    assert entry["schedule"] == 60.0


def test_a_real_publish_to_a_closed_port_raises_what_dispatch_catches():
    """Not a mock: kombu against a port nothing listens on raises OperationalError (which
    ``_dispatch`` catches), quickly, with publish retries off."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with app.connection_for_write(BROKER) as conn, pytest.raises(OperationalError):
            tasks.event_dispatch_task.apply_async(args=(1,), connection=conn, retry=False)
    finally:
        app.conf.task_always_eager = eager


# --- for real: kombu against a closed port, then Redis and a worker process -------------------------


@pytest.fixture
def celery_broker(settings):
    """``point(url)`` sends this process's tasks to ``url`` on a queue no other worker listens to."""
    from lyceum.core.tests.test_celery_worker import _forget_connections

    name = f"lyceum-test-{uuid.uuid4().hex[:12]}"
    keys = ("broker_url", "task_always_eager", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}

    def point(url: str) -> str:
        settings.CELERY_BROKER_URL = url
        app.conf.update(broker_url=url, task_always_eager=False, task_default_queue=name)
        _forget_connections()
        return name

    try:
        yield point
    finally:
        _forget_connections()
        app.conf.update(saved)
        with app.connection_for_write(os.environ["REDIS_URL"]) as conn:
            conn.default_channel.client.delete(name)


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis as the broker: set REDIS_URL")
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the worker process must see the test's database: set DATABASE_URL to PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_a_real_broker_outage_then_a_worker_runs_the_handlers_once(tmp_path, celery_broker):
    from conftest import make_user
    from lyceum.core.tests.test_celery_worker import DAY, Worker, _points, _runs, _wait, running

    member = make_user("outage-member@example.org")  # signed up before the outage
    celery_broker(BROKER)  # nothing listens there: kombu raises after its short publish retries

    event = events.emit("daily.checked_in", actor=member, day=DAY)  # autocommit: dispatched now

    assert PendingDispatch.objects.filter(event=event).exists()
    assert _points(member) == 0

    queue = celery_broker(os.environ["REDIS_URL"])  # the broker is back
    with running(Worker(tmp_path, queue, "outage")):
        counts = events.pending_redispatch(now=timezone.now() + timedelta(minutes=2))
        assert counts["dispatched"] == 1 and counts["left"] == 0
        _wait(lambda: _points(member) == 1, "the worker to award the check-in points")
        _wait(lambda: _runs(tmp_path, event.pk), "the worker to finish the event's handlers")
        assert events.pending_redispatch(now=timezone.now() + timedelta(hours=1))["dispatched"] == 0

    assert _points(member) == 1
    assert [run.name for run in _runs(tmp_path, event.pk)] == [f"{event.pk}-1"]

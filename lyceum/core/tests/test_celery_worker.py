"""A real Celery worker on Redis runs the events channel's handlers, and a worker killed
mid-task has the message delivered again without duplicating the side effect (points).

The worker is a subprocess (``celery -A config worker --pool=solo``) on a queue of its own,
pointed at this test's PostgreSQL database; the test emits through ``core.events.emit``
with ``CELERY_BROKER_URL`` set, exactly as a web process does.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from kombu import pools

from config.celery import app
from conftest import make_user
from lyceum.core import events

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis as the broker: set REDIS_URL"),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="the worker process must see the test's database: set DATABASE_URL to PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]

CELERY = str(Path(sys.executable).with_name("celery"))
DAY = "2026-11-25"


def _database_url() -> str:
    """This test's database (``test_<name>``), for the worker process."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait(condition: Callable[[], object], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout:.0f} s waiting for {what}"
        time.sleep(0.2)


class Worker:
    def __init__(self, tmp_path: Path, queue: str, name: str, **env: str) -> None:
        self.log = tmp_path / f"worker-{name}.log"
        worker_env = {k: v for k, v in os.environ.items() if k != "MAKEFLAGS"}
        worker_env.update(
            DATABASE_URL=_database_url(),
            CELERY_BROKER_URL=os.environ["REDIS_URL"],
            LYCEUM_VAR_DIR=str(tmp_path / "var"),
            LYCEUM_CELERY_PROBE_DIR=str(tmp_path / "probe"),
            LYCEUM_EMAIL_BACKEND="console",
        )
        worker_env.update(env)
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [
                    CELERY, "-A", "config", "worker", "--pool=solo", "-Q", queue, "-n", f"{queue}-{name}@%h",
                    "-I", "lyceum.core.tests.celery_probe", "--without-gossip", "--without-mingle",
                    "--without-heartbeat", "--loglevel=INFO",
                ],
                cwd=settings.BASE_DIR, env=worker_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        _wait(self.ready, f"worker {name} to start ({self.log})")

    def ready(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()
        return " ready." in self.log.read_text()

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, nothing acknowledged or given back to the broker."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def _forget_connections() -> None:
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.__dict__.pop("amqp", None)
    pools.reset()


@pytest.fixture
def queue(settings) -> Iterator[str]:
    """Send this process's tasks to the Redis broker on a queue no other worker listens to."""
    name = f"lyceum-test-{uuid.uuid4().hex[:12]}"
    broker = os.environ["REDIS_URL"]
    keys = ("broker_url", "task_always_eager", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}
    settings.CELERY_BROKER_URL = broker  # core.events._dispatch sends to Celery
    app.conf.update(broker_url=broker, task_always_eager=False, task_default_queue=name)
    _forget_connections()  # queues, router and pools are built again from the new configuration
    try:
        yield name
    finally:
        _forget_connections()
        app.conf.update(saved)
        with app.connection_for_write(broker) as conn:
            conn.default_channel.client.delete(name, f"{name}\x06\x163", f"{name}\x06\x166", f"{name}\x06\x169")


@contextmanager
def running(worker: Worker) -> Iterator[Worker]:
    try:
        yield worker
    finally:
        worker.stop()


def _points(user) -> int:
    point_entry = apps.get_model("engagement", "PointEntry")
    return point_entry.objects.filter(user=user, action="daily_checkin", source_key=f"day:{DAY}").count()


def _runs(tmp_path: Path, event_id: int) -> list[Path]:
    return sorted((tmp_path / "probe").glob(f"{event_id}-*"))


def test_a_worker_runs_the_handlers_of_an_emitted_event(tmp_path, queue):
    member = make_user("worker-member@example.org")  # its sign-up events queue up for the worker too
    with running(Worker(tmp_path, queue, "a")):
        event = events.emit("daily.checked_in", actor=member, day=DAY)
        _wait(lambda: _points(member) == 1, "the worker to award the check-in points")
        _wait(lambda: _runs(tmp_path, event.pk), "the worker to finish the event's handlers")
    assert _points(member) == 1
    assert [run.name for run in _runs(tmp_path, event.pk)] == [f"{event.pk}-1"]
    assert str(os.getpid()) not in {run.read_text() for run in _runs(tmp_path, event.pk)}  # not in-process


def test_a_worker_killed_mid_task_has_it_redelivered_and_the_points_are_awarded_once(tmp_path, queue):
    member = make_user("killed-worker-member@example.org")
    # The broker gives an unacknowledged message back after 2 s and checks every second.
    fast_redelivery = '{"visibility_timeout": 2, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}'

    first = Worker(tmp_path, queue, "first", LYCEUM_CELERY_PROBE_HANG="1", LYCEUM_CELERY_BROKER_OPTIONS=fast_redelivery)
    with running(first):
        event = events.emit("daily.checked_in", actor=member, day=DAY)
        # The points handler ran and committed; the probe after it hangs: the task is mid-way.
        _wait(lambda: _runs(tmp_path, event.pk), "the first worker to start the task")
        assert _points(member) == 1
        first.kill()

    with running(Worker(tmp_path, queue, "second", LYCEUM_CELERY_BROKER_OPTIONS=fast_redelivery)):
        _wait(lambda: len(_runs(tmp_path, event.pk)) == 2, "the broker to redeliver the task to the second worker")

    runs = _runs(tmp_path, event.pk)
    assert runs[0].read_text() != runs[1].read_text()  # two worker processes ran it
    assert _points(member) == 1  # ...and the member got the check-in points once

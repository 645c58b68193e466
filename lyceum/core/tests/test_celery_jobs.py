"""Celery beat's periodic jobs: the schedule is settings.LYCEUM_JOBS, run_job runs one
command under a lock, refuses unknown names and retries a failing command."""

from __future__ import annotations

import threading
from unittest import mock

import pytest
from django.conf import settings

from config.celery import RUN_JOB_TASK, app, beat_schedule
from lyceum.core import tasks
from lyceum.core.errors import NotFound
from lyceum.core.tasks import job_lock, job_run, run_job


def test_the_beat_schedule_is_exactly_lyceum_jobs():
    schedule = app.conf.beat_schedule
    assert sorted((entry["args"][0], entry["schedule"]) for entry in schedule.values()) == sorted(
        (name, float(every)) for name, every in settings.LYCEUM_JOBS
    )
    assert {entry["task"] for entry in schedule.values()} == {RUN_JOB_TASK}
    assert RUN_JOB_TASK in app.tasks


def test_a_tick_nobody_picked_up_expires_before_the_next_one():
    schedule = beat_schedule([("expire_orders", 300)])
    assert schedule == {
        "job:expire_orders": {
            "task": RUN_JOB_TASK,
            "schedule": 300.0,
            "args": ("expire_orders",),
            "options": {"expires": 300.0},
        }
    }


def test_tasks_ack_late_and_back_off_when_they_retry():
    for task in (run_job, tasks.event_dispatch_task):
        assert task.acks_late is True
        assert task.retry_backoff and task.max_retries
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


@pytest.mark.django_db
def test_run_job_runs_the_management_command():
    with mock.patch.object(tasks, "call_command", wraps=tasks.call_command) as command:
        assert run_job.delay("expire_orders").get() == "ran"
    command.assert_called_once_with("expire_orders")


def test_run_job_refuses_a_name_that_is_not_a_periodic_job():
    with mock.patch.object(tasks, "call_command") as command, pytest.raises(NotFound) as refused:
        run_job.delay("flush").get()
    assert refused.value.code == "unknown_job"
    command.assert_not_called()


def test_a_failing_job_is_retried_until_it_succeeds():
    outcomes = [RuntimeError("database away"), RuntimeError("still away"), None]

    def flaky(name):
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome

    # apply() runs the retries in-process (a worker waits the backoff between them) when
    # eager errors do not propagate.
    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    try:
        with mock.patch.object(tasks, "call_command", side_effect=flaky) as command:
            result = run_job.apply(args=("expire_orders",))
    finally:
        app.conf.task_eager_propagates = propagates
    assert result.get() == "ran"
    assert command.call_count == 3
    # Each attempt released the lock, so the retry could take it.
    with job_lock("expire_orders") as acquired:
        assert acquired


def test_a_second_run_while_the_first_is_running_is_skipped():
    started, finish = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow(name):
        calls.append(name)
        started.set()
        assert finish.wait(10)

    results: list[str] = []
    with mock.patch.object(tasks, "call_command", side_effect=slow):
        first = threading.Thread(target=lambda: results.append(job_run("send_notification_digest")))
        first.start()
        assert started.wait(10)
        assert job_run("send_notification_digest") == "skipped"
        # Another job is not held up by this one's lock.
        finish.set()
        first.join(10)
        assert job_run("expire_orders") == "ran"
    assert results == ["ran"]
    assert calls == ["send_notification_digest", "expire_orders"]


def test_the_lock_is_free_again_after_a_run_and_after_a_failure():
    with mock.patch.object(tasks, "call_command", side_effect=RuntimeError("boom")), pytest.raises(RuntimeError):
        job_run("expire_orders")
    with job_lock("expire_orders") as acquired:
        assert acquired
        with job_lock("expire_orders") as again:
            assert not again

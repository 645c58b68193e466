import logging

import pytest
from django.db import transaction

from lyceum.core import events
from lyceum.core.models import Event


@pytest.fixture
def handler_registry(monkeypatch):
    """A clean handler registry for one test."""
    registry: dict = {}
    monkeypatch.setattr(events, "_handlers", events.defaultdict(list, registry))
    return registry


def test_emit_appends_an_event_row_with_actor_object_and_props(learner):
    event = events.emit("user.profile_updated", actor=learner, obj=learner, fields=["bio"])

    stored = Event.objects.get(pk=event.pk)
    assert stored.name == "user.profile_updated"
    assert stored.actor == learner
    assert (stored.object_type, stored.object_id) == ("accounts.user", str(learner.pk))
    assert stored.props == {"fields": ["bio"]}


def test_emit_rejects_a_name_that_is_not_registered(learner):
    before = Event.objects.count()

    with pytest.raises(events.UnknownEvent):
        events.emit("user.teleported", actor=learner)

    assert Event.objects.count() == before


def test_anonymous_actor_is_stored_as_no_actor(db):
    from django.contrib.auth.models import AnonymousUser

    event = events.emit("token.revoked", actor=AnonymousUser())

    assert event.actor_id is None


def test_handlers_run_only_after_the_transaction_commits(learner, handler_registry, django_capture_on_commit_callbacks):
    seen: list[str] = []
    events.on("survey.skipped")(lambda e: seen.append(e.name))

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        events.emit("survey.skipped", actor=learner)
        assert seen == []  # not yet: still inside the transaction

    assert len(callbacks) == 1
    assert seen == ["survey.skipped"]


def test_handlers_do_not_run_when_the_transaction_rolls_back(
    learner, handler_registry, django_capture_on_commit_callbacks
):
    seen: list[str] = []
    events.on("survey.skipped")(lambda e: seen.append(e.name))

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        events.emit("survey.skipped", actor=learner)
        raise RuntimeError("rolled back")

    assert seen == []
    assert not Event.objects.filter(name="survey.skipped").exists()


def test_a_failing_handler_is_logged_and_the_others_still_run(learner, handler_registry, caplog):
    seen: list[str] = []

    def broken(event):
        raise ValueError("boom")

    events.on("survey.skipped")(broken)
    events.on("survey.skipped")(lambda e: seen.append("second"))
    event = events.emit("survey.skipped", actor=learner)

    with caplog.at_level(logging.ERROR):
        succeeded = events.event_dispatch(event_id=event.pk)

    assert succeeded == 1
    assert seen == ["second"]
    assert "boom" in caplog.text


def test_registering_a_handler_for_an_unknown_name_fails_loudly(handler_registry):
    with pytest.raises(events.UnknownEvent):
        events.on("nothing.happened")(lambda e: None)


def test_props_are_stored_as_json(learner):
    import datetime as dt

    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    event = events.emit("user.profile_updated", actor=learner, when=when, amount=3)

    assert Event.objects.get(pk=event.pk).props == {"when": "2026-01-02T03:04:05Z", "amount": 3}


def test_with_a_broker_handlers_are_queued_on_celery(learner, handler_registry, settings, monkeypatch):
    from lyceum.core import tasks

    queued: list[int] = []
    monkeypatch.setattr(tasks.event_dispatch_task, "delay", lambda event_id: queued.append(event_id))
    settings.CELERY_BROKER_URL = "redis://broker.invalid:6379/0"
    ran: list[str] = []
    events.on("survey.skipped")(lambda e: ran.append(e.name))

    event = events.emit("survey.skipped", actor=learner)
    events._dispatch(event.pk, event.name)

    assert queued == [event.pk]
    assert ran == []  # the worker runs them, not the web process

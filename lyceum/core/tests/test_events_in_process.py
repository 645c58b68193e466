"""In-process dispatch (no broker): after the commit the handlers get the row ``emit`` wrote,
without reading it back; each handler still runs exactly once per committed event, and a worker
or a redispatch (which only has the id) still reads the row."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from lyceum.core import events
from lyceum.core.models import Event


@pytest.fixture
def handler_registry(monkeypatch):
    monkeypatch.setattr(events, "_handlers", events.defaultdict(list))


def _event_reads(captured) -> list[str]:
    return [q["sql"] for q in captured if q["sql"].startswith("SELECT") and 'FROM "core_event"' in q["sql"]]


def test_handlers_get_the_committed_row_without_a_read_back(learner, handler_registry, settings,
                                                            django_capture_on_commit_callbacks):  # fmt: skip
    settings.CELERY_BROKER_URL = ""
    seen: list[tuple] = []
    events.on("survey.skipped")(lambda e: seen.append((e.pk, e.name, e.actor_id, e.props)))

    with (
        CaptureQueriesContext(connection) as ctx,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        event = events.emit("survey.skipped", actor=learner, reason="later")

    assert seen == [(event.pk, "survey.skipped", learner.pk, {"reason": "later"})]
    assert _event_reads(ctx.captured_queries) == []
    stored = Event.objects.get(pk=event.pk)
    assert (stored.actor_id, stored.props) == (learner.pk, {"reason": "later"})


def test_each_committed_event_runs_its_handlers_once(learner, handler_registry, settings,
                                                     django_capture_on_commit_callbacks):  # fmt: skip
    settings.CELERY_BROKER_URL = ""
    seen: list[int] = []
    events.on("survey.skipped")(lambda e: seen.append(e.pk))

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = events.emit("survey.skipped", actor=learner)
        second = events.emit("survey.skipped", actor=learner)

    assert seen == [first.pk, second.pk]


def test_dispatch_by_id_reads_the_row(learner, handler_registry):
    seen: list[tuple] = []
    events.on("survey.skipped")(lambda e: seen.append((e.pk, e.actor)))
    event = events.emit("survey.skipped", actor=learner)

    with CaptureQueriesContext(connection) as ctx:
        assert events.event_dispatch(event_id=event.pk) == 1

    assert seen == [(event.pk, learner)]
    assert len(_event_reads(ctx.captured_queries)) == 1
    assert events.event_dispatch(event_id=event.pk + 1000) == 0  # no such row: nothing runs

"""The spam filter's verdicts (``screen`` in the created/edited events' props) fill the queue."""

from __future__ import annotations

import pytest

from lyceum.community.models import HiddenReason
from lyceum.community.services.visibility import content_set_hidden
from lyceum.core import events, hooks
from lyceum.core.models import Event
from lyceum.core.screening import Verdict
from lyceum.moderation import handlers
from lyceum.moderation.models import Action, ActionKind, Case, CaseSource
from lyceum.notifications.models import Notification

from .workflow_helpers import make_thread, screening_off

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _screening_off(monkeypatch):
    screening_off(monkeypatch)


HOLD = {"action": "hold", "score": 0.97, "signals": [{"rule": "wechat_id", "match": "V信 abc123"}]}
QUEUE = {"action": "queue", "score": 0.6, "signals": [{"rule": "external_link_new_account", "match": "x.top"}]}


def _emit(name, actor, obj, screen, capture):
    with capture(execute=True):
        return events.emit(name, actor=actor, obj=obj, screen=screen)


def test_a_held_thread_opens_a_case_logs_the_hold_and_tells_the_author(learner, django_capture_on_commit_callbacks):
    thread = make_thread(learner, title="Cheap keys", body="V信 abc123")
    content_set_hidden(actor=None, obj=thread, hidden=True, reason=HiddenReason.HELD)

    _emit("thread.created", learner, thread, HOLD, django_capture_on_commit_callbacks)

    case = Case.objects.get(target_kind="thread", target_id=thread.pk)
    assert (case.source, case.held, case.detector_score, case.author) == (CaseSource.DETECTOR, True, 0.97, learner)
    assert case.detector_signals == HOLD["signals"]
    assert "Cheap keys" in case.text and "V信 abc123" in case.text
    action = Action.objects.get(case=case)
    assert (action.kind, action.moderator, action.subject) == (ActionKind.HOLD, None, learner)
    assert Notification.objects.filter(recipient=learner, kind="moderation", data__what="held").count() == 1


def test_handlers_running_twice_change_nothing_more(learner, django_capture_on_commit_callbacks):
    thread = make_thread(learner, title="Cheap keys", body="V信 abc123")
    event = _emit("thread.created", learner, thread, HOLD, django_capture_on_commit_callbacks)

    handlers.screened_content(Event.objects.get(pk=event.pk))

    assert Case.objects.count() == 1
    assert Action.objects.filter(kind=ActionKind.HOLD).count() == 1
    assert Notification.objects.filter(recipient=learner, data__what="held").count() == 1


def test_a_queued_reply_opens_a_case_without_a_hold(learner, moderator, django_capture_on_commit_callbacks):
    from .workflow_helpers import make_reply

    reply = make_reply(learner, make_thread(moderator), body="see x.top")
    _emit("reply.created", learner, reply, QUEUE, django_capture_on_commit_callbacks)

    case = Case.objects.get(target_kind="reply")
    assert (case.held, case.detector_score) == (False, 0.6)
    assert not Action.objects.exists()
    assert not Notification.objects.filter(recipient=learner, kind="moderation").exists()


@pytest.mark.parametrize("screen", [None, {"action": "publish", "score": 0.1}, "hold", {"action": "bogus"}])
def test_published_or_malformed_verdicts_queue_nothing(learner, django_capture_on_commit_callbacks, screen):
    thread = make_thread(learner)
    _emit("thread.edited", learner, thread, screen, django_capture_on_commit_callbacks)
    assert not Case.objects.exists()


def test_an_edit_joins_the_open_case_from_reports(learner, outsider, django_capture_on_commit_callbacks):
    from lyceum.moderation.services.reports import report_file

    thread = make_thread(learner, title="Notes")
    report_file(actor=outsider, kind="thread", target_id=thread.pk, reason="spam")
    _emit("thread.edited", learner, thread, QUEUE, django_capture_on_commit_callbacks)

    case = Case.objects.get()
    assert (case.source, case.report_count, case.detector_score) == (CaseSource.REPORTS, 1, 0.6)


def test_end_to_end_a_post_the_filter_holds_is_queued(monkeypatch, learner, django_capture_on_commit_callbacks):
    """Through the community's service: the verdict travels in the event."""
    monkeypatch.setitem(hooks._providers, "content.screen", [lambda **kw: [Verdict("hold", 0.99, ())]])
    with django_capture_on_commit_callbacks(execute=True):
        thread = make_thread(learner, title="Hold me", body="anything")
    assert Event.objects.filter(name="thread.created").latest("id").props["screen"]["action"] == "hold"
    case = Case.objects.get(target_kind="thread", target_id=thread.pk)
    assert case.held is True
    assert Action.objects.get(case=case).kind == ActionKind.HOLD

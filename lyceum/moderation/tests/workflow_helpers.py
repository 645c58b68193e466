"""Builders for the moderation workflow tests (test data only)."""

from __future__ import annotations

from typing import Any

from lyceum.community.models import HiddenReason
from lyceum.community.services.visibility import content_set_hidden
from lyceum.community.tests.spaces_helpers import global_space, make_reply, make_thread
from lyceum.moderation.models import CaseSource
from lyceum.moderation.services.common import case_open
from lyceum.moderation.targets import target_get

__all__ = ["global_space", "held_case", "make_reply", "make_thread", "queued_case"]


def queued_case(thread: Any, *, source: str = CaseSource.DETECTOR) -> Any:
    """An open case on ``thread`` (as the spam filter's handler opens it)."""
    case, _created = case_open(target=target_get(kind="thread", target_id=thread.pk), source=source)
    return case


def held_case(thread: Any) -> Any:
    """``thread`` held out of sight by the spam filter, with its open case."""
    content_set_hidden(actor=None, obj=thread, hidden=True, reason=HiddenReason.HELD)
    case = queued_case(thread)
    case.held = True
    case.detector_score = 0.93
    case.detector_signals = [{"rule": "wechat_id", "match": "V信 abc123"}]
    case.save()
    return case


def screening_off(monkeypatch: Any) -> None:
    """Publish everything: the spam filter's own tests cover its verdicts; these cover the workflow."""
    from lyceum.core import hooks

    monkeypatch.setitem(hooks._providers, "content.screen", [])

"""Small builders for notification tests."""

from __future__ import annotations

import itertools
from typing import Any

from lyceum.notifications.models import Kind, Notification
from lyceum.notifications.services import notify

_seq = itertools.count(1)


def make_notification(recipient: Any, *, actor: Any = None, kind: str = Kind.REPLY, **fields: Any) -> Notification:
    """A row written directly (no e-mail), for page and API tests."""
    n = next(_seq)
    return Notification.objects.create(
        recipient=recipient,
        actor=actor,
        kind=kind,
        data=fields.pop("data", {"thread": f"Thread {n}", "thread_id": n}),
        url=fields.pop("url", f"/community/t/{n}/"),
        dedupe_key=fields.pop("dedupe_key", f"test:{n}"),
        **fields,
    )


def send(recipient: Any, *, actor: Any = None, kind: str = Kind.REPLY, key: str = "", **fields: Any) -> Any:
    """``notify`` with test defaults (call inside ``django_capture_on_commit_callbacks(execute=True)``)."""
    n = next(_seq)
    return notify(
        recipient=recipient,
        kind=kind,
        actor=actor,
        data=fields.pop("data", {"thread": f"Thread {n}", "thread_id": n}),
        url=fields.pop("url", f"/community/t/{n}/"),
        dedupe_key=key or f"test:{n}",
        **fields,
    )

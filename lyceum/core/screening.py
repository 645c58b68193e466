"""Screening a member's text before it is published (the ``content.screen`` hook).

The apps that own member text (community threads, replies, groups and group posts; feedback
reviews; accounts profiles) call ``screen()`` in their create and edit services, before
anything is stored. ``moderation`` answers: the spam/ad detector, the new-member limits, the
sanctions (a muted or banned member) and the community rules (accepted before a first post).
A provider either returns a ``Verdict`` or raises an ``ApplicationError`` the member reads
(muted until..., links not allowed yet..., accept the rules first).

The owning app then acts on the verdict's ``action``:

- ``publish``: shown as usual;
- ``queue``: shown, and queued for a moderator's look;
- ``hold``: stored out of sight (``hidden_at`` set, ``hidden_reason = "held"``) until a
  moderator approves it; its author sees it with a "waiting for review" note.

The verdict travels in the props of the app's created/edited event as ``screen``
(``Verdict.as_props()``); moderation's event handlers read it there to fill the queue, so no
lower app ever imports moderation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lyceum.core import hooks

PUBLISH, QUEUE, HOLD = "publish", "queue", "hold"
ACTIONS = (PUBLISH, QUEUE, HOLD)  # in order of severity
KINDS = ("thread", "reply", "review", "profile", "group", "group_post")


@dataclass(frozen=True)
class Verdict:
    action: str = PUBLISH
    score: float = 0.0  # the detector's spam/ad score, 0..1
    signals: tuple[dict[str, Any], ...] = ()  # e.g. {"rule": "wechat_id", "match": "V信 abc123"}

    @property
    def held(self) -> bool:
        return self.action == HOLD

    def as_props(self) -> dict[str, Any]:
        return {"action": self.action, "score": round(float(self.score), 4), "signals": list(self.signals)}


def screen(
    *, author: Any, kind: str, text: str, where: str = "", obj: Any = None, at: datetime | None = None
) -> Verdict:
    """The most severe verdict of every provider; ``publish`` when none answers.

    ``kind`` is one of ``KINDS``; ``where`` names the place (a space slug, a course id...) for
    rules such as "the same text in several spaces"; ``obj`` is the object being edited (None
    when creating); ``at`` is when the text was written when that is not now (a backdated
    import, the demo data): behaviour rules (repeats, bursts) judge live posting only."""
    if kind not in KINDS:
        raise ValueError(f"unknown content kind {kind!r}")
    worst = Verdict()
    for verdict in hooks.collect("content.screen", author=author, kind=kind, text=text, where=where, obj=obj, at=at):
        if ACTIONS.index(verdict.action) > ACTIONS.index(worst.action) or (
            verdict.action == worst.action and verdict.score > worst.score
        ):
            worst = verdict
    return worst

"""What the community's write services share about screening member text (``core.screening``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from lyceum.core import screening

from ..models import HiddenReason


def screen_text(
    *, actor: Any, kind: str, text: str, where: str = "", obj: Any = None, at: datetime | None = None
) -> screening.Verdict:
    """Ask moderation (through ``core.screening``) about a text before it is stored; a provider's
    ``ApplicationError`` (muted, rules not accepted, new-member limits) reaches the member as is.
    ``at``: the write's own time when it is backdated (imports, the demo)."""
    return screening.screen(author=actor, kind=kind, text=text, where=where, obj=obj, at=at)


def held_fields(verdict: screening.Verdict) -> dict[str, Any]:
    """``hidden_at``/``hidden_reason`` for a new object the filter holds (empty otherwise)."""
    return {"hidden_at": timezone.now(), "hidden_reason": HiddenReason.HELD} if verdict.held else {}

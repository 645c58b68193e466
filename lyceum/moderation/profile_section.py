"""What moderators see on a member's public page (the ``member_profile.sections`` hook): the
sanction in force, how many decisions and open cases concern the member, and links to the log.
Nobody else sees anything; three queries for staff."""

from __future__ import annotations

from typing import Any

from lyceum.core import hooks

from .models import Action, Case, CaseStatus
from .selectors import active_sanction
from .services.common import is_moderator


def moderation_section(*, member: Any, viewer: Any = None, **_: Any) -> list[dict[str, Any]]:
    if member is None or not getattr(member, "pk", None) or not is_moderator(viewer):
        return []
    return [
        {
            "template": "moderation/partials/_member_section.html",
            "member": member,
            "sanction": active_sanction(member),
            "decisions": Action.objects.filter(subject_id=member.pk, moderator__isnull=False).count(),
            "open_cases": Case.objects.filter(author_id=member.pk, status=CaseStatus.OPEN).count(),
        }
    ]


def register() -> None:
    hooks.provide("member_profile.sections", moderation_section)

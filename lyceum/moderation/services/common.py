"""What every moderation write shares: who may act, the one-row-per-action log, the open case
of a target, and the notices to the member concerned.

Notifications are written inside the caller's transaction (so a failed decision notifies no one);
``notify`` itself mails after commit.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from lyceum.core import events
from lyceum.core.errors import NotAuthenticated, PermissionDenied, ValidationFailed
from lyceum.notifications.models import Kind
from lyceum.notifications.services import notify

from ..models import Action, Case, CaseSource, CaseStatus
from ..targets import Target

REASON_MAX = 1000


def is_moderator(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (user.has_role("moderator") or user.has_role("operator"))


def is_operator(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role("operator")


def require_member(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotAuthenticated(_("Sign in first."))


def require_moderator(actor: Any) -> None:
    require_member(actor)
    if not is_moderator(actor):
        raise PermissionDenied(_("Only moderators and operators can do this."), code="not_moderator")


def require_operator(actor: Any) -> None:
    require_member(actor)
    if not is_operator(actor):
        raise PermissionDenied(_("Only operators can do this."), code="not_operator")


def clean_reason(value: Any, *, field: str = "reason", required: bool = True, max_length: int = REASON_MAX) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if required and not text:
        raise ValidationFailed(_("Give a reason: the member reads it."), field=field)
    if len(text) > max_length:
        raise ValidationFailed(_("Keep it under %(max)d characters.") % {"max": max_length}, field=field)
    return text


def log_action(
    *,
    kind: str,
    moderator: Any,
    reason: str,
    case: Case | None = None,
    target_kind: str = "",
    target_id: int | None = None,
    subject: Any = None,
    details: dict[str, Any] | None = None,
    event: str = "moderation.decided",
) -> Action:
    """Write one row of the moderation log and announce it (``event``)."""
    if case is not None and not target_kind:
        target_kind, target_id = case.target_kind, case.target_id
    action = Action.objects.create(
        kind=kind,
        moderator=moderator if getattr(moderator, "pk", None) else None,
        case=case,
        target_kind=target_kind,
        target_id=target_id,
        subject=subject if getattr(subject, "pk", None) else None,
        reason=reason,
        details=details or {},
    )
    events.emit(
        event,
        actor=moderator,
        obj=action,
        kind=kind,
        case=case.pk if case is not None else None,
        target_kind=target_kind,
        target_id=target_id,
        subject=action.subject_id,
    )
    return action


def notify_member(
    *, recipient: Any, what: str, item: str = "", reason: str = "", until: Any = None, key: str, actor: Any = None
) -> None:
    """A ``moderation`` notice (the sentences live in ``notifications.kinds._moderation``)."""
    if recipient is None or not getattr(recipient, "pk", None):
        return
    data: dict[str, Any] = {"what": what, "item": item, "reason": reason}
    if until is not None:
        data["until"] = formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")
    notify(
        recipient=recipient,
        kind=Kind.MODERATION,
        actor=actor,
        data=data,
        url="/me/moderation/",
        dedupe_key=f"moderation:{key}"[:120],
    )


def case_open(
    *, target: Target, source: str, text: str | None = None, at: Any = None
) -> tuple[Case, bool]:  # fmt: skip
    """The open case of ``target``, locked, creating it when there is none: (case, created)."""
    found = (
        Case.objects.select_for_update()
        .filter(target_kind=target.kind, target_id=target.id, status=CaseStatus.OPEN)
        .first()
    )
    if found is not None:
        return found, False
    snapshot = text if text is not None else target_snapshot(target)
    try:
        with transaction.atomic():
            case = Case.objects.create(
                target_kind=target.kind,
                target_id=target.id,
                author=target.author,
                source=source,
                text=snapshot,
                held=target.hidden and source != CaseSource.REPORTS,
                opened_at=at or timezone.now(),
            )
    except IntegrityError:  # opened at the same moment by another request
        return Case.objects.select_for_update().get(
            target_kind=target.kind, target_id=target.id, status=CaseStatus.OPEN
        ), False
    events.emit("moderation.queued", actor=None, obj=case, source=source, target_kind=target.kind, target_id=target.id)
    return case, True


def target_snapshot(target: Target) -> str:
    if target.title and target.title not in target.text[: len(target.title)]:
        return f"{target.title}\n\n{target.text}"[:20_000]
    return str(target.text)[:20_000]

"""Members appeal a decision about them, once per decision; moderators decide.

Upheld: the decision is undone (shown again, the moderator's edit reverted, the sanction
lifted), which writes its own row in the log; rejected: it stands. A thread or reply a
moderator deleted cannot be brought back by the community's services: an upheld appeal on a
deletion is recorded and the member told, and the post stays deleted.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.core import events
from lyceum.core.errors import Conflict, NotFound, ValidationFailed

from ..models import Action, ActionKind, Appeal, AppealStatus, Sanction, TargetKind
from ..targets import target_edit, target_get, target_set_hidden
from .cases import SANCTION_DECISIONS
from .common import clean_reason, log_action, notify_member, require_member, require_moderator

TEXT_MAX = 2000
APPEALABLE = (ActionKind.HIDE, ActionKind.DELETE, ActionKind.EDIT, ActionKind.WARN, ActionKind.MUTE, ActionKind.BAN)


def action_appealable(action: Action) -> bool:
    return action.kind in APPEALABLE and action.moderator_id is not None


@transaction.atomic
def appeal_file(*, actor: Any, action: Action | int, text: str) -> Appeal:
    """``actor`` appeals a decision about them (only once per decision)."""
    require_member(actor)
    pk = action.pk if isinstance(action, Action) else action
    found = Action.objects.select_for_update().filter(pk=pk, subject_id=actor.pk).first()
    if found is None:
        raise NotFound(_("Not found."))
    if not action_appealable(found):
        raise ValidationFailed(_("This decision cannot be appealed."), field="action")
    clean = clean_reason(text, field="text", max_length=TEXT_MAX)
    if Appeal.objects.filter(action=found).exists():
        raise Conflict(_("You already appealed this decision."), code="already_appealed")
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(action=found, appellant=actor, text=clean)
    except IntegrityError:
        raise Conflict(_("You already appealed this decision."), code="already_appealed") from None
    events.emit("appeal.filed", actor=actor, obj=appeal, action=found.pk, kind=found.kind)
    return appeal


def _undo(actor: Any, action: Action, note: str) -> Action | None:
    """Reverse ``action``; the log row of the reversal (None when nothing could be reversed)."""
    reason = note or _("Appeal accepted.")
    if action.kind in SANCTION_DECISIONS:
        sanction = Sanction.objects.filter(action=action, lifted_at__isnull=True).first()
        if sanction is None:
            return None
        from .cases import sanction_lift

        return sanction_lift(actor=actor, sanction=sanction, reason=reason, notify=False)
    if not action.target_kind or action.target_id is None:
        return None
    try:
        target = target_get(kind=action.target_kind, target_id=action.target_id)
    except NotFound:
        return None
    if action.kind == ActionKind.EDIT:
        before = action.details.get("before") or {}
        if target.gone or not before.get("body"):
            return None
        target_edit(actor=actor, target=target, title=str(before.get("title", "")), body=str(before["body"]))
        kind = ActionKind.EDIT
    elif target.hidden and not target.gone:
        target_set_hidden(actor=actor, target=target, hidden=False, reason="", note=reason)
        kind = ActionKind.RESTORE if target.kind == TargetKind.LESSON else ActionKind.UNHIDE
    else:
        return None
    return log_action(
        kind=kind, moderator=actor, reason=reason, case=action.case, target_kind=action.target_kind,
        target_id=action.target_id, subject=action.subject, details={"undoes": action.pk},
    )  # fmt: skip


@transaction.atomic
def appeal_decide(*, actor: Any, appeal: Appeal | int, upheld: bool, note: str = "") -> Appeal:
    """Uphold (undo the decision) or reject (it stands; the note is required: the member reads it)."""
    require_moderator(actor)
    pk = appeal.pk if isinstance(appeal, Appeal) else appeal
    locked = Appeal.objects.select_for_update().select_related("action", "appellant").filter(pk=pk).first()
    if locked is None:
        raise NotFound(_("This appeal does not exist."))
    if locked.status != AppealStatus.OPEN:
        raise Conflict(_("This appeal was already decided."))
    clean = clean_reason(note, field="note", required=not upheld)
    undone = _undo(actor, locked.action, clean) if upheld else None
    locked.status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
    locked.decided_at, locked.decided_by, locked.decision_note = timezone.now(), actor, clean
    locked.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    events.emit(
        "appeal.decided", actor=actor, obj=locked, action=locked.action_id, upheld=upheld,
        undone=undone.pk if undone is not None else None,
    )  # fmt: skip
    notify_member(
        recipient=locked.appellant, what="appeal_upheld" if upheld else "appeal_rejected", reason=clean,
        key=f"appeal:{locked.pk}", actor=actor,
    )  # fmt: skip
    return locked

"""A moderator's decisions on a case in the queue, and sanctions on members.

``case_decide`` takes one decision and writes exactly one row of the log:

- ``approve``: show it again if it was held or hidden; resolves the case;
- ``hide``: out of sight (kept for the record); resolves;
- ``delete``: threads and replies are deleted (as the moderator); the others are hidden; resolves;
- ``edit``: the moderator's text replaces the member's (threads and replies keep a revision) and
  it is shown again; resolves;
- ``warn``, ``mute`` (1, 3, 7 or 30 days), ``ban`` (until a date, or for good): a sanction on the
  author; the case stays open for a decision on the content itself.

Every decision needs a reason: the author reads it in their notice. Reporters hear back when
the content was hidden, deleted or edited.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.community.models import HiddenReason
from lyceum.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from ..models import Action, ActionKind, Case, CaseStatus, Report, Sanction, SanctionKind
from ..targets import Target, target_delete, target_edit, target_get, target_set_hidden
from .common import clean_reason, is_moderator, log_action, notify_member, require_moderator

CONTENT_DECISIONS = (ActionKind.APPROVE, ActionKind.HIDE, ActionKind.DELETE, ActionKind.EDIT)
SANCTION_DECISIONS = (ActionKind.WARN, ActionKind.MUTE, ActionKind.BAN)
DECISIONS = CONTENT_DECISIONS + SANCTION_DECISIONS
MUTE_DAYS = (1, 3, 7, 30)
WHAT = {
    ActionKind.APPROVE: "approved",
    ActionKind.HIDE: "hidden",
    ActionKind.DELETE: "deleted",
    ActionKind.EDIT: "edited",
    ActionKind.WARN: "warned",
    ActionKind.MUTE: "muted",
    ActionKind.BAN: "banned",
}


def _locked_case(case: Case | int) -> Case:
    pk = case.pk if isinstance(case, Case) else case
    found = Case.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(_("This case does not exist."))
    return found


def _target(case: Case) -> Target:
    try:
        return target_get(kind=case.target_kind, target_id=case.target_id)
    except NotFound:
        raise Conflict(_("The content of this case no longer exists.")) from None


def _resolve(case: Case, actor: Any, decision: str) -> None:
    case.status = CaseStatus.RESOLVED
    case.resolved_at = timezone.now()
    case.resolved_by = actor
    case.decision = decision
    case.save(update_fields=["status", "resolved_at", "resolved_by", "decision", "held"])


def _tell_reporters(case: Case, target: Target) -> None:
    for report in Report.objects.filter(case=case).select_related("reporter"):
        notify_member(
            recipient=report.reporter, what="report_resolved", item=target.label, key=f"report:{report.pk}:resolved"
        )


def _clean_mute_days(value: Any) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if days not in MUTE_DAYS:
        raise ValidationFailed(_("Choose how long: 1, 3, 7 or 30 days."), field="mute_days")
    return days


def _clean_ban_until(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, datetime):
        raise ValidationFailed(_("Give a date and time, or leave it empty for a ban without end."), field="ban_until")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value <= timezone.now():
        raise ValidationFailed(_("The end of a ban must be in the future."), field="ban_until")
    return value


@transaction.atomic
def case_decide(
    *,
    actor: Any,
    case: Case | int,
    decision: str,
    reason: str,
    title: str = "",
    body: str = "",
    mute_days: Any = None,
    ban_until: Any = None,
) -> Action:
    """Take one decision on ``case`` (see the module docstring); returns the log row."""
    require_moderator(actor)
    if decision not in DECISIONS:
        raise ValidationFailed(_("Choose a decision."), field="decision")
    clean = clean_reason(reason)
    locked = _locked_case(case)
    target = _target(locked)
    if decision in SANCTION_DECISIONS:
        if target.author is None:
            raise Conflict(_("This content has no author to sanction."))
        return sanction_apply(
            actor=actor, user=target.author, kind=decision, reason=clean, case=locked,
            mute_days=mute_days, ban_until=ban_until, item=target.label,
        )  # fmt: skip
    if locked.status != CaseStatus.OPEN:
        raise Conflict(_("This case was already resolved."))
    details: dict[str, Any] = {}
    what = WHAT[ActionKind(decision)]
    if target.gone:  # deleted by its author (or an erased account) meanwhile: only close the case
        if decision == ActionKind.EDIT:
            raise Conflict(_("The content was deleted meanwhile: close the case instead."))
        action = log_action(
            kind=decision, moderator=actor, reason=clean, case=locked, subject=target.author, details={"gone": True}
        )
        locked.held = False
        _resolve(locked, actor, decision)
        return action
    if decision == ActionKind.APPROVE:
        was_hidden = target.hidden and target.hidden_reason != HiddenReason.TAKEDOWN  # operators decide those
        if was_hidden:
            target_set_hidden(actor=actor, target=target, hidden=False, reason="", note=clean)
        notify_author = locked.held or was_hidden
        locked.held = False
    elif decision == ActionKind.HIDE:
        target_set_hidden(actor=actor, target=target, hidden=True, reason=HiddenReason.MODERATOR, note=clean)
        notify_author = True
    elif decision == ActionKind.DELETE:
        done = target_delete(actor=actor, target=target, reason=clean)
        details["done"] = done
        what = "deleted" if done == "deleted" else "hidden"
        notify_author = True
    else:  # edit
        details["before"] = {"title": target.title, "body": target.text}
        target_edit(actor=actor, target=target, title=title, body=body)
        if target.hidden:
            target_set_hidden(actor=actor, target=target, hidden=False, reason="", note=clean)
        locked.held = False
        notify_author = True
    action = log_action(
        kind=decision, moderator=actor, reason=clean, case=locked, subject=target.author, details=details
    )
    _resolve(locked, actor, decision)
    if notify_author:
        notify_member(
            recipient=target.author, what=what, item=target.label, reason=clean, key=f"action:{action.pk}", actor=actor
        )
    if decision != ActionKind.APPROVE:
        _tell_reporters(locked, target)
    return action


@transaction.atomic
def sanction_apply(
    *,
    actor: Any,
    user: Any,
    kind: str,
    reason: str,
    case: Case | None = None,
    mute_days: Any = None,
    ban_until: Any = None,
    item: str = "",
) -> Action:
    """Warn, mute or ban ``user`` (one log row, one ``sanction.applied``, one notice)."""
    require_moderator(actor)
    if kind not in SANCTION_DECISIONS:
        raise ValidationFailed(_("Choose a decision."), field="decision")
    clean = clean_reason(reason)
    if user.pk == actor.pk:
        raise PermissionDenied(_("You cannot sanction yourself."), code="self")
    if is_moderator(user):
        raise PermissionDenied(_("Moderators and operators cannot be sanctioned here."), code="staff")
    now = timezone.now()
    ends_at: datetime | None = None
    if kind == ActionKind.MUTE:
        ends_at = now + timedelta(days=_clean_mute_days(mute_days))
    elif kind == ActionKind.BAN:
        ends_at = _clean_ban_until(ban_until)
    details: dict[str, Any] = {"ends_at": ends_at.isoformat() if ends_at else None}
    action = log_action(
        kind=kind, moderator=actor, reason=clean, case=case, subject=user, details=details,
        target_kind=case.target_kind if case else "profile", target_id=case.target_id if case else user.pk,
        event="sanction.applied",
    )  # fmt: skip
    Sanction.objects.create(
        user=user,
        kind=SanctionKind(kind),
        reason=clean,
        starts_at=now,
        ends_at=ends_at,
        action=action,
        created_by=actor,
    )
    notify_member(
        recipient=user, what=WHAT[ActionKind(kind)], item=item, reason=clean, until=ends_at,
        key=f"action:{action.pk}", actor=actor,
    )  # fmt: skip
    return action


@transaction.atomic
def sanction_lift(*, actor: Any, sanction: Sanction | int, reason: str, notify: bool = True) -> Action:
    """End a mute or ban early (or withdraw a warning): one log row and ``sanction.lifted``."""
    require_moderator(actor)
    clean = clean_reason(reason)
    pk = sanction.pk if isinstance(sanction, Sanction) else sanction
    locked = Sanction.objects.select_for_update().select_related("user").filter(pk=pk).first()
    if locked is None:
        raise NotFound(_("This sanction does not exist."))
    if locked.lifted_at is not None:
        raise Conflict(_("This sanction was already lifted."))
    locked.lifted_at, locked.lifted_by = timezone.now(), actor
    locked.save(update_fields=["lifted_at", "lifted_by"])
    action = log_action(
        kind=ActionKind.LIFT, moderator=actor, reason=clean, subject=locked.user, target_kind="profile",
        target_id=locked.user_id, details={"sanction": locked.pk, "sanction_kind": locked.kind},
        event="sanction.lifted",
    )  # fmt: skip
    if notify:
        notify_member(recipient=locked.user, what="lifted", reason=clean, key=f"action:{action.pk}", actor=actor)
    return action

"""Copyright complaints (侵权): anyone files one (rate-limited by address); operators (not
moderators) find what it points at, take it down pending review, then uphold (it stays down)
or reject (it is restored). Every step on the content is a row in the moderation log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.community.models import HiddenReason
from lyceum.core import events, ratelimit
from lyceum.core.errors import Conflict, NotFound, RateLimited, ValidationFailed

from ..models import ActionKind, TakedownRequest, TakedownStatus, TargetKind
from ..targets import Target, clean_id, clean_kind, target_from_address, target_get, target_set_hidden
from .common import clean_reason, log_action, notify_member, require_operator

TAKEDOWN_KINDS = tuple(TargetKind.values)
LIMITS = {"claimant_name": 120, "organisation": 160, "work": 2000, "evidence": 4000, "location": 500}


def _text(value: Any, *, field: str, required: bool = True) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if required and not text:
        raise ValidationFailed(_("This field is required."), field=field)
    if len(text) > LIMITS[field]:
        raise ValidationFailed(_("Keep it under %(max)d characters.") % {"max": LIMITS[field]}, field=field)
    return text


@transaction.atomic
def takedown_request(
    *,
    actor: Any,
    claimant_name: str,
    claimant_email: str,
    work: str,
    evidence: str,
    location: str,
    good_faith: bool,
    organisation: str = "",
    client_key: str = "",
) -> TakedownRequest:
    """File a complaint (``actor`` may be anonymous; ``client_key`` is the caller's address)."""
    fields = {
        "claimant_name": _text(claimant_name, field="claimant_name"),
        "organisation": _text(organisation, field="organisation", required=False),
        "work": _text(work, field="work"),
        "evidence": _text(evidence, field="evidence"),
        "location": _text(location, field="location"),
    }
    email = str(claimant_email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed(_("Enter a valid e-mail address."), field="claimant_email") from None
    if good_faith is not True:
        raise ValidationFailed(_("Confirm the statement of good faith."), field="good_faith")
    if not ratelimit.hit(f"moderation:takedown:{client_key or 'unknown'}", str(settings.LYCEUM_TAKEDOWN_RATE)):
        raise RateLimited(_("Too many requests from your address. Please try again later."))
    resolved = target_from_address(fields["location"])
    if resolved is not None:
        try:
            target_get(kind=resolved[0], target_id=resolved[1])
        except NotFound:
            resolved = None
    request = TakedownRequest.objects.create(
        **fields,
        claimant_email=email,
        good_faith=True,
        target_kind=resolved[0] if resolved else "",
        target_id=resolved[1] if resolved else None,
        submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    events.emit(
        "takedown.requested", actor=actor, obj=request, target_kind=request.target_kind, target_id=request.target_id
    )
    return request


def _locked(takedown: TakedownRequest | int) -> TakedownRequest:
    pk = takedown.pk if isinstance(takedown, TakedownRequest) else takedown
    found = TakedownRequest.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(_("This request does not exist."))
    return found


def _target_of(request: TakedownRequest) -> Target:
    if not request.target_kind or request.target_id is None:
        raise ValidationFailed(_("Pick what the complaint is about first."), field="target_kind")
    return target_get(kind=request.target_kind, target_id=request.target_id)


@transaction.atomic
def takedown_set_target(*, actor: Any, takedown: TakedownRequest | int, kind: Any, target_id: Any) -> TakedownRequest:
    """Point the complaint at one piece of content (an operator reads the address and picks)."""
    require_operator(actor)
    locked = _locked(takedown)
    if locked.status != TakedownStatus.OPEN:
        raise Conflict(_("This request was already decided."))
    clean_kind_ = clean_kind(kind, allowed=TAKEDOWN_KINDS, field="target_kind")
    clean_id_ = clean_id(target_id, field="target_id")
    try:
        target_get(kind=clean_kind_, target_id=clean_id_)
    except NotFound:
        raise ValidationFailed(_("Nothing with this number exists."), field="target_id") from None
    if (locked.target_kind, locked.target_id) != (clean_kind_, clean_id_):
        if _taken_down(locked):
            raise Conflict(_("Restore the content first: it was taken down for this request."))
        locked.target_kind, locked.target_id = clean_kind_, clean_id_
        locked.save(update_fields=["target_kind", "target_id"])
    return locked


def _taken_down(request: TakedownRequest) -> bool:
    from ..models import Action

    last = (
        Action.objects.filter(
            details__takedown=request.pk, kind__in=[ActionKind.WITHDRAW, ActionKind.RESTORE]
        ).order_by("-created_at", "-id").first()
    )  # fmt: skip
    return last is not None and last.kind == ActionKind.WITHDRAW


def _withdraw(actor: Any, request: TakedownRequest, reason: str) -> None:
    target = _target_of(request)
    target_set_hidden(actor=actor, target=target, hidden=True, reason=HiddenReason.TAKEDOWN, note=reason)
    log_action(
        kind=ActionKind.WITHDRAW, moderator=actor, reason=reason, target_kind=target.kind, target_id=target.id,
        subject=target.author, details={"takedown": request.pk},
    )  # fmt: skip
    notify_member(
        recipient=target.author, what="withdrawn", item=target.label, reason=reason,
        key=f"takedown:{request.pk}:withdrawn", actor=actor,
    )  # fmt: skip


@transaction.atomic
def takedown_withdraw(*, actor: Any, takedown: TakedownRequest | int, reason: str) -> TakedownRequest:
    """Take the content down pending review (lessons withdrawn, posts hidden)."""
    require_operator(actor)
    clean = clean_reason(reason)
    locked = _locked(takedown)
    if locked.status != TakedownStatus.OPEN:
        raise Conflict(_("This request was already decided."))
    if _taken_down(locked):
        raise Conflict(_("The content is already taken down."))
    _withdraw(actor, locked, clean)
    return locked


@transaction.atomic
def takedown_decide(*, actor: Any, takedown: TakedownRequest | int, upheld: bool, note: str) -> TakedownRequest:
    """Uphold (the content stays down; taken down now if it was not) or reject (restored)."""
    require_operator(actor)
    clean = clean_reason(note, field="note")
    locked = _locked(takedown)
    if locked.status != TakedownStatus.OPEN:
        raise Conflict(_("This request was already decided."))
    down = _taken_down(locked)
    if upheld and not down:
        _withdraw(actor, locked, clean)
    elif not upheld and down:
        target = _target_of(locked)
        target_set_hidden(actor=actor, target=target, hidden=False, reason="", note=clean)
        log_action(
            kind=ActionKind.RESTORE, moderator=actor, reason=clean, target_kind=target.kind, target_id=target.id,
            subject=target.author, details={"takedown": locked.pk},
        )  # fmt: skip
    locked.status = TakedownStatus.UPHELD if upheld else TakedownStatus.REJECTED
    locked.decided_at, locked.decided_by, locked.decision_note = timezone.now(), actor, clean
    locked.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    events.emit("takedown.decided", actor=actor, obj=locked, upheld=upheld)
    return locked

"""Members report what breaks the rules. One report per member and target; reports gather in
the target's open case, weighted by the reporter's trust level, and enough weight
(``LYCEUM_REPORTS_TO_HIDE``) hides the target until a moderator looks at it.

Weights: members of trust level 3 or more (engagement's "trusted") count 2, everyone else 1.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lyceum.community.models import HiddenReason
from lyceum.core import events, ratelimit
from lyceum.core.errors import NotFound, PermissionDenied, RateLimited, ValidationFailed
from lyceum.engagement.selectors import trust_level

from ..models import ActionKind, Case, CaseSource, Report, ReportReason
from ..targets import Target, clean_id, clean_kind, target_get, target_readable, target_set_hidden
from .common import case_open, log_action, notify_member, require_member

NOTE_MAX = 500
TRUSTED_LEVEL = 3


def reporter_weight(user: Any) -> float:
    return 2.0 if trust_level(user) >= TRUSTED_LEVEL else 1.0


def _clean_reason(reason: Any, note: Any) -> tuple[str, str]:
    value = str(reason or "")
    if value not in ReportReason.values:
        raise ValidationFailed(_("Choose why you report this."), field="reason")
    clean_note = str(note or "").replace("\x00", "").strip()
    if len(clean_note) > NOTE_MAX:
        raise ValidationFailed(_("Keep the note under %(max)d characters.") % {"max": NOTE_MAX}, field="note")
    if value == ReportReason.OTHER and not clean_note:
        raise ValidationFailed(_("Tell the moderators what is wrong."), field="note")
    return value, clean_note


@transaction.atomic
def report_file(*, actor: Any, kind: Any, target_id: Any, reason: Any, note: Any = "") -> Report:
    """File ``actor``'s report (a second report of the same thing returns the first)."""
    require_member(actor)
    clean_kind_ = clean_kind(kind)
    clean_target_id = clean_id(target_id)
    clean_reason_, clean_note = _clean_reason(reason, note)
    target = target_get(kind=clean_kind_, target_id=clean_target_id)
    if not target_readable(actor, target):
        raise NotFound(_("Not found."))
    if target.author is not None and target.author.pk == actor.pk:
        raise PermissionDenied(_("You cannot report your own content."), code="own_content")
    existing = Report.objects.filter(reporter=actor, target_kind=target.kind, target_id=target.id).first()
    if existing is not None:
        return existing
    if not ratelimit.hit(f"moderation:report:{actor.pk}", str(settings.LYCEUM_REPORT_RATE)):
        raise RateLimited(_("You have sent many reports. Please wait a while and try again."))
    case, _created = case_open(target=target, source=CaseSource.REPORTS)
    weight = reporter_weight(actor)
    try:
        with transaction.atomic():
            report = Report.objects.create(
                reporter=actor,
                target_kind=target.kind,
                target_id=target.id,
                reason=clean_reason_,
                note=clean_note,
                weight=weight,
                case=case,
            )
    except IntegrityError:  # the same member, twice at once
        return Report.objects.get(reporter=actor, target_kind=target.kind, target_id=target.id)
    case.report_count += 1
    case.report_weight += weight
    case.save(update_fields=["report_count", "report_weight"])
    events.emit(
        "report.filed", actor=actor, obj=report, target_kind=target.kind, target_id=target.id, reason=clean_reason_
    )
    if not case.held and not target.hidden and case.report_weight >= float(settings.LYCEUM_REPORTS_TO_HIDE):
        target.obj.refresh_from_db()
        target_set_hidden_by_reports(target=target, case=case)
    return report


def target_set_hidden_by_reports(*, target: Target, case: Case) -> None:
    reason = _("Hidden after reports from members, until a moderator reviews it.")
    target_set_hidden(actor=None, target=target, hidden=True, reason=HiddenReason.REPORTS, note=reason)
    case.held = True
    case.save(update_fields=["held"])
    log_action(
        kind=ActionKind.AUTO_HIDE,
        moderator=None,
        reason=reason,
        case=case,
        subject=target.author,
        details={"report_weight": case.report_weight, "threshold": float(settings.LYCEUM_REPORTS_TO_HIDE)},
    )
    notify_member(recipient=target.author, what="held", item=target.label, key=f"autohide:{case.pk}")

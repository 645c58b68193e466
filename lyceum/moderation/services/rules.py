"""The community rules (社区规范): operators publish versions, members accept the one in force."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.core import events
from lyceum.core.errors import Conflict, NotFound, ValidationFailed
from lyceum.core.markdown import render_markdown

from ..models import CommunityRules, RulesAcceptance
from ..selectors import rules_in_force
from .common import require_member, require_operator

BODY_MAX = 20_000
SUMMARY_MAX = 200


def _clean_body(value: Any, *, field: str) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if not text:
        raise ValidationFailed(_("Write the rules in both languages."), field=field)
    if len(text) > BODY_MAX:
        raise ValidationFailed(
            _("The rules are too long (at most %(max)d characters).") % {"max": BODY_MAX}, field=field
        )
    return text


def rules_preview(*, body: str) -> str:
    """The sanitised HTML members will read."""
    return str(render_markdown(str(body or "")[:BODY_MAX]))


@transaction.atomic
def rules_publish(*, actor: Any, body_en: str, body_zh: str, summary: str = "") -> CommunityRules:
    """Publish a new version; members accept it again before they next post."""
    require_operator(actor)
    clean_en = _clean_body(body_en, field="body_en")
    clean_zh = _clean_body(body_zh, field="body_zh")
    clean_summary = " ".join(str(summary or "").split())
    if len(clean_summary) > SUMMARY_MAX:
        raise ValidationFailed(_("Keep the summary under %(max)d characters.") % {"max": SUMMARY_MAX}, field="summary")
    current = rules_in_force()
    if current is not None and not clean_summary:
        raise ValidationFailed(_("Say what changed: members read it before they accept again."), field="summary")
    version = (CommunityRules.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    try:
        with transaction.atomic():
            rules = CommunityRules.objects.create(
                version=version,
                body_en=clean_en,
                body_zh=clean_zh,
                body_en_html=rules_preview(body=clean_en),
                body_zh_html=rules_preview(body=clean_zh),
                summary=clean_summary,
                published_at=timezone.now(),
                published_by=actor,
            )
    except IntegrityError:
        raise Conflict(_("Another version was published at the same moment. Reload and try again.")) from None
    events.emit("rules.updated", actor=actor, obj=rules, version=version, summary=clean_summary)
    return rules


@transaction.atomic
def rules_accept(*, actor: Any, version: Any = None) -> RulesAcceptance:
    """Accept the rules in force (``version``: the one the member read; a newer one is a Conflict)."""
    require_member(actor)
    rules = rules_in_force()
    if rules is None:
        raise NotFound(_("There are no community rules yet."))
    if version not in (None, ""):
        try:
            read = int(version)
        except (TypeError, ValueError):
            raise ValidationFailed(_("Unknown version of the rules."), field="version") from None
        if read != rules.version:
            raise Conflict(_("The rules changed while you were reading them. Read the new version and accept again."))
    acceptance, created = RulesAcceptance.objects.get_or_create(user=actor, version=rules.version)
    if created:
        events.emit("rules.accepted", actor=actor, obj=rules, version=rules.version)
    return acceptance

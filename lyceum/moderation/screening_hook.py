"""The ``content.screen`` provider (registered in ``apps.py``).

For every text a member is about to publish (``core.screening.screen``), in this order:

1. staff (moderators, operators) are never held or refused: their post is scored for the
   record and published;
2. an active ban or mute refuses the post (``PermissionDenied``, code ``banned``/``muted``);
3. community posts (threads, replies, groups, group posts) need the rules in force accepted
   (``PermissionDenied``, code ``rules_not_accepted``);
4. the detector scores the text (``detection``): hold, queue or publish;
5. a post that is not held and links to another site from a trust-level-0 member is refused
   (``ValidationFailed`` on ``body``): links open up at level 1;
6. a new community post counts against the member's hourly limit for their trust level
   (``RateLimited``; ``detection/limits.py`` has the table).

Instructors have no new-member limits. Edits (``obj`` given) count for no limit but are
otherwise screened like new posts: a muted member cannot edit either.

The post is then remembered (24 h, in the cache) for the "same text in another place" and
"posting burst" rules.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.core import hooks
from lyceum.core.errors import PermissionDenied
from lyceum.core.screening import HOLD, PUBLISH, Verdict

from . import selectors
from .detection import action_for, assess, limits, rules
from .models import SanctionKind

COMMUNITY_KINDS = frozenset({"thread", "reply", "group", "group_post"})
STAFF_ROLES = ("moderator", "operator")
RULES_PATH = "/community/rules/"


def is_staff(user: Any) -> bool:
    return any(user.has_role(role) for role in STAFF_ROLES)


def _local(user: Any, when: Any) -> str:
    try:
        zone = ZoneInfo(getattr(user, "timezone", "") or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(settings.TIME_ZONE)
    local = timezone.localtime(when, zone)
    return f"{local:%Y-%m-%d %H:%M} ({zone.key})"


def check_sanction(user: Any) -> None:
    sanction = selectors.active_sanction(user)
    if sanction is None:
        return
    if sanction.kind == SanctionKind.BAN:
        if sanction.ends_at is None:
            message = _("Your account is banned from posting in the community.")
        else:
            message = _("Your account is banned from posting until %(until)s.") % {
                "until": _local(user, sanction.ends_at)
            }
        raise PermissionDenied(message, code="banned")
    raise PermissionDenied(
        _("You are muted and cannot post until %(until)s.") % {"until": _local(user, sanction.ends_at)},
        code="muted",
    )


def check_rules(user: Any) -> None:
    if not selectors.has_accepted_rules(user):
        raise PermissionDenied(
            _("Please read and accept the community rules at %(path)s before posting.") % {"path": RULES_PATH},
            code="rules_not_accepted",
        )


def is_newcomer(user: Any, level: int) -> bool:
    joined = getattr(user, "date_joined", None)
    young = joined is None or timezone.now() - joined < timedelta(days=settings.LYCEUM_NEW_ACCOUNT_DAYS)
    return young or level == 0


def place(kind: str, where: str) -> str:
    """Where a post went, as the repeat rule compares it: the apps name places in their own way
    (a space slug for threads and replies, a group or course id...), so the kind is prefixed."""
    return f"{'space' if kind in ('thread', 'reply') else kind}:{where}"


LIVE = timedelta(minutes=5)  # a text written longer ago than this is a backdated import


def screen_content(
    *, author: Any, kind: str, text: str, where: str = "", obj: Any = None, at: Any = None
) -> list[Verdict]:
    text = text or ""
    where = place(kind, where)
    new_post = obj is None
    if not getattr(author, "pk", None):  # the apps never let an anonymous visitor post; nothing to say
        return []
    if is_staff(author):
        score, signals = assess(text=text)
        return [Verdict(action=PUBLISH, score=score, signals=tuple(signals))]
    check_sanction(author)
    if kind in COMMUNITY_KINDS:
        check_rules(author)
    exempt = author.has_role("instructor")
    level = limits.trust_level(author)
    # repeats and bursts are about live community posting: the same short praise on two
    # courses' reviews, a bio, or an import of old posts is not a sign of spam (the contact,
    # link and classifier rules still apply)
    community = kind in COMMUNITY_KINDS and (at is None or timezone.now() - at < LIVE)
    score, signals = assess(
        text=text,
        newcomer=not exempt and is_newcomer(author, level),
        author_id=author.pk if community else None,
        where=where,
        new_post=new_post,
    )
    action = action_for(score)
    if action != HOLD and not exempt:
        limits.check_links(level=level, external_hosts=rules.external_hosts(text))
    if new_post and kind in COMMUNITY_KINDS and not exempt:
        limits.check_rate(user=author, level=level)
    if community:
        rules.remember(author_id=author.pk, text=text, where=where, new_post=new_post)
    return [Verdict(action=action, score=score, signals=tuple(signals))]


def register() -> None:
    hooks.provide("content.screen", screen_content)

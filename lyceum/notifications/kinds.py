"""The sentence each kind of notification reads as, built from its ``data`` when shown.

A notification stores facts (titles, names, minutes), never text, so it reads in the
language of whoever looks at it: the active request language in the notification centre,
the recipient's own language in e-mail (``services`` wraps rendering in
``translation.override``). The result is plain text; templates escape it, because titles
and names are user content.

``data["what"]`` picks the variant of kinds that cover several happenings
(event reminders, group activity).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Kind, Notification

# Variants (``data["what"]``).
REMINDER_24H = "reminder_24h"
REMINDER_1H = "reminder_1h"
PROMOTED = "promoted"
CANCELLED = "cancelled"
RECORDING = "recording"
CHECKIN = "checkin"
POSTED = "posted"
JOINED = "joined"


def _s(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key, "")
    return str(value)[:300] if value is not None else ""


def _reply(d: Mapping[str, Any], actor: str) -> str:
    return _("%(actor)s replied to “%(thread)s”") % {"actor": actor, "thread": _s(d, "thread")}


def _mention(d: Mapping[str, Any], actor: str) -> str:
    return _("%(actor)s mentioned you in “%(thread)s”") % {"actor": actor, "thread": _s(d, "thread")}


def _accepted(d: Mapping[str, Any], actor: str) -> str:
    return _("%(actor)s accepted your answer in “%(thread)s”") % {"actor": actor, "thread": _s(d, "thread")}


def _event(d: Mapping[str, Any], actor: str) -> str:
    event = _s(d, "event")
    what = d.get("what")
    if what == REMINDER_24H:
        return _("“%(event)s” starts in 24 hours") % {"event": event}
    if what == REMINDER_1H:
        return _("“%(event)s” starts in 1 hour") % {"event": event}
    if what == PROMOTED:
        return _("You have a seat at “%(event)s” (moved up from the waitlist)") % {"event": event}
    if what == CANCELLED:
        return _("“%(event)s” was cancelled") % {"event": event}
    if what == RECORDING:
        return _("Recording of “%(event)s” is available") % {"event": event}
    return _("News about “%(event)s”") % {"event": event}


def _group(d: Mapping[str, Any], actor: str) -> str:
    group = _s(d, "group")
    what = d.get("what")
    if what == CHECKIN:
        others = int(d.get("count") or 1) - 1
        if others > 0:  # the day's check-ins rolled into one notice
            return ngettext(
                "%(actor)s and %(others)s other member checked in at %(group)s today",
                "%(actor)s and %(others)s other members checked in at %(group)s today",
                others,
            ) % {"actor": actor, "others": others, "group": group}
        return _("%(actor)s checked in at %(group)s: %(minutes)s min") % {
            "actor": actor, "group": group, "minutes": _s(d, "minutes"),
        }  # fmt: skip
    if what == JOINED:
        return _("%(actor)s joined %(group)s") % {"actor": actor, "group": group}
    return _("%(actor)s posted in %(group)s") % {"actor": actor, "group": group}


def _announcement(d: Mapping[str, Any], actor: str) -> str:
    return _("New announcement in %(space)s: “%(thread)s”") % {"space": _s(d, "space"), "thread": _s(d, "thread")}


def _feedback(d: Mapping[str, Any], actor: str) -> str:
    if d.get("what") == "survey":
        return _("A survey for you: “%(survey)s”") % {"survey": _s(d, "survey")}
    return _("%(actor)s replied to your review of “%(course)s”") % {"actor": actor, "course": _s(d, "course")}


def _offers(d: Mapping[str, Any], actor: str) -> str:
    # The team's own words (a retention message), in the language the operator wrote them in.
    title = _s(d, "title")
    if d.get("coupon"):
        if title:
            return _("%(title)s (your personal coupon: %(coupon)s)") % {"title": title, "coupon": _s(d, "coupon")}
        return _("A personal coupon for you: %(coupon)s") % {"coupon": _s(d, "coupon")}
    return title or _("A message from the team")


def _moderation(d: Mapping[str, Any], actor: str) -> str:
    """``what``: the decision; ``item`` the post's title or a short excerpt; ``reason`` the
    moderator's reason; ``until`` a formatted end of a mute."""
    item, reason, what = _s(d, "item"), _s(d, "reason"), d.get("what")
    texts = {
        "held": _("“%(item)s” is waiting for a moderator's review before it is shown"),
        "approved": _("“%(item)s” was reviewed and is shown"),
        "hidden": _("A moderator hid “%(item)s”: %(reason)s"),
        "deleted": _("A moderator removed “%(item)s”: %(reason)s"),
        "edited": _("A moderator edited “%(item)s”: %(reason)s"),
        "withdrawn": _("“%(item)s” was taken down after a copyright complaint: %(reason)s"),
        "warned": _("A warning from the moderators: %(reason)s"),
        "muted": _("You cannot post until %(until)s: %(reason)s"),
        "banned": _("You can no longer post in the community: %(reason)s"),
        "lifted": _("The moderators lifted a restriction on your account"),
        "appeal_upheld": _("Your appeal was accepted and the decision undone"),
        "appeal_rejected": _("Your appeal was reviewed and the decision stands: %(reason)s"),
        "report_resolved": _("Thank you: the moderators acted on your report of “%(item)s”"),
    }
    text = texts.get(str(what), _("A moderation decision about your account: %(reason)s"))
    return text % {"item": item, "reason": reason, "until": _s(d, "until")}


def _achievements(d: Mapping[str, Any], actor: str) -> str:
    """``what``: badge | level | reward; ``name`` the badge's or level's name in the recipient's
    language at the time (both names stored as ``name_en`` / ``name_zh`` when known)."""
    from django.utils.translation import get_language

    zh = (get_language() or "").startswith("zh")
    name = _s(d, "name_zh" if zh and d.get("name_zh") else "name_en") or _s(d, "name")
    what = d.get("what")
    if what == "badge":
        return _("You earned the badge “%(name)s”") % {"name": name}
    if what == "level":
        return _("You reached level %(level)s: %(name)s") % {"level": _s(d, "level"), "name": name}
    if what == "reward":
        return _("You redeemed %(points)s points for “%(name)s”; your coupon: %(coupon)s") % {
            "points": _s(d, "points"), "name": name, "coupon": _s(d, "coupon"),
        }  # fmt: skip
    return _("News about your points")


_RENDERERS: dict[str, Callable[[Mapping[str, Any], str], str]] = {
    Kind.REPLY: _reply,
    Kind.MENTION: _mention,
    Kind.ACCEPTED: _accepted,
    Kind.EVENT_REMINDER: _event,
    Kind.GROUP_ACTIVITY: _group,
    Kind.ANNOUNCEMENT: _announcement,
    Kind.FEEDBACK: _feedback,
    Kind.OFFERS: _offers,
    Kind.MODERATION: _moderation,
    Kind.ACHIEVEMENTS: _achievements,
}


def actor_name(notification: Notification) -> str:
    """The actor's current name (an erased account shows its anonymised name), or "Someone"."""
    actor = notification.actor
    if actor is None:
        return _("Someone")
    return actor.get_short_name()


def notification_text(notification: Notification) -> str:
    """The sentence for ``notification`` in the active language (plain text, not escaped)."""
    render = _RENDERERS.get(notification.kind)
    data = notification.data if isinstance(notification.data, dict) else {}
    if render is None:
        return _("You have a new notification")
    return render(data, actor_name(notification))

"""Why a learner is at risk, in plain words, from the model's own arithmetic.

The model is a logistic regression on standardised features, so a learner's log-odds are
``intercept + Σ coef_j · z_j`` and each term ``coef_j · z_j`` is that feature's exact share
of *this* learner's risk relative to an average learner. The reasons are the three largest
positive terms: which features count, and for whom, is decided by the fitted coefficients and
the learner's values, not by rules written here. This module only says each fact in words
("no activity for 12 days"), and the sentence always states the learner's actual value, so a
reason stays true whichever direction the model learned.

Reasons are stored as facts (``{"feature", "value", "context"}``) and rendered in the
viewer's language when shown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .features import FEATURE_KEYS

# For the operator's "reason" filter and the model page: what each feature measures.
FEATURE_LABELS: dict[str, Any] = {
    "days_since_active": gettext_lazy("Days since last activity"),
    "active_days_14": gettext_lazy("Active days in the last 2 weeks"),
    "activity_trend": gettext_lazy("Change in active days (last 2 weeks vs the 2 before)"),
    "study_minutes_14": gettext_lazy("Study minutes in the last 2 weeks"),
    "study_trend": gettext_lazy("Change in study minutes (last 2 weeks vs the 2 before)"),
    "lessons_14": gettext_lazy("Lessons completed in the last 2 weeks"),
    "days_since_progress": gettext_lazy("Days since the last completed lesson"),
    "quiz_mean": gettext_lazy("Average quiz score (last 8 weeks)"),
    "quiz_trend": gettext_lazy("Change in quiz scores (recent vs earlier attempts)"),
    "community_28": gettext_lazy("Posts, replies and check-ins in the last 4 weeks"),
    "purchases": gettext_lazy("Purchases so far"),
    "tenure_days": gettext_lazy("Days since sign-up"),
    "plan_ratio": gettext_lazy("Study time against the weekly time planned in the needs survey"),
    "nps_last": gettext_lazy("Last NPS answer (0–10)"),
    "events_56": gettext_lazy("Live events attended in the last 8 weeks"),
}
assert set(FEATURE_LABELS) == set(FEATURE_KEYS), "every feature needs a label"

MAX_REASONS = 3


def reason_choices() -> list[tuple[str, Any]]:
    """``(feature key, label)`` for the at-risk list's reason filter."""
    return [(key, FEATURE_LABELS[key]) for key in FEATURE_KEYS]


def top_reasons(
    contributions: Mapping[str, float], row: Mapping[str, float], context: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The (up to) three features that raise this learner's risk most, strongest first."""
    ranked = sorted(
        ((value, key) for key, value in contributions.items() if value > 0 and math.isfinite(value)),
        key=lambda item: (-item[0], item[1]),
    )
    reasons = []
    for weight, key in ranked[:MAX_REASONS]:
        value = row.get(key)
        reasons.append(
            {
                "feature": key,
                "value": None if value is None or math.isnan(value) else round(float(value), 2),
                "weight": round(weight, 3),
                "context": _context_for(key, context),
            }
        )
    return reasons


_CONTEXT_KEYS: dict[str, tuple[str, ...]] = {
    "activity_trend": ("active_recent", "active_earlier"),
    "study_trend": ("minutes_recent", "minutes_earlier"),
    "days_since_progress": ("course_id", "course", "lesson", "lessons_total"),
    "quiz_trend": ("quiz_before", "quiz_after"),
}


def _context_for(key: str, context: Mapping[str, Any]) -> dict[str, Any]:
    return {name: context[name] for name in _CONTEXT_KEYS.get(key, ()) if name in context}


def _int(value: Any) -> int:
    try:
        return round(float(value))
    except (TypeError, ValueError):
        return 0


def _trend(ctx: Mapping[str, Any], recent_key: str, earlier_key: str, falling: str, other: str) -> str:
    """A before/after pair of the last two fortnights, worded as falling when it fell."""
    values = {"recent": _int(ctx.get(recent_key)), "earlier": _int(ctx.get(earlier_key))}
    return (falling if values["recent"] < values["earlier"] else other) % values


def reason_text(reason: Mapping[str, Any]) -> str:
    """One reason as a sentence in the active language (plain text: course titles are user content)."""
    key = reason.get("feature", "")
    value = reason.get("value")
    ctx = reason.get("context") or {}
    n = _int(value)
    if key == "days_since_active":
        return ngettext("no activity for %(n)s day", "no activity for %(n)s days", n) % {"n": n}
    if key == "active_days_14":
        return ngettext(
            "active on %(n)s day of the last 14", "active on %(n)s days of the last 14", n
        ) % {"n": n}  # fmt: skip
    if key == "activity_trend":
        return _trend(
            ctx, "active_recent", "active_earlier",
            _("activity falling: %(recent)s active days in the last 2 weeks, %(earlier)s in the 2 before"),
            _("%(recent)s active days in the last 2 weeks, %(earlier)s in the 2 before"),
        )  # fmt: skip
    if key == "study_minutes_14":
        if n == 0:
            return _("no study time in the last 2 weeks")
        return ngettext(
            "only %(n)s minute of study in the last 2 weeks", "%(n)s minutes of study in the last 2 weeks", n
        ) % {"n": n}  # fmt: skip
    if key == "study_trend":
        return _trend(
            ctx, "minutes_recent", "minutes_earlier",
            _("study time falling: %(recent)s min in the last 2 weeks, %(earlier)s min in the 2 before"),
            _("%(recent)s min of study in the last 2 weeks, %(earlier)s min in the 2 before"),
        )  # fmt: skip
    if key == "lessons_14":
        if n == 0:
            return _("no lesson completed in the last 2 weeks")
        return ngettext(
            "%(n)s lesson completed in the last 2 weeks", "%(n)s lessons completed in the last 2 weeks", n
        ) % {"n": n}  # fmt: skip
    if key == "days_since_progress":
        course, done, total = ctx.get("course"), _int(ctx.get("lesson")), _int(ctx.get("lessons_total"))
        if course and total and done < total:
            return ngettext(
                "stalled at lesson %(lesson)s of %(total)s in “%(course)s” for %(n)s day",
                "stalled at lesson %(lesson)s of %(total)s in “%(course)s” for %(n)s days",
                n,
            ) % {"lesson": done + 1, "total": total, "course": str(course)[:120], "n": n}
        if course:
            return ngettext(
                "no lesson for %(n)s day since finishing “%(course)s”",
                "no lesson for %(n)s days since finishing “%(course)s”",
                n,
            ) % {"course": str(course)[:120], "n": n}
        return _("has not completed a lesson yet")
    if key == "quiz_mean":
        return _("quiz average %(pct)s%%") % {"pct": n}
    if key == "quiz_trend":
        before, after = _int(ctx.get("quiz_before")), _int(ctx.get("quiz_after"))
        if after < before:
            return _("quiz scores falling (%(before)s%% → %(after)s%%)") % {"before": before, "after": after}
        return _("quiz scores %(before)s%% → %(after)s%%") % {"before": before, "after": after}
    if key == "community_28":
        if n == 0:
            return _("no posts, replies or check-ins in the last 4 weeks")
        return ngettext(
            "%(n)s post, reply or check-in in the last 4 weeks",
            "%(n)s posts, replies or check-ins in the last 4 weeks",
            n,
        ) % {"n": n}
    if key == "purchases":
        if n == 0:
            return _("has not bought anything yet")
        return ngettext("%(n)s purchase so far", "%(n)s purchases so far", n) % {"n": n}
    if key == "tenure_days":
        return ngettext("joined %(n)s day ago", "joined %(n)s days ago", n) % {"n": n}
    if key == "plan_ratio":
        pct = round(float(value or 0) * 100)
        return _("studied %(pct)s%% of the time planned in the needs survey") % {"pct": pct}
    if key == "nps_last":
        return _("answered %(n)s of 10 to “would you recommend us?”") % {"n": n}
    if key == "events_56":
        if n == 0:
            return _("no live event attended in the last 8 weeks")
        return ngettext(
            "%(n)s live event attended in the last 8 weeks", "%(n)s live events attended in the last 8 weeks", n
        ) % {"n": n}  # fmt: skip
    return str(FEATURE_LABELS.get(key, key))


def reasons_text(reasons: Any) -> list[str]:
    """Stored reasons (a JSON list) as sentences; anything malformed is skipped."""
    if not isinstance(reasons, list):
        return []
    return [reason_text(r) for r in reasons if isinstance(r, Mapping)]

"""``GET /api/v1/me/recommendations?limit=``: the signed-in learner's own recommended courses.

Reads only precomputed rows (``serving.recommendations_for_user``); a learner with none yet gets
the cold start from their needs survey. ``limit`` is 1-50 (default 10); anything else is the
usual 422 naming the field.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from lyceum.core.errors import ValidationFailed

from .serving import MAX_LIMIT, recommendations_for_user

router = Router(tags=["recommendations"])

DEFAULT_LIMIT = 10


class CourseRefOut(Schema):
    id: int
    slug: str
    title: str
    url: str


class ReasonOut(Schema):
    kind: str
    text: str


class RecommendationOut(Schema):
    course: CourseRefOut
    score: float
    rank: int
    reason: ReasonOut


class RecommendationListOut(Schema):
    items: list[RecommendationOut]


def _parse_limit(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    try:
        number = int(value)
    except ValueError:
        raise ValidationFailed(_("Give a whole number."), field="limit") from None
    if not 1 <= number <= MAX_LIMIT:
        raise ValidationFailed(
            _("Give a number from %(low)s to %(high)s.") % {"low": 1, "high": MAX_LIMIT}, field="limit"
        )
    return number


@router.get("/me/recommendations", response=RecommendationListOut, summary="Courses recommended for you")
def my_recommendations(request: HttpRequest, limit: str | None = None) -> dict[str, object]:
    """Your recommended courses, best first, each with the reason in your language. `limit` 1-50."""
    count = _parse_limit(limit)
    items = recommendations_for_user(user=request.auth, limit=count)  # type: ignore[attr-defined]
    return {
        "items": [
            {
                "course": {"id": r.course.pk, "slug": r.course.slug, "title": r.course.title, "url": r.url},
                "score": r.score,
                "rank": r.rank,
                "reason": {"kind": str(r.reason.get("kind", "picked")), "text": r.text},
            }
            for r in items
        ]
    }

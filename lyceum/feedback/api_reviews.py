"""Course review routes of /api/v1.

``GET /courses/{slug}/reviews`` is open (visitors too; a bearer token or the session tells
whose review is "mine"); writes need an account. Errors are ``{detail, code, field}``: a
rating that is not a whole number 1–5 is 422 with ``field: "rating"``, a learner without an
enrollment 403 ``enrollment_required``, one's own review 403 ``own_review``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import StrictInt

from lyceum.accounts.services import token_authenticate
from lyceum.core.errors import NotAuthenticated

from .models import Review
from .selectors import reviews as selectors
from .services import reviews as services

router = Router(tags=["reviews"])


class ReviewIn(Schema):
    rating: StrictInt
    text: str = ""


class ReviewOut(Schema):
    id: int
    course: str
    author: str
    rating: int
    text: str
    created_at: datetime
    edited_at: datetime | None
    helpful_count: int
    instructor_reply: str
    replied_at: datetime | None
    hidden: bool


class SummaryOut(Schema):
    average: float  # 0 without reviews, like the catalog's rating_avg
    count: int
    positive: int
    positive_share: float | None
    distribution: dict[str, int]  # "1".."5" -> reviews


class ReviewPageOut(Schema):
    summary: SummaryOut
    mine: ReviewOut | None
    reviews: list[ReviewOut]
    sort: str
    page: int
    pages: int
    count: int  # reviews in the list (without "mine")


class ReviewListQuery(Schema):
    sort: str = selectors.DEFAULT_SORT
    page: int = 1


class HelpfulOut(Schema):
    marked: bool
    helpful_count: int


def _viewer(request: HttpRequest) -> Any:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = token_authenticate(key=header[7:].strip())
        if user is None:
            raise NotAuthenticated(_("Authentication credentials were not provided or are invalid."))
        return user
    return request.user


def _out(review: Review, course_slug: str) -> dict[str, Any]:
    return {
        "id": review.pk,
        "course": course_slug,
        "author": review.user.get_short_name(),
        "rating": review.rating,
        "text": review.text,
        "created_at": review.created_at,
        "edited_at": review.edited_at,
        "helpful_count": review.helpful_count,
        "instructor_reply": review.instructor_reply,
        "replied_at": review.replied_at,
        "hidden": review.hidden_at is not None,
    }


def _summary(summary: selectors.RatingSummary) -> dict[str, Any]:
    return {
        "average": float(summary.average),
        "count": summary.count,
        "positive": summary.positive,
        "positive_share": summary.positive_share,
        "distribution": {str(row.stars): row.count for row in sorted(summary.distribution, key=lambda r: r.stars)},
    }


@router.get("/courses/{slug}/reviews", response=ReviewPageOut, auth=None, summary="A course's reviews and rating")
def review_list(request: HttpRequest, slug: str, filters: Query[ReviewListQuery]) -> dict[str, Any]:
    """Sorted by `helpful` (default), `newest` or `lowest`; 10 a page; your own review is `mine`."""
    user = _viewer(request)
    course = selectors.course_for_reviews(user=user, slug=slug)
    listing = selectors.review_list(course=course, user=user, sort=filters.sort, page=max(1, filters.page))
    mine = listing.viewer.my_review
    return {
        "summary": _summary(listing.summary),
        "mine": _out(mine, course.slug) if mine is not None else None,
        "reviews": [_out(r, course.slug) for r in listing.page.object_list],
        "sort": listing.sort,
        "page": listing.page.number,
        "pages": listing.page.paginator.num_pages,
        "count": listing.page.paginator.count,
    }


@router.post("/courses/{slug}/reviews", response={200: ReviewOut, 201: ReviewOut}, summary="Review a course")
def review_save(request: HttpRequest, slug: str, payload: ReviewIn) -> Status:
    """Creates your review (201) or edits it (200): one review per learner and course."""
    course = selectors.course_for_reviews(user=request.auth, slug=slug)
    review, created = services.review_save(actor=request.auth, course=course, rating=payload.rating, text=payload.text)
    return Status(201 if created else 200, _out(review, course.slug))


@router.post("/reviews/{review_id}/helpful", response=HelpfulOut, summary="Toggle your helpful mark on a review")
def review_helpful(request: HttpRequest, review_id: int) -> dict[str, Any]:
    review = selectors.review_get(pk=review_id, user=request.auth)
    marked, count = services.review_helpful_toggle(actor=request.auth, review=review)
    return {"marked": marked, "helpful_count": count}

"""Reads of course reviews: the rating summary, the review list, the course-page section.

Every function runs a fixed number of queries whatever the number of reviews.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy

from lyceum.accounts.models import Role
from lyceum.core.errors import NotFound
from lyceum.courses.models import Course, CourseInstructor, CourseStatus
from lyceum.learning.models import Enrollment

from ..models import Review, ReviewHelpful
from ..models.reviews import POSITIVE_MIN_RATING
from ..services.reviews import enrollment_may_review, user_may_moderate_reviews

PAGE_SIZE = 10
SECTION_REVIEWS = 3
SORTS = {
    "helpful": ("-helpful_count", "-created_at", "-id"),
    "newest": ("-created_at", "-id"),
    "lowest": ("rating", "-created_at", "-id"),
}
SORT_LABELS = [
    ("helpful", gettext_lazy("Most helpful")),
    ("newest", gettext_lazy("Newest")),
    ("lowest", gettext_lazy("Lowest rated")),
]
DEFAULT_SORT = "helpful"


def stars(value: float | Decimal | int) -> list[str]:
    """Five star states for a rating, rounded to the nearest half: "full", "half", "empty"."""
    halves = int((Decimal(str(value)) * 2).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    return ["full" if halves >= 2 * i else "half" if halves == 2 * i - 1 else "empty" for i in range(1, 6)]


@dataclass(frozen=True)
class DistributionRow:
    stars: int
    count: int
    percent: int  # of all visible reviews, rounded


@dataclass(frozen=True)
class RatingSummary:
    count: int
    average: Decimal  # 0 when there are no reviews
    positive: int  # rating >= 4 (METRICS.md, USAT)
    distribution: list[DistributionRow]  # 5 stars first

    @property
    def positive_share(self) -> float | None:
        """USAT of this course: positive reviews / all reviews (None without reviews)."""
        return self.positive / self.count if self.count else None

    @property
    def positive_percent(self) -> int | None:
        share = self.positive_share
        return None if share is None else round(share * 100)

    @property
    def stars(self) -> list[str]:
        return stars(self.average)


def _visible(queryset: QuerySet[Review]) -> QuerySet[Review]:
    return queryset.filter(hidden_at__isnull=True)


def rating_summary(*, course_id: int) -> RatingSummary:
    """Average, count, 1–5 distribution and the share of positive reviews. One query."""
    counts = _visible(Review.objects.filter(course_id=course_id)).aggregate(
        **{f"r{n}": Count("id", filter=Q(rating=n)) for n in range(1, 6)}
    )
    by_star = {n: int(counts[f"r{n}"] or 0) for n in range(1, 6)}
    return rating_summary_from_counts(by_star)


def rating_summary_from_counts(by_star: dict[int, int]) -> RatingSummary:
    total = sum(by_star.values())
    average = (
        (Decimal(sum(n * c for n, c in by_star.items())) / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if total
        else Decimal("0")
    )
    rows = [
        DistributionRow(
            stars=n, count=by_star.get(n, 0), percent=round(100 * by_star.get(n, 0) / total) if total else 0
        )
        for n in range(5, 0, -1)
    ]
    positive = sum(c for n, c in by_star.items() if n >= POSITIVE_MIN_RATING)
    return RatingSummary(count=total, average=average, positive=positive, distribution=rows)


def course_for_reviews(*, user: Any, slug: str) -> Course:
    """The permission-checked fetcher: published courses for everyone; archived ones for their
    learners, instructors and staff; anything else is NotFound."""
    course = Course.objects.filter(slug=slug).first()
    if course is None or course.status in (CourseStatus.DRAFT, CourseStatus.IN_REVIEW):
        raise NotFound(_not_found())
    if course.status == CourseStatus.ARCHIVED:
        authenticated = getattr(user, "is_authenticated", False)
        if not authenticated or not (
            user.has_role(Role.OPERATOR)
            or user_may_moderate_reviews(user)
            or Enrollment.objects.filter(user=user, course=course).exists()
            or CourseInstructor.objects.filter(user=user, course=course).exists()
        ):
            raise NotFound(_not_found())
    return course


def _not_found() -> str:
    from django.utils.translation import gettext

    return gettext("No such course.")


def review_get(*, pk: int, user: Any = None) -> Review:
    """A review by id (hidden ones only for moderators and their author)."""
    review = Review.objects.select_related("course", "user").filter(pk=pk).first()
    if review is None:
        raise NotFound(_not_found_review())
    if review.hidden_at is not None and not (
        user_may_moderate_reviews(user) or (getattr(user, "pk", None) == review.user_id)
    ):
        raise NotFound(_not_found_review())
    return review


def _not_found_review() -> str:
    from django.utils.translation import gettext

    return gettext("No such review.")


@dataclass
class Viewer:
    """What the viewer may do with a course's reviews (2 queries for a signed-in user)."""

    can_review: bool = False
    is_instructor: bool = False
    can_moderate: bool = False
    my_review: Review | None = None


def viewer_for(*, user: Any, course: Course) -> Viewer:
    if not getattr(user, "is_authenticated", False):
        return Viewer()
    enrollment = Enrollment.objects.filter(user=user, course=course).first()
    instructor_ids = set(CourseInstructor.objects.filter(course=course).values_list("user_id", flat=True))
    is_instructor = user.pk in instructor_ids and user.has_role(Role.INSTRUCTOR)
    mine = Review.objects.select_related("user", "replied_by").filter(course=course, user=user).first()
    return Viewer(
        can_review=enrollment_may_review(enrollment) and user.pk not in instructor_ids,
        is_instructor=is_instructor,
        can_moderate=user_may_moderate_reviews(user),
        my_review=mine,
    )


def _decorate(reviews: list[Review]) -> list[Review]:
    """Give each review its star states for the templates (``review.stars``)."""
    for review in reviews:
        review.stars = stars(review.rating)  # type: ignore[attr-defined]
    return reviews


def _base(course: Course) -> QuerySet[Review]:
    return Review.objects.filter(course=course).select_related("user", "replied_by")


@dataclass
class ReviewListPage:
    course: Course
    summary: RatingSummary
    viewer: Viewer
    sort: str
    page: Page  # the other reviews
    helpful_ids: set[int] = field(default_factory=set)  # reviews the viewer marked helpful

    @property
    def sort_labels(self) -> list[tuple[str, Any]]:
        return SORT_LABELS


def review_list(*, course: Course, user: Any, sort: str = DEFAULT_SORT, page: int = 1) -> ReviewListPage:
    """The review page: summary, the viewer's own review first (page 1), then the others sorted
    by most helpful, newest or lowest rating, ``PAGE_SIZE`` a page. Moderators also see hidden
    reviews (marked). Fixed number of queries."""
    sort = sort if sort in SORTS else DEFAULT_SORT
    viewer = viewer_for(user=user, course=course)
    summary = rating_summary(course_id=course.pk)
    others = _base(course)
    if not viewer.can_moderate:
        others = _visible(others)
    if viewer.my_review is not None:
        others = others.exclude(pk=viewer.my_review.pk)
    paginator = Paginator(others.order_by(*SORTS[sort]), PAGE_SIZE)
    result = paginator.get_page(page)
    result.object_list = _decorate(list(result.object_list))
    if viewer.my_review is not None:
        _decorate([viewer.my_review])
    helpful: set[int] = set()
    if getattr(user, "is_authenticated", False):
        ids = [r.pk for r in result.object_list]
        if ids:
            helpful = set(
                ReviewHelpful.objects.filter(user=user, review_id__in=ids).values_list("review_id", flat=True)
            )
    return ReviewListPage(course=course, summary=summary, viewer=viewer, sort=sort, page=result, helpful_ids=helpful)


def reviews_top(*, course: Course, limit: int = SECTION_REVIEWS) -> list[Review]:
    """The most helpful visible reviews with text (one query)."""
    return _decorate(list(_visible(_base(course)).exclude(text="").order_by(*SORTS["helpful"])[:limit]))


def course_reviews_section(*, course: Any, user: Any) -> list[dict[str, Any]]:
    """The ``course_page.sections`` hook: the rating summary in the side column and, for the main
    column (``main_template``), the three most helpful reviews. Published and archived courses
    only. Two queries for a visitor, three for a signed-in user."""
    if course.status not in (CourseStatus.PUBLISHED, CourseStatus.ARCHIVED):
        return []
    summary = rating_summary(course_id=course.pk)
    top = reviews_top(course=course) if summary.count else []
    viewer = _section_viewer(user=user, course=course)
    return [
        {
            "template": "feedback/reviews/_course_section.html",
            "main_template": "feedback/reviews/_course_main.html",
            "course": course,
            "summary": summary,
            "top_reviews": top,
            "viewer": viewer,
        }
    ]


def _section_viewer(*, user: Any, course: Any) -> Viewer:
    """Whether to offer "Write a review" / "Edit your review": one query (the enrollment with the
    learner's review id and rating alongside) for a signed-in user, none for a visitor."""
    if not getattr(user, "is_authenticated", False):
        return Viewer()
    mine = Review.objects.filter(course=course, user=user)
    row = (
        Enrollment.objects.filter(user=user, course=course)
        .annotate(
            review_id=Subquery(mine.values("pk")[:1]),
            review_rating=Subquery(mine.values("rating")[:1]),
        )
        .first()
    )
    if row is None:
        return Viewer()
    review = None
    if row.review_id:
        review = Review(pk=row.review_id, course_id=course.pk, user_id=user.pk, rating=row.review_rating)
        _decorate([review])
    return Viewer(can_review=enrollment_may_review(row), my_review=review)

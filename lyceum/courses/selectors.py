"""Reads of courses data with relations: catalog and search above, authoring and review below."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext, gettext_lazy

from lyceum.accounts.models import Level, User
from lyceum.core.cache_pages import kept
from lyceum.core.errors import ValidationFailed

from . import models as course_models
from .models import Category, CourseLanguage, Tag
from .search import course_search

# --- Catalog and search ------------------------------------------------------------------------

CATALOG_PAGE_SIZE = 20
# Search ranks at most this many matches; filters and sorting then apply to them.
SEARCH_MAX_RESULTS = 500
MAX_QUERY_LENGTH = 200
PUBLISHED = course_models.CourseStatus.PUBLISHED


class CatalogSort(models.TextChoices):
    RELEVANCE = "relevance", gettext_lazy("Best match")
    NEWEST = "newest", gettext_lazy("Newest")
    POPULAR = "popular", gettext_lazy("Most popular")
    RATING = "rating", gettext_lazy("Highest rated")


class PriceFilter(models.TextChoices):
    FREE = "free", gettext_lazy("Free")
    PAID = "paid", gettext_lazy("For sale")


SORT_ORDER = {
    CatalogSort.NEWEST: ("-published_at", "-id"),
    CatalogSort.POPULAR: ("-enrollment_count", "-published_at", "-id"),
    CatalogSort.RATING: ("-rating_avg", "-rating_count", "-published_at", "-id"),
}


@dataclass(frozen=True)
class CatalogFilters:
    """Cleaned catalog filters: every value here is known to be valid."""

    q: str = ""
    category: Category | None = None
    tag: Tag | None = None
    level: str = ""
    language: str = ""
    price: str = ""
    instructor: User | None = None
    sort: str = ""

    @property
    def effective_sort(self) -> str:
        if self.sort == CatalogSort.RELEVANCE and not self.q:
            return CatalogSort.NEWEST
        return self.sort or (CatalogSort.RELEVANCE if self.q else CatalogSort.NEWEST)

    @property
    def is_filtered(self) -> bool:
        return any((self.q, self.category, self.tag, self.level, self.language, self.price, self.instructor))


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    return "" if value is None else str(value).strip()


def catalog_filters_clean(raw: Mapping[str, Any]) -> tuple[CatalogFilters, list[ValidationFailed]]:
    """Parse catalog filters from query parameters.

    Keeps every valid filter and returns one ``ValidationFailed`` (with ``field``) per bad
    value: the page shows them and carries on; the API answers 422 with the first.
    """
    errors: list[ValidationFailed] = []
    values: dict[str, Any] = {}

    q = _text(raw, "q")
    if len(q) > MAX_QUERY_LENGTH:
        errors.append(
            ValidationFailed(gettext("Search for at most %(n)s characters.") % {"n": MAX_QUERY_LENGTH}, field="q")
        )
        q = q[:MAX_QUERY_LENGTH]
    values["q"] = q

    choices = {
        "level": (Level, gettext("Unknown level.")),
        "language": (CourseLanguage, gettext("Unknown language.")),
        "price": (PriceFilter, gettext("Price must be free or paid.")),
        "sort": (CatalogSort, gettext("Unknown sort order.")),
    }
    for name, (enum, message) in choices.items():
        value = _text(raw, name)
        if value and value not in enum.values:
            errors.append(ValidationFailed(message, field=name))
        elif value:
            values[name] = value

    if slug := _text(raw, "category"):
        values["category"] = Category.objects.filter(slug=slug).first()
        if values["category"] is None:
            errors.append(ValidationFailed(gettext("Unknown category."), field="category"))
    if slug := _text(raw, "tag"):
        values["tag"] = Tag.objects.filter(slug=slug).first()
        if values["tag"] is None:
            errors.append(ValidationFailed(gettext("Unknown tag."), field="tag"))
    if instructor := _text(raw, "instructor"):
        user = None
        if instructor.isdigit() and len(instructor) < 19:
            user = (
                User.objects.filter(pk=int(instructor), instructor_links__course__status=PUBLISHED).order_by().first()
            )
        if user is None:
            errors.append(ValidationFailed(gettext("Unknown instructor."), field="instructor"))
        values["instructor"] = user
    return CatalogFilters(**values), errors


def course_list_for_catalog(*, filters: CatalogFilters) -> models.QuerySet[course_models.Course]:
    """Published courses for the catalog and search, filtered and sorted; a fixed number of queries.

    Each course carries ``instructor_list`` (CourseInstructor rows with their users), its
    category and its tags.
    """
    courses = (
        course_models.Course.objects.filter(status=PUBLISHED)
        .select_related("category")
        .prefetch_related(
            models.Prefetch(
                "course_instructors",
                queryset=course_models.CourseInstructor.objects.select_related("user").order_by("position", "id"),
                to_attr="instructor_list",
            ),
            "tags",
        )
    )
    if filters.category is not None:
        courses = courses.filter(category=filters.category)
    if filters.tag is not None:
        courses = courses.filter(tags=filters.tag)
    if filters.instructor is not None:
        courses = courses.filter(course_instructors__user=filters.instructor)
    if filters.level:
        courses = courses.filter(level=filters.level)
    if filters.language:
        courses = courses.filter(language=filters.language)
    if filters.price:
        courses = courses.filter(is_free=filters.price == PriceFilter.FREE)

    sort = filters.effective_sort
    if filters.q:
        ranked, _total = course_search(query=filters.q, limit=SEARCH_MAX_RESULTS, offset=0)
        if not ranked:
            return courses.none()
        courses = courses.filter(pk__in=ranked)
        if sort == CatalogSort.RELEVANCE:
            rank = models.Case(
                *[models.When(pk=pk, then=models.Value(position)) for position, pk in enumerate(ranked)],
                default=models.Value(len(ranked)),
                output_field=models.IntegerField(),
            )
            return courses.order_by(rank, "-id")
    return courses.order_by(*SORT_ORDER[CatalogSort(sort)])


def category_list_for_catalog() -> list[Category]:
    """Every category with ``course_count``: how many published courses it holds."""
    return list(
        Category.objects.annotate(course_count=models.Count("courses", filter=models.Q(courses__status=PUBLISHED)))
    )


def catalog_sidebar(*, tag_limit: int = 16) -> tuple[list[Category], list[Tag]]:
    """The catalog's categories and popular tags with their counts: the same for every visitor
    and search, so kept under the page-cache token (publishing, archiving or editing a course
    retires them) instead of two aggregate queries per page."""
    return kept(
        f"catalog-sidebar:{tag_limit}",
        lambda: (category_list_for_catalog(), tag_list_popular(limit=tag_limit)),
    )


def tag_list_popular(*, limit: int = 20) -> list[Tag]:
    """The tags on the most published courses, with ``course_count``."""
    return list(
        Tag.objects.annotate(course_count=models.Count("courses", filter=models.Q(courses__status=PUBLISHED)))
        .filter(course_count__gt=0)
        .order_by("-course_count", "name")[:limit]
    )


# --- authoring selectors below ---
# Reads for the instructor studio, the review queue and the changelog. The permission
# rules live here so that pages, services and other apps ask the same question.


from django.db.models import Count, Prefetch, QuerySet  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402

from lyceum.accounts.models import Role  # noqa: E402
from lyceum.core.errors import NotFound, PermissionDenied  # noqa: E402

from .models import (  # noqa: E402
    Course,
    CourseChange,
    CourseInstructor,
    CourseReview,
    CourseStatus,
    Lesson,
    LessonKind,
    Module,
    Question,
    ReviewDecision,
)

# Moderators become expert reviewers when an operator grants them this permission
# (admin → user → permissions: "courses | course review | Can change course review").
REVIEWER_PERMISSION = "courses.change_coursereview"


def user_can_author(*, user: Any) -> bool:
    """Instructors and operators may create courses and open the studio."""
    return bool(user.is_authenticated and (user.has_role(Role.INSTRUCTOR) or user.has_role(Role.OPERATOR)))


def course_user_is_instructor(*, user: Any, course: Course) -> bool:
    if not user.is_authenticated:
        return False
    return CourseInstructor.objects.filter(course=course, user=user).exists()


def course_user_can_edit(*, user: Any, course: Course) -> bool:
    """Operators, and the course's own instructors while they hold the instructor role."""
    if not user.is_authenticated:
        return False
    if user.has_role(Role.OPERATOR):
        return True
    return user.has_role(Role.INSTRUCTOR) and course_user_is_instructor(user=user, course=course)


def user_is_reviewer(*, user: Any) -> bool:
    """Operators, and moderators an operator designated as expert reviewers."""
    if not user.is_authenticated:
        return False
    if user.has_role(Role.OPERATOR):
        return True
    return user.has_role(Role.MODERATOR) and user.has_perm(REVIEWER_PERMISSION)


def course_user_can_review(*, user: Any, course: Course) -> bool:
    """A reviewer who does not teach the course (no one reviews their own course)."""
    return user_is_reviewer(user=user) and not course_user_is_instructor(user=user, course=course)


def course_user_can_preview(*, user: Any, course: Course) -> bool:
    """Who may open every lesson and media file of a course, whatever its status:
    its editors, and reviewers while the course waits for review."""
    if course_user_can_edit(user=user, course=course):
        return True
    return course.status == CourseStatus.IN_REVIEW and user_is_reviewer(user=user)


def course_list_for_studio(*, user: Any) -> QuerySet[Course]:
    """The studio's course list: the user's own courses (operators: every course)."""
    courses = Course.objects.all()
    if not user.has_role(Role.OPERATOR):
        courses = courses.filter(course_instructors__user=user)
    return (
        courses.annotate(
            module_total=Count("modules", distinct=True),
            lesson_total=Count("lessons", distinct=True),
        )
        .prefetch_related(
            Prefetch(
                "course_instructors",
                queryset=CourseInstructor.objects.select_related("user").order_by("position", "id"),
            )
        )
        .order_by("-updated_at", "-id")
    )


def _course_for_edit(*, user: Any, course: Course) -> Course:
    if not course_user_can_edit(user=user, course=course):
        raise PermissionDenied(_("Only this course's instructors can change it."))
    return course


def course_get_for_edit(*, user: Any, course_id: int) -> Course:
    """The permission-checked fetcher of the studio: NotFound or PermissionDenied."""
    course = Course.objects.select_related("category").filter(pk=course_id).first()
    if course is None:
        raise NotFound(_("No such course."))
    return _course_for_edit(user=user, course=course)


def module_get_for_edit(*, user: Any, module_id: int) -> Module:
    module = Module.objects.select_related("course").filter(pk=module_id).first()
    if module is None:
        raise NotFound(_("No such module."))
    _course_for_edit(user=user, course=module.course)
    return module


def lesson_get_for_edit(*, user: Any, lesson_id: int) -> Lesson:
    lesson = Lesson.objects.select_related("course", "module").filter(pk=lesson_id).first()
    if lesson is None:
        raise NotFound(_("No such lesson."))
    _course_for_edit(user=user, course=lesson.course)
    return lesson


def lesson_get_for_preview(*, user: Any, lesson_id: int) -> Lesson:
    """A lesson for its editors and for reviewers of a course in review."""
    lesson = Lesson.objects.select_related("course").filter(pk=lesson_id).first()
    if lesson is None:
        raise NotFound(_("No such lesson."))
    if not course_user_can_preview(user=user, course=lesson.course):
        raise PermissionDenied(_("You cannot open this lesson."))
    return lesson


def question_get_for_edit(*, user: Any, question_id: int) -> Question:
    question = (
        Question.objects.select_related("quiz__lesson__course", "quiz__lesson__module")
        .prefetch_related("choices")
        .filter(pk=question_id)
        .first()
    )
    if question is None:
        raise NotFound(_("No such question."))
    _course_for_edit(user=user, course=question.quiz.lesson.course)
    return question


def course_outline_for_studio(*, course: Course) -> list[Module]:
    """Modules in order, each with ``lessons`` in order (quizzes and their question counts)."""
    lessons = (
        Lesson.objects.select_related("quiz")
        .annotate(question_total=Count("quiz__questions"))
        .order_by("position", "id")
    )
    return list(course.modules.prefetch_related(Prefetch("lessons", queryset=lessons)).order_by("position", "id"))


def quiz_questions_for_studio(*, lesson: Lesson) -> list[Question]:
    return list(Question.objects.filter(quiz__lesson=lesson).prefetch_related("choices").order_by("position", "id"))


def course_readiness(*, course: Course) -> list[str]:
    """What a course still lacks before it may be submitted for review (empty: ready)."""
    problems = []
    if not course.title.strip():
        problems.append(_("Add a title."))
    if not course.description.strip():
        problems.append(_("Add a description."))
    if not course.objective_list():
        problems.append(_("List what learners will learn (the objectives)."))
    if not Lesson.objects.filter(course=course, module__course=course).exists():
        problems.append(_("Add at least one module with a lesson."))
    return problems


def course_reviews_for_course(*, course: Course) -> list[CourseReview]:
    return list(course.reviews.select_related("submitted_by", "reviewer").order_by("-submitted_at", "-id"))


def review_queue(*, user: Any) -> list[CourseReview]:
    """Pending reviews, oldest first, flagged whether ``user`` may decide each (``can_decide``)."""
    reviews = list(
        CourseReview.objects.filter(decision=ReviewDecision.PENDING, course__status=CourseStatus.IN_REVIEW)
        .select_related("course", "submitted_by")
        .prefetch_related("course__course_instructors")
        .order_by("submitted_at", "id")
    )
    for review in reviews:
        teaches = any(link.user_id == user.pk for link in review.course.course_instructors.all())
        review.can_decide = not teaches and review.submitted_by_id != user.pk  # type: ignore[attr-defined]
    return reviews


def review_get_for_reviewer(*, user: Any, review_id: int) -> CourseReview:
    if not user_is_reviewer(user=user):
        raise PermissionDenied(_("Only reviewers can open course reviews."))
    review = CourseReview.objects.select_related("course__category", "submitted_by", "reviewer").filter(pk=review_id)
    found = review.first()
    if found is None:
        raise NotFound(_("No such review."))
    return found


def course_changes(*, course: Course) -> list[CourseChange]:
    return list(course.changes.select_related("author").order_by("-version"))


def course_get_for_changelog(*, user: Any, slug: str) -> Course:
    """Published and archived courses show their changelog to everyone; drafts only to editors."""
    course = Course.objects.filter(slug=slug).first()
    if course is None:
        raise NotFound(_("No such course."))
    if course.status in (CourseStatus.PUBLISHED, CourseStatus.ARCHIVED):
        return course
    if course_user_can_preview(user=user, course=course):
        return course
    raise NotFound(_("No such course."))


def lesson_kinds_with_media() -> tuple[str, ...]:
    return (LessonKind.VIDEO, LessonKind.AUDIO, LessonKind.FILE)

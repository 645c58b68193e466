"""``/api/v1/courses``: the public catalog and search."""

from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from lyceum.accounts.models import Level
from lyceum.core.cache_pages import api_etag

from . import selectors
from .models import Course, CourseLanguage

router = Router(tags=["courses"])


# --- Catalog schemas ---------------------------------------------------------------------------


class CatalogQuery(Schema):
    q: str = Field("", max_length=selectors.MAX_QUERY_LENGTH, description="Full-text search (English and Chinese).")
    category: str = Field("", max_length=50, description="Category slug.")
    tag: str = Field("", max_length=60, description="Tag slug.")
    level: Level | None = None
    language: CourseLanguage | None = None
    price: selectors.PriceFilter | None = Field(None, description="free or paid (for sale).")
    instructor: int | None = Field(None, ge=1, description="User id of an instructor.")
    sort: selectors.CatalogSort | None = Field(
        None, description="Default: relevance when searching (q), newest otherwise."
    )


class CategoryOut(Schema):
    slug: str
    name: str


class InstructorOut(Schema):
    id: int
    display_name: str


class CourseCardOut(Schema):
    id: int
    slug: str
    url: str
    title: str
    subtitle: str
    cover_url: str | None
    language: str
    level: str
    estimated_hours: float
    is_free: bool
    category: CategoryOut | None
    tags: list[str]
    instructors: list[InstructorOut]
    published_at: datetime | None
    enrollment_count: int
    rating_avg: float
    rating_count: int

    @staticmethod
    def resolve_url(course: Course) -> str:
        return f"/courses/{course.slug}/"  # learning:course-detail

    @staticmethod
    def resolve_cover_url(course: Course) -> str | None:
        return course.cover.url if course.cover else None

    @staticmethod
    def resolve_category(course: Course) -> dict[str, str] | None:
        category = course.category
        return {"slug": category.slug, "name": category.name} if category else None

    @staticmethod
    def resolve_tags(course: Course) -> list[str]:
        return [tag.slug for tag in course.tags.all()]

    @staticmethod
    def resolve_instructors(course: Course) -> list[dict[str, object]]:
        links = course.instructor_list  # type: ignore[attr-defined]
        return [{"id": link.user_id, "display_name": link.user.get_short_name()} for link in links]


# --- Catalog endpoints -------------------------------------------------------------------------


@router.get(
    "/courses",
    response=list[CourseCardOut],
    auth=None,
    summary="Published courses: browse, filter and search",
)
@api_etag(store=CourseCardOut)
@paginate(PageNumberPagination, page_size=selectors.CATALOG_PAGE_SIZE, max_page_size=selectors.CATALOG_PAGE_SIZE)
def course_list(request: HttpRequest, filters: Query[CatalogQuery], response: HttpResponse) -> QuerySet[Course]:
    """With `q`, results are ranked by relevance unless `sort` says otherwise. 20 per page.
    Sends an `ETag`; `If-None-Match` with it answers 304 until a course, price or review changes."""
    cleaned, errors = selectors.catalog_filters_clean(filters.dict(exclude_none=True))
    if errors:
        raise errors[0]
    return selectors.course_list_for_catalog(filters=cleaned)

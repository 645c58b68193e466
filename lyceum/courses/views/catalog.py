"""The public catalog: browse, filter and search published courses."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lyceum.accounts.models import Level
from lyceum.core.cache_pages import anonymous_page_cache

from .. import selectors, services
from ..models import CourseLanguage


def _is_search(request: HttpRequest) -> bool:
    return bool(request.GET.get("q", "").strip())  # recorded per search: never served from the cache


@anonymous_page_cache(unless=_is_search)
def catalog(request: HttpRequest) -> HttpResponse:
    filters, errors = selectors.catalog_filters_clean(request.GET)
    courses = selectors.course_list_for_catalog(filters=filters)
    page = Paginator(courses, selectors.CATALOG_PAGE_SIZE).get_page(request.GET.get("page"))
    if filters.q and page.number == 1:  # a search, counted once (not again per page turned)
        services.catalog_search_record(user=request.user, query=filters.q, results=page.paginator.count)
    return render(
        request,
        "courses/catalog.html",
        {
            "filters": filters,
            "errors": {error.field: error.message for error in errors},
            "page_obj": page,
            "courses": page.object_list,
            "categories": selectors.category_list_for_catalog(),
            "tags": selectors.tag_list_popular(limit=16),
            "level_choices": Level.choices,
            "language_choices": CourseLanguage.choices,
            "price_choices": selectors.PriceFilter.choices,
            "sort_choices": selectors.CatalogSort.choices,
        },
    )

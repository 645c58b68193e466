"""The public catalog: browse, filter and search published courses."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lyceum.accounts.models import Level
from lyceum.core.cache_pages import NOTE_ATTRIBUTE, anonymous_page_cache

from .. import selectors, services
from ..models import CourseLanguage


def _record_search(request: HttpRequest, note: dict[str, Any]) -> None:
    """A visitor's search answered from the page cache is still a search: recorded as the view does."""
    services.catalog_search_record(user=request.user, query=note["query"], results=note["results"])


# Searches are cached too (the key is the whole URL); the catalog.searched event is recorded on
# every answer all the same, from the note stored with the copy.
@anonymous_page_cache(replay=_record_search)
def catalog(request: HttpRequest) -> HttpResponse:
    filters, errors = selectors.catalog_filters_clean(request.GET)
    courses = selectors.course_list_for_catalog(filters=filters)
    page = Paginator(courses, selectors.CATALOG_PAGE_SIZE).get_page(request.GET.get("page"))
    note = None
    if filters.q and page.number == 1:  # a search, counted once (not again per page turned)
        note = {"query": filters.q, "results": page.paginator.count}
        _record_search(request, note)
    categories, tags = selectors.catalog_sidebar(tag_limit=16)
    response = render(
        request,
        "courses/catalog.html",
        {
            "filters": filters,
            "errors": {error.field: error.message for error in errors},
            "page_obj": page,
            "courses": page.object_list,
            "categories": categories,
            "tags": tags,
            "level_choices": Level.choices,
            "language_choices": CourseLanguage.choices,
            "price_choices": selectors.PriceFilter.choices,
            "sort_choices": selectors.CatalogSort.choices,
        },
    )
    if note is not None:
        setattr(response, NOTE_ATTRIBUTE, note)
    return response

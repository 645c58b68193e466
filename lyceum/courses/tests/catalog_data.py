"""Builders for catalog and search tests: published courses with instructors, tags, lessons."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from django.utils import timezone

from lyceum.courses import services
from lyceum.courses.models import Category, Course, CourseInstructor, CourseStatus, Lesson, Module, Tag

_seq = itertools.count(1)


def category(slug: str = "programming") -> Category:
    return Category.objects.get_or_create(slug=slug, defaults={"name_en": slug.title(), "name_zh": slug})[0]


def tag(slug: str) -> Tag:
    return Tag.objects.get_or_create(slug=slug, defaults={"name": slug})[0]


def published_course(
    *,
    instructors: tuple[Any, ...] = (),
    tags: tuple[str, ...] = (),
    lessons: tuple[str, ...] = (),
    days_ago: int = 1,
    index: bool = True,
    **fields: Any,
) -> Course:
    """A course as the catalog sees it; ``index=True`` also puts it into the search index."""
    n = next(_seq)
    fields.setdefault("slug", f"catalog-course-{n}")
    fields.setdefault("title", f"Course {n}")
    fields.setdefault("status", CourseStatus.PUBLISHED)
    if fields["status"] == CourseStatus.PUBLISHED:
        fields.setdefault("published_at", timezone.now() - timedelta(days=days_ago))
    course = Course.objects.create(**fields)
    for position, user in enumerate(instructors):
        CourseInstructor.objects.create(course=course, user=user, position=position)
    course.tags.set([tag(slug) for slug in tags])
    if lessons:
        module = Module.objects.create(course=course, title="Module 1")
        for position, title in enumerate(lessons):
            Lesson.objects.create(course=course, module=module, title=title, position=position)
    if index:
        services.course_search_index_update(course=course)
    return course

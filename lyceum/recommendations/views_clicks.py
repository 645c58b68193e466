"""``/recommended/<course id>/``: record the click (``clicks.py``), then go to the course page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET

from lyceum.courses.models import Course, CourseStatus

from .clicks import recommendation_click_record


@require_GET
def clicked(request: HttpRequest, course_id: int) -> HttpResponse:
    course = get_object_or_404(Course, pk=course_id, status=CourseStatus.PUBLISHED)
    rank_text = request.GET.get("rank", "")
    rank = int(rank_text) if rank_text.isdigit() and len(rank_text) <= 3 else None
    recommendation_click_record(user=request.user, course=course, placement=request.GET.get("from", ""), rank=rank)
    return redirect(f"/courses/{course.slug}/")  # our own path: never a redirect the link chose

"""A lesson withdrawn pending a copyright review: learners cannot open it (451) anywhere — page,
API, progress heartbeat, media file — the outline says it is unavailable, and the course's
instructors and operators still open it."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from lyceum.core.errors import PermissionDenied
from lyceum.core.models import Event
from lyceum.courses.models import LessonKind
from lyceum.courses.services import lesson_set_withdrawn
from lyceum.learning import services
from lyceum.learning.models import LessonProgress

from .factories import add_lesson, make_course

pytestmark = pytest.mark.django_db


def _withdrawn_video(course, operator):
    lesson = add_lesson(
        course, title="Pirated clip", kind=LessonKind.VIDEO, duration_seconds=120, media_type="video/mp4"
    )
    lesson.media.save("clip.mp4", ContentFile(b"0123456789" * 100))
    return lesson_set_withdrawn(actor=operator, lesson=lesson, withdrawn=True, reason="Complaint #12")


def test_learner_gets_451_on_the_page_and_the_outline_says_unavailable(client_for, learner, operator):
    course = make_course()
    services.enrollment_create(user=learner, course=course)
    lesson = _withdrawn_video(course, operator)
    client = client_for(learner)

    page = client.get(f"/courses/{course.slug}/lessons/{lesson.pk}/")
    outline = client.get(f"/courses/{course.slug}/")

    assert page.status_code == 451
    assert "copyright complaint" in page.content.decode()
    assert outline.status_code == 200
    assert "Unavailable: copyright review" in outline.content.decode()
    assert f"/lessons/{lesson.pk}/" not in outline.content.decode()  # no link to open it
    assert not LessonProgress.objects.filter(user=learner, lesson=lesson).exists()


def test_instructor_and_operator_still_open_a_withdrawn_lesson(client_for, instructor, operator):
    course = make_course(instructor=instructor)
    lesson = _withdrawn_video(course, operator)

    for person in (instructor, operator):
        response = client_for(person).get(f"/courses/{course.slug}/lessons/{lesson.pk}/")
        assert response.status_code == 200
        assert "Withdrawn: learners cannot open it" in response.content.decode()
    studio = client_for(instructor).get(f"/studio/courses/{course.pk}/")
    assert studio.status_code == 200 and "Withdrawn: learners cannot open it" in studio.content.decode()


def test_api_and_progress_heartbeat_refuse_a_withdrawn_lesson(api, learner, operator):
    course = make_course()
    services.enrollment_create(user=learner, course=course)
    lesson = _withdrawn_video(course, operator)
    call = api(learner)

    detail = call("get", f"/lessons/{lesson.pk}")
    heartbeat = call("post", f"/lessons/{lesson.pk}/progress", {"position_seconds": 30})
    complete = call("post", f"/lessons/{lesson.pk}/complete")
    outline = call("get", f"/courses/{course.slug}/outline")

    assert (detail.status_code, detail.json()["code"]) == (451, "withdrawn")
    assert (heartbeat.status_code, heartbeat.json()["code"]) == (451, "withdrawn")
    assert complete.status_code == 451
    row = next(r for m in outline.json()["modules"] for r in m["lessons"] if r["id"] == lesson.pk)
    assert (row["can_open"], row["locked_reason"]) == (False, "withdrawn")
    assert not LessonProgress.objects.filter(user=learner, lesson=lesson).exists()


def test_media_file_is_refused_once_withdrawn_and_served_again_when_restored(client_for, learner, operator):
    course = make_course()
    services.enrollment_create(user=learner, course=course)
    lesson = add_lesson(course, title="Clip", kind=LessonKind.VIDEO, duration_seconds=30, media_type="video/mp4")
    lesson.media.save("clip.mp4", ContentFile(b"x" * 1000))
    client = client_for(learner)
    src = client.get(f"/courses/{course.slug}/lessons/{lesson.pk}/").context["media_src"]

    lesson_set_withdrawn(actor=operator, lesson=lesson, withdrawn=True, reason="Complaint")
    refused = client.get(src)
    lesson_set_withdrawn(actor=None, lesson=lesson, withdrawn=False)
    served = client.get(src)

    assert refused.status_code == 403
    assert served.status_code == 200
    names = Event.objects.filter(name__in=["lesson.withdrawn", "lesson.restored"]).order_by("pk")
    assert list(names.values_list("name", flat=True)) == ["lesson.withdrawn", "lesson.restored"]


def test_only_operators_withdraw_lessons(instructor):
    course = make_course(instructor=instructor)
    lesson = course.lessons.first()

    with pytest.raises(PermissionDenied):
        lesson_set_withdrawn(actor=instructor, lesson=lesson, withdrawn=True, reason="x")
    lesson.refresh_from_db()
    assert lesson.withdrawn_at is None

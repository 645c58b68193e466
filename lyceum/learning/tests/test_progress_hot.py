"""The progress heartbeat (the site's hottest write): its rules, its access check and its cost."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from conftest import make_user, run_concurrently
from lyceum.core.errors import NotFound, PermissionDenied, ValidationFailed
from lyceum.core.models import Event
from lyceum.courses.models import Course, CourseStatus, LessonKind
from lyceum.learning import selectors, services
from lyceum.learning.models import Enrollment, LessonProgress

from .factories import add_lesson, make_course


def _video(duration: int = 200, **course_fields):
    course = make_course(**course_fields)
    return course, add_lesson(course, title="Video", kind=LessonKind.VIDEO, duration_seconds=duration)


def _steps(user, lesson) -> list[int]:
    return [
        e.props["percent"]
        for e in Event.objects.filter(name="video.progressed", actor=user, object_id=str(lesson.pk)).order_by("pk")
    ]


def test_one_event_per_ten_percent_step_and_completion_at_the_threshold(learner):
    course, video = _video(duration=1000)
    services.enrollment_create(user=learner, course=course)

    for position in (10, 50, 99, 100, 150, 101, 350, 340, 949):
        row = services.lesson_progress_update(user=learner, lesson_id=video.pk, position_seconds=position)
    assert _steps(learner, video) == [10, 35, 94]  # the heartbeats inside a step announce nothing
    assert (row.percent, row.completed_at) == (94, None)

    for position in (950, 960):  # 95 % is done
        row = services.lesson_progress_update(user=learner, lesson_id=video.pk, position_seconds=position)

    assert _steps(learner, video) == [10, 35, 94]
    assert (row.position_seconds, row.furthest_seconds, row.percent) == (960, 960, 100)
    assert row.completed_at is not None
    assert Event.objects.filter(name="lesson.completed", actor=learner, object_id=str(video.pk)).count() == 1
    stored = LessonProgress.objects.get(user=learner, lesson=video)
    assert (stored.position_seconds, stored.furthest_seconds, stored.percent) == (960, 960, 100)


def test_resume_point_follows_the_learner_but_progress_never_goes_back(learner):
    course, video = _video(duration=200)
    services.enrollment_create(user=learner, course=course)

    services.lesson_progress_update(user=learner, lesson_id=video.pk, position_seconds=120)
    row = services.lesson_progress_update(user=learner, lesson_id=video.pk, position_seconds=30.7)

    assert (row.position_seconds, row.furthest_seconds, row.percent) == (30, 120, 60)
    stored = LessonProgress.objects.get(user=learner, lesson=video)
    assert (stored.position_seconds, stored.furthest_seconds, stored.percent) == (30, 120, 60)
    assert stored.completed_at is None


def test_a_video_without_a_length_keeps_the_position_but_no_percent(learner):
    course, video = _video(duration=0)
    services.enrollment_create(user=learner, course=course)

    services.lesson_progress_update(user=learner, lesson_id=video.pk, position_seconds=300)
    row = services.lesson_progress_update(user=learner, lesson_id=video.pk, position_seconds=500)

    assert (row.position_seconds, row.furthest_seconds, row.percent, row.completed_at) == (500, 500, 0, None)
    assert _steps(learner, video) == []


def test_a_text_lesson_tracks_no_position(learner):
    course = make_course()
    services.enrollment_create(user=learner, course=course)
    text = course.lessons.first()

    with pytest.raises(ValidationFailed) as exc:
        services.lesson_progress_update(user=learner, lesson_id=text.pk, position_seconds=5)

    assert exc.value.field == "position_seconds"
    assert not LessonProgress.objects.exists()


def test_the_quick_access_check_agrees_with_the_course_outline(learner, instructor, outsider):
    """lesson_open_for_user (the heartbeat's) and lesson_get_for_user (the pages') must say the same."""
    course, video = _video(instructor=instructor)
    preview = add_lesson(course, title="Preview", kind=LessonKind.VIDEO, duration_seconds=60, is_preview=True)
    later = add_lesson(course, title="Later", kind=LessonKind.VIDEO, duration_seconds=60, release_after_days=7)
    withdrawn = add_lesson(course, title="Gone", kind=LessonKind.VIDEO, duration_seconds=60)
    withdrawn.withdrawn_at = timezone.now()
    withdrawn.save()
    services.enrollment_create(user=learner, course=course)
    expired = make_user("expired@example.org")
    Enrollment.objects.create(user=expired, course=course, access_until=timezone.now() - timedelta(days=1))
    revoked = make_user("revoked@example.org")
    services.enrollment_revoke(actor=revoked, enrollment=services.enrollment_create(user=revoked, course=course))

    def outcome(check, user, lesson) -> str:
        try:
            check(user=user, lesson_id=lesson.pk)
        except (NotFound, PermissionDenied) as exc:
            return f"{type(exc).__name__}:{getattr(exc, 'code', '')}:{exc.status}:{exc.message}"
        return "open"

    for user in (learner, instructor, outsider, expired, revoked):
        for lesson in (video, preview, later, withdrawn):
            quick = outcome(selectors.lesson_open_for_user, user, lesson)
            full = outcome(selectors.lesson_get_for_user, user, lesson)
            assert quick == full, (user.email, lesson.title)
    assert outcome(selectors.lesson_open_for_user, learner, video) == "open"
    assert outcome(selectors.lesson_open_for_user, learner, later).startswith("PermissionDenied:locked")
    assert outcome(selectors.lesson_open_for_user, learner, withdrawn).startswith("LessonWithdrawn:withdrawn:451")
    assert outcome(selectors.lesson_open_for_user, instructor, withdrawn) == "open"
    assert outcome(selectors.lesson_open_for_user, expired, video).startswith("PermissionDenied:enrollment_required")
    assert outcome(selectors.lesson_open_for_user, outsider, preview) == "open"

    Course.objects.filter(pk=course.pk).update(status=CourseStatus.DRAFT)
    assert outcome(selectors.lesson_open_for_user, learner, video).startswith("NotFound")
    assert outcome(selectors.lesson_open_for_user, instructor, video) == "open"
    Course.objects.filter(pk=course.pk).update(status=CourseStatus.ARCHIVED)
    assert outcome(selectors.lesson_open_for_user, learner, video) == "open"  # archived stays open to the enrolled
    assert outcome(selectors.lesson_open_for_user, outsider, preview).startswith("NotFound")
    with pytest.raises(NotFound):
        selectors.lesson_open_for_user(user=learner, lesson_id=video.pk + 1000)


def test_refund_then_progress_is_refused_and_re_enrolment_opens_it_again(learner):
    course, video = _video()
    enrollment = services.enrollment_create(user=learner, course=course)
    services.lesson_progress_update(user=learner, lesson_id=video.pk, position_seconds=20)

    services.enrollment_revoke(actor=learner, enrollment=enrollment, reason="refund")
    with pytest.raises(PermissionDenied):
        services.lesson_progress_update(user=learner, lesson_id=video.pk, position_seconds=60)
    assert LessonProgress.objects.get(user=learner, lesson=video).position_seconds == 20

    services.enrollment_create(user=learner, course=course)
    row = services.lesson_progress_update(user=learner, lesson_id=video.pk, position_seconds=60)
    assert row.position_seconds == 60


def test_the_progress_call_has_a_query_budget(
    learner, api_token, client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # as if committed: no pending changes
        course, video = _video(duration=1000)
        services.enrollment_create(user=learner, course=course)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token(learner)}"}
    url = f"/api/v1/lessons/{video.pk}/progress"

    def call(position):
        return client.post(url, json.dumps({"position_seconds": position}), content_type="application/json", **headers)

    assert call(5).status_code == 200  # creates the row, caches the token
    # the token and the access rows come from the cache; the advance is one statement in autocommit on
    # PostgreSQL (no step crossed), a locked read and an update elsewhere
    budget = 1 if connection.vendor == "postgresql" else 4  # elsewhere: with the savepoint around it
    with django_assert_max_num_queries(budget):
        response = call(6)
    assert response.status_code == 200
    assert response.json() == {"lesson_id": video.pk, "position_seconds": 6, "percent": 0, "completed": False}

    bad = call("six")
    assert bad.status_code == 422
    assert LessonProgress.objects.get(user=learner, lesson=video).position_seconds == 6


def test_a_revoked_token_stops_working_at_once(learner, api_token, client):
    from lyceum.accounts.models import ApiToken
    from lyceum.accounts.services import token_revoke

    key = api_token(learner)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get("/api/v1/me", **headers).status_code == 200  # now cached
    token_revoke(actor=learner, token_id=ApiToken.objects.get(user=learner).pk)
    assert client.get("/api/v1/me", **headers).status_code == 401


def test_a_deactivated_user_s_cached_token_stops_working(learner, api_token, client):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token(learner)}"}
    assert client.get("/api/v1/me", **headers).status_code == 200
    learner.is_active = False
    learner.save()
    assert client.get("/api/v1/me", **headers).status_code == 401


def test_an_expired_token_is_refused_even_when_cached(learner, api_token, client):
    from lyceum.accounts.models import ApiToken

    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token(learner)}"}
    assert client.get("/api/v1/me", **headers).status_code == 200
    # expiry is read from the cached entry on every call: age the cached copy
    from django.core.cache import cache

    from lyceum.accounts.services import _token_cache_key

    key = _token_cache_key(ApiToken.objects.get(user=learner).key_hash)
    entry = cache.get(key)
    assert entry is not None
    entry["expires_at"] = timezone.now() - timedelta(seconds=1)
    cache.set(key, entry)
    assert client.get("/api/v1/me", **headers).status_code == 401


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL: set DATABASE_URL"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_heartbeats_keep_the_furthest_point_and_announce_each_step_once():
    learner = make_user("racer@example.org")
    course, video = _video(duration=1000)
    services.enrollment_create(user=learner, course=course)
    services.lesson_progress_update(user=learner, lesson_id=video.pk, position_seconds=1)  # the row exists
    positions = [150, 420, 330, 610, 90, 880, 700, 250]

    errors = run_concurrently(
        lambda i: services.lesson_progress_update(user=learner, lesson_id=video.pk, position_seconds=positions[i]),
        len(positions),
    )

    assert errors == []
    row = LessonProgress.objects.get(user=learner, lesson=video)
    assert (row.furthest_seconds, row.percent) == (880, 88)
    assert row.position_seconds in positions
    steps = _steps(learner, video)
    assert len(steps) == len({s // 10 for s in steps})  # never two events for one step
    assert max(steps) == 88
    assert row.completed_at is None


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL: set DATABASE_URL"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_heartbeats_create_one_row_and_complete_once():
    learner = make_user("racer2@example.org")
    course, video = _video(duration=100)
    services.enrollment_create(user=learner, course=course)

    errors = run_concurrently(
        lambda i: services.lesson_progress_update(user=learner, lesson_id=video.pk, position_seconds=96 + i % 3), 6
    )

    assert errors == []
    assert LessonProgress.objects.filter(user=learner, lesson=video).count() == 1
    row = LessonProgress.objects.get(user=learner, lesson=video)
    assert row.percent == 100 and row.completed_at is not None
    assert Event.objects.filter(name="lesson.completed", actor=learner).count() == 1


# --- the lesson page's writes and reads ------------------------------------------------------------


def test_opening_a_lesson_remembers_it_for_an_active_enrollment_only(learner, outsider):
    course = make_course()
    first, second = course.lessons.order_by("position")[:2]
    enrollment = services.enrollment_create(user=learner, course=course)

    row = services.lesson_view_record(user=learner, lesson=second)
    again = services.lesson_view_record(user=learner, lesson=second, progress=row)  # the page passes its row

    assert again.pk == row.pk and LessonProgress.objects.filter(user=learner).count() == 1
    enrollment.refresh_from_db()
    assert enrollment.last_lesson_id == second.pk
    assert Event.objects.filter(name="lesson.viewed", actor=learner).count() == 2

    services.enrollment_revoke(actor=learner, enrollment=enrollment)
    services.lesson_view_record(user=learner, lesson=first)
    enrollment.refresh_from_db()
    assert enrollment.last_lesson_id == second.pk  # a revoked enrollment is not touched

    # a row of someone else (or of another lesson) is never taken for the viewer's
    services.lesson_view_record(user=outsider, lesson=first, progress=row)
    assert LessonProgress.objects.filter(user=outsider, lesson=first).exists()


def test_lesson_markdown_is_rendered_once_per_text_and_sanitised(learner):
    from django.core.cache import cache

    course = make_course()
    lesson = course.lessons.first()
    lesson.body = "**Bold** <script>alert(1)</script>"
    cache.clear()

    html = selectors.lesson_body_html(lesson=lesson)
    assert "<strong>Bold</strong>" in html and "<script>" not in html
    lesson.body = "Changed *text*"
    assert "<em>text</em>" in selectors.lesson_body_html(lesson=lesson)  # a new text, a new key
    lesson.body = "**Bold** <script>alert(1)</script>"
    assert selectors.lesson_body_html(lesson=lesson) == html
    lesson.body = ""
    assert selectors.lesson_body_html(lesson=lesson) == ""


def test_the_lesson_page_shows_the_rendered_body(learner, client_for):
    course = make_course()
    services.enrollment_create(user=learner, course=course)
    lesson = course.lessons.order_by("position").first()

    page = client_for(learner).get(f"/courses/{course.slug}/lessons/{lesson.pk}/").content.decode()

    assert "<strong>1</strong>" in page  # "Body **1**"
    other = course.lessons.order_by("position")[1]
    assert client_for(learner).get(f"/courses/{course.slug}-x/lessons/{other.pk}/").status_code == 404
    assert client_for(learner).get(f"/courses/{course.slug}/lessons/{other.pk + 999}/").status_code == 404
    elsewhere = make_course().lessons.first()  # a lesson of another course, under this course's URL
    assert client_for(learner).get(f"/courses/{course.slug}/lessons/{elsewhere.pk}/").status_code == 404

"""The progress heartbeat's cached access rows (``learning.access_cache``): served without the
database once cached, and never stale after a revocation, an expiry, a withdrawal or an unpublish."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from lyceum.core.errors import NotFound, PermissionDenied
from lyceum.courses.models import LessonKind
from lyceum.courses.services import lesson_set_withdrawn
from lyceum.learning import access_cache, selectors, services
from lyceum.learning.models import Enrollment

from .factories import add_lesson, make_course

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    access_cache._COURSE_OF.clear()
    yield
    cache.clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block as if it committed (its after-commit cache retirements run)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def video(committed, instructor):
    with committed():
        course = make_course(instructor=instructor)
        return add_lesson(course, title="Video", kind=LessonKind.VIDEO, duration_seconds=600)


def _open(user, lesson):
    return selectors.lesson_open_for_user(user=user, lesson_id=lesson.pk)


def test_once_cached_the_access_check_reads_nothing_from_the_database(
    learner, video, committed, django_assert_num_queries
):
    with committed():
        services.enrollment_create(user=learner, course=video.course)
    _open(learner, video)

    with django_assert_num_queries(0):
        lesson = _open(learner, video)

    assert (lesson.pk, lesson.kind, lesson.duration_seconds, lesson.course.slug) == (
        video.pk, LessonKind.VIDEO, 600, video.course.slug,
    )  # fmt: skip
    assert lesson.body == video.body  # a column not cached is loaded when asked for


def test_one_learners_cached_enrollment_never_opens_the_lesson_for_another(learner, outsider, video, committed):
    with committed():
        services.enrollment_create(user=learner, course=video.course)
    _open(learner, video)

    with pytest.raises(PermissionDenied):
        _open(outsider, video)
    with pytest.raises(PermissionDenied):
        _open(outsider, video)  # and not from the cache on the second call either


def test_a_revocation_closes_the_lesson_on_the_next_heartbeat(learner, video, committed):
    with committed():
        enrollment = services.enrollment_create(user=learner, course=video.course)
    _open(learner, video)

    with committed():
        services.enrollment_revoke(actor=None, enrollment=enrollment, reason="refund")

    with pytest.raises(PermissionDenied):
        _open(learner, video)


def test_enrolling_opens_the_lesson_at_once_after_a_cached_refusal(learner, video, committed):
    with pytest.raises(PermissionDenied):
        _open(learner, video)  # "not enrolled" is cached too

    with committed():
        services.enrollment_create(user=learner, course=video.course)

    assert _open(learner, video).pk == video.pk


def test_access_that_runs_out_closes_without_any_write(learner, video, committed, monkeypatch):
    with committed():
        enrollment = services.enrollment_create(user=learner, course=video.course)
        Enrollment.objects.filter(pk=enrollment.pk).update(access_until=timezone.now() + timedelta(hours=1))
        access_cache.enrollments_changed(learner.pk)
    _open(learner, video)

    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)

    with pytest.raises(PermissionDenied):
        _open(learner, video)  # the rule runs on every call with the current time


def test_withdrawing_or_unpublishing_the_lesson_is_seen_at_once(learner, video, committed):
    with committed():
        services.enrollment_create(user=learner, course=video.course)
    _open(learner, video)

    with committed():
        lesson_set_withdrawn(actor=None, lesson=video, withdrawn=True, reason="complaint")
    with pytest.raises(PermissionDenied) as withdrawn:
        _open(learner, video)
    assert withdrawn.value.status == 451

    with committed():
        lesson_set_withdrawn(actor=None, lesson=video, withdrawn=False)
        video.course.status = "draft"
        video.course.save(update_fields=["status"])
    with pytest.raises(NotFound):
        _open(learner, video)


def test_inside_the_transaction_that_revoked_the_database_is_read(learner, video, committed):
    with committed():
        enrollment = services.enrollment_create(user=learner, course=video.course)
    _open(learner, video)

    services.enrollment_revoke(actor=None, enrollment=enrollment)  # not committed yet (the test's transaction)

    with pytest.raises(PermissionDenied):
        _open(learner, video)


def test_a_row_read_before_a_concurrent_revocation_is_never_served_after_it(learner, video, committed):
    with committed():
        enrollment = services.enrollment_create(user=learner, course=video.course)
    stale = selectors._load_access_enrollment(learner.pk, video.course_id)

    def load_then_someone_revokes(course_id):
        # another request commits a revocation between this request's read and its cache write
        with committed():
            services.enrollment_revoke(actor=None, enrollment=enrollment)
        return stale

    access_cache.access_rows(
        lesson_id=video.pk,
        user_id=learner.pk,
        load_lesson=lambda: selectors._load_open_lesson(video.pk),
        load_enrollment=load_then_someone_revokes,
    )

    with pytest.raises(PermissionDenied):
        _open(learner, video)  # the row stored with the old token is a miss


def test_a_progress_save_keeps_the_cached_rows_but_a_new_grant_retires_them(learner, video, committed):
    with committed():
        enrollment = services.enrollment_create(user=learner, course=video.course)
    _open(learner, video)
    token_key = access_cache._user_token_key(learner.pk)
    before = cache.get(token_key)

    with committed():
        enrollment.progress_percent = 40
        enrollment.save(update_fields=["progress_percent", "updated_at"])
    assert cache.get(token_key) == before

    with committed():
        services.enrollment_revoke(actor=None, enrollment=enrollment)
    assert cache.get(token_key) != before


def test_the_heartbeat_over_the_api_follows_a_revocation(learner, api_token, client, video, committed):
    import json

    with committed():
        enrollment = services.enrollment_create(user=learner, course=video.course)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token(learner)}"}
    url = f"/api/v1/lessons/{video.pk}/progress"

    def beat(position):
        return client.post(url, json.dumps({"position_seconds": position}), content_type="application/json", **headers)

    assert beat(30).status_code == 200
    with committed():
        services.enrollment_revoke(actor=None, enrollment=enrollment)

    refused = beat(40)

    assert refused.status_code == 403
    assert refused.json()["code"] == "enrollment_required"

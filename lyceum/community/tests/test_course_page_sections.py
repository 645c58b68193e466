"""The course page shows the course's space to those who may read it (the ``course_page.sections`` hook)."""

from __future__ import annotations

import pytest

from lyceum.community.models import Space, ThreadKind
from lyceum.community.services.spaces import space_for_course, thread_create
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(instructor):
    return make_course(instructor=instructor, title="SQL for analysts")


def test_enrolled_learner_sees_the_space_with_its_latest_threads(client_for, learner, course):
    enrollment_create(user=learner, course=course)
    space = space_for_course(course=course)
    thread_create(actor=learner, space=space, kind=ThreadKind.QUESTION, title="Why GROUP BY?", body="Confused.")
    page = client_for(learner).get(f"/courses/{course.slug}/")
    html = page.content.decode()
    assert 'data-testid="course-space"' in html
    assert "Why GROUP BY?" in html
    assert f"/community/s/{space.slug}/" in html
    assert "open question" not in html  # the instructors' count only


def test_instructor_sees_the_open_question_count(client_for, learner, instructor, course):
    enrollment_create(user=learner, course=course)
    space = space_for_course(course=course)
    thread_create(actor=learner, space=space, kind=ThreadKind.QUESTION, title="Q1", body="?")
    html = client_for(instructor).get(f"/courses/{course.slug}/").content.decode()
    assert "1 open question" in html
    assert f"/community/qa/?course={course.slug}" in html


def test_visitors_and_outsiders_do_not_see_a_course_space(client, client_for, outsider, course):
    space_for_course(course=course)
    assert Space.objects.filter(course=course).exists()
    assert 'data-testid="course-space"' not in client.get(f"/courses/{course.slug}/").content.decode()
    assert 'data-testid="course-space"' not in client_for(outsider).get(f"/courses/{course.slug}/").content.decode()

"""The lesson page's cached outline (learning/outline_cache.py) and outline fragment
(views._outline_html): fewer queries on a repeat, every outline change shown at once, a
rolled-back change never cached, and one learner's state never shown to another.

These tests commit (``transaction=True``): inside a test transaction that created the course,
the cache is bypassed on purpose (its changes are pending), which is what the other tests see."""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from lyceum.courses import services as courses
from lyceum.courses.models import Lesson
from lyceum.learning import selectors, services
from lyceum.learning.outline_cache import cached_outline, outline_invalidate
from lyceum.learning.tests.factories import add_lesson, make_course

pytestmark = pytest.mark.django_db(transaction=True)

OUTLINE_TABLES = ("courses_course", "courses_module", "courses_lesson", "courses_courseinstructor")


def _url(course, lesson) -> str:
    return f"/courses/{course.slug}/lessons/{lesson.pk}/"


def _outline_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if re.search('FROM "(' + "|".join(OUTLINE_TABLES) + ')"', q["sql"])]


def _outline(html: str) -> str:
    start = html.index('<ol class="outline">')
    return html[start : html.index("</nav>", start)]


@pytest.fixture
def course_with_learner(instructor, learner):
    course = make_course(instructor=instructor, lessons=4)
    services.enrollment_create(user=learner, course=course)
    lessons = list(course.lessons.order_by("position"))
    return course, lessons


def test_a_repeat_reads_no_outline_rows_and_fewer_queries(client_for, learner, course_with_learner):
    course, lessons = course_with_learner
    client = client_for(learner)
    with CaptureQueriesContext(connection) as cold:
        first = client.get(_url(course, lessons[1]))
    with CaptureQueriesContext(connection) as warm:
        second = client.get(_url(course, lessons[1]))
    assert first.status_code == second.status_code == 200
    assert _outline(first.content.decode()) == _outline(second.content.decode())
    assert "Lesson 2" in second.content.decode()
    assert len(_outline_queries(cold.captured_queries)) >= 3  # course, instructors, modules, lessons
    assert _outline_queries(warm.captured_queries) == []
    assert not [q for q in warm.captured_queries if "auth_group" in q["sql"]]  # the roles: cached too
    assert len(warm.captured_queries) <= len(cold.captured_queries) - 5


def test_an_edited_lesson_title_shows_at_once(client_for, instructor, learner, course_with_learner):
    course, lessons = course_with_learner
    client = client_for(learner)
    assert "Lesson 3" in client.get(_url(course, lessons[0])).content.decode()
    courses.lesson_update(actor=instructor, lesson=lessons[2], data=courses.LessonData(title="Renamed lesson"))
    html = client.get(_url(course, lessons[0])).content.decode()
    assert "Renamed lesson" in _outline(html) and "Lesson 3" not in _outline(html)


def test_a_reorder_without_signals_shows_at_once(client_for, instructor, learner, course_with_learner):
    """lesson_reorder writes with bulk_update (no model signal): the course.updated event retires it."""
    course, lessons = course_with_learner
    client = client_for(learner)
    before = _outline(client.get(_url(course, lessons[0])).content.decode())
    assert before.index("Lesson 1") < before.index("Lesson 4")
    module = lessons[0].module
    courses.lesson_reorder(
        actor=instructor, module=module, lesson_ids=[lessons[3].pk, lessons[0].pk, lessons[1].pk, lessons[2].pk]
    )
    after = _outline(client.get(_url(course, lessons[0])).content.decode())
    assert after.index("Lesson 4") < after.index("Lesson 1")


def test_a_direct_save_and_a_new_lesson_show_at_once(client_for, learner, course_with_learner):
    """Admin and shell edits emit no event: the model signals retire the outline."""
    course, lessons = course_with_learner
    client = client_for(learner)
    client.get(_url(course, lessons[0]))
    Lesson.objects.filter(pk=lessons[1].pk).update(title="Ignored by signals")  # a bare update...
    lessons[2].title = "Saved in the admin"
    lessons[2].save()  # ...is picked up with the next save that does fire the signal
    added = add_lesson(course, title="Brand new lesson")
    html = _outline(client.get(_url(course, lessons[0])).content.decode())
    assert "Saved in the admin" in html and "Brand new lesson" in html
    assert client.get(_url(course, added)).status_code == 200


def test_a_withdrawn_lesson_closes_at_once(client_for, operator, learner, course_with_learner):
    course, lessons = course_with_learner
    client = client_for(learner)
    assert client.get(_url(course, lessons[2])).status_code == 200
    courses.lesson_set_withdrawn(actor=operator, lesson=lessons[2], withdrawn=True, reason="Complaint 7")
    assert client.get(_url(course, lessons[2])).status_code == 451
    assert "copyright review" in _outline(client.get(_url(course, lessons[0])).content.decode())
    courses.lesson_set_withdrawn(actor=operator, lesson=lessons[2], withdrawn=False)
    assert client.get(_url(course, lessons[2])).status_code == 200


def test_a_rolled_back_change_is_seen_by_its_transaction_and_never_cached(learner, course_with_learner):
    course, lessons = course_with_learner
    selectors.lesson_get_for_user(user=learner, course_slug=course.slug, lesson_id=lessons[0].pk)  # cached
    with pytest.raises(RuntimeError), transaction.atomic():
        lessons[1].title = "Never committed"
        lessons[1].save()
        inside = selectors.lesson_get_for_user(user=learner, course_slug=course.slug, lesson_id=lessons[1].pk)
        assert inside.lesson.title == "Never committed"  # the transaction sees its own write
        raise RuntimeError
    after = selectors.lesson_get_for_user(user=learner, course_slug=course.slug, lesson_id=lessons[1].pk)
    assert after.lesson.title == "Lesson 2"


def test_one_learners_progress_is_never_shown_to_another(client_for, learner, outsider, course_with_learner):
    course, lessons = course_with_learner
    services.enrollment_create(user=outsider, course=course)
    services.lesson_complete(user=learner, lesson_id=lessons[1].pk)
    mine, theirs = client_for(learner), client_for(outsider)
    for _ in range(2):  # cold, then warm
        own = _outline(mine.get(_url(course, lessons[0])).content.decode())
        other_page = theirs.get(_url(course, lessons[0])).content.decode()
        other = _outline(other_page)
        assert own.count("is-done") == 1 and other.count("is-done") == 0
        assert "Lena Learner" not in other_page
    services.lesson_complete(user=outsider, lesson_id=lessons[2].pk)
    other = _outline(theirs.get(_url(course, lessons[0])).content.decode())
    assert other.count("is-done") == 1
    assert re.search(
        r'is-done[^"]*"[^<]*<span[^>]*>✓</span>\s*<a href="[^"]*/lessons/' + str(lessons[2].pk) + '/"', other
    )


def test_an_outsider_still_sees_locks_and_is_refused(client_for, outsider, learner, course_with_learner):
    """The cached outline carries no access: who may open a lesson is decided per request."""
    course, lessons = course_with_learner
    client_for(learner).get(_url(course, lessons[1]))  # warm the cache as an enrolled learner
    client = client_for(outsider)
    assert client.get(_url(course, lessons[1])).status_code == 403
    preview = client.get(_url(course, lessons[0]))  # the free preview
    assert preview.status_code == 200
    assert _outline(preview.content.decode()).count("is-locked") == 3


def test_cached_outline_bad_entries_and_missing_course(course_with_learner):
    course, _lessons = course_with_learner
    value, token = cached_outline("no-such-course", lambda: None)
    assert value is None and token is not None
    value, token = cached_outline(course.slug, lambda: "first")
    again, same = cached_outline(course.slug, lambda: "second")
    assert (again, same) == ("first", token)
    outline_invalidate()
    fresh, new_token = cached_outline(course.slug, lambda: "third")
    assert fresh == "third" and new_token != token

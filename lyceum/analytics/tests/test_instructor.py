"""Instructor analytics: figures against a hand-built course, permissions and query budgets."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.analytics import instructor as reads
from lyceum.commerce import reports
from lyceum.commerce.tests.helpers import make_product, paid_order
from lyceum.courses.models import QuestionKind
from lyceum.feedback.models import Review
from lyceum.learning.models import Enrollment
from lyceum.learning.services import enrollment_create, lesson_complete, lesson_view_record, quiz_attempt_submit
from lyceum.learning.tests.factories import add_quiz, make_course, right_answers

pytestmark = pytest.mark.django_db


def _wrong(quiz, answers, kinds):
    """``answers`` with the questions of ``kinds`` answered wrong."""
    answers = dict(answers)
    for q in quiz.questions.all():
        if q.kind in kinds and q.kind == QuestionKind.MULTIPLE:
            answers[str(q.pk)] = [c.pk for c in q.choices.all() if not c.is_correct]
        elif q.kind in kinds and q.kind == QuestionKind.SHORT:
            answers[str(q.pk)] = "nope"
    return answers


@pytest.fixture
def course(instructor, learner, outsider):
    """Three text lessons and a quiz; learners a, b, c; the outsider only peeks at the free preview.

    a: opens and completes lessons 1 and 2, opens lesson 3, passes the quiz at once.
    b: opens and completes lesson 1; fails the quiz (multiple choice and regex wrong), then passes.
    c: enrolls and does nothing.
    Reviews: a 5★, b 4★, c 1★ hidden by a moderator.
    """
    course = make_course(instructor=instructor, title="Data <b>analysis</b>", slug="data-analysis")
    quiz = add_quiz(course, pass_percent=80)
    lessons = list(course.lessons.order_by("position"))
    a, b, c = learner, make_user("b@example.org"), make_user("c@example.org")
    for user in (a, b, c):
        enrollment_create(user=user, course=course)
    for lesson in lessons[:3]:
        lesson_view_record(user=a, lesson=lesson)
    lesson_complete(user=a, lesson_id=lessons[0].pk)
    lesson_complete(user=a, lesson_id=lessons[1].pk)
    lesson_view_record(user=b, lesson=lessons[0])
    lesson_complete(user=b, lesson_id=lessons[0].pk)
    lesson_view_record(user=outsider, lesson=lessons[0])  # a free preview: not an enrolled learner
    right = right_answers(quiz)
    quiz_attempt_submit(user=a, quiz_id=quiz.pk, answers=right)
    failed = quiz_attempt_submit(
        user=b, quiz_id=quiz.pk, answers=_wrong(quiz, right, {QuestionKind.MULTIPLE, QuestionKind.SHORT})
    )
    assert not failed.passed
    quiz_attempt_submit(user=b, quiz_id=quiz.pk, answers=right)
    Review.objects.create(course=course, user=a, rating=5)
    Review.objects.create(course=course, user=b, rating=4)
    Review.objects.create(course=course, user=c, rating=1, hidden_at=timezone.now())
    return course


def test_lesson_dropoff_counts_enrolled_learners_in_outline_order(course, instructor):
    data = reads.course_analytics(course=course, viewer=instructor)
    assert data.enrolled == 3
    assert [(s.title, s.reached, s.completed, s.dropped) for s in data.lessons] == [
        ("Lesson 1", 2, 2, 1),  # a and b (not the outsider); b stops here
        ("Lesson 2", 1, 1, 0),
        ("Lesson 3", 1, 0, 0),
        ("Check yourself", 2, 2, 0),  # the quiz lesson: passed by a and (second try) b
    ]


def test_quiz_item_difficulty_is_the_share_of_attempts_answered_right(course, instructor):
    data = reads.course_analytics(course=course, viewer=instructor)
    items = [(q.prompt, q.attempts, q.right) for q in data.quiz_items]
    assert items == [
        ("2 + 2?", 3, 3),
        ("Primes?", 3, 2),
        ("Python is typed?", 3, 3),
        ("Capital of France?", 3, 2),
        ("A year in the 1990s?", 3, 2),
    ]
    assert data.quiz_items[1].share_right == pytest.approx(2 / 3)


def test_progress_distribution_and_ratings(course, instructor):
    data = reads.course_analytics(course=course, viewer=instructor)
    by_label = dict(data.progress)
    assert len(data.progress) == 11 and sum(by_label.values()) == 3
    for percent in Enrollment.objects.filter(course=course).values_list("progress_percent", flat=True):
        label = "100" if percent == 100 else f"{percent // 10 * 10}–{percent // 10 * 10 + 9}"
        assert by_label[label] >= 1
    assert by_label["0–9"] == 1  # c
    assert data.ratings == {1: 0, 2: 0, 3: 0, 4: 1, 5: 1}  # the hidden review is left out
    assert data.rating_avg == 4.5 and data.rating_count == 2
    assert data.row.enrollments == 3 and data.row.rating_count == 2
    assert data.row.completion_rate is None  # nobody enrolled 30+ days ago


def test_completion_rate_counts_enrollments_started_30_days_ago(course, instructor):
    old = timezone.now() - timezone.timedelta(days=31)
    enrollments = list(Enrollment.objects.filter(course=course).order_by("id"))
    Enrollment.objects.filter(pk__in=[e.pk for e in enrollments[:2]]).update(created_at=old)
    Enrollment.objects.filter(pk=enrollments[0].pk).update(completed_at=timezone.now())
    (row,) = reads.course_rows(courses=[course])
    assert row.completion_rate == 0.5


def test_timeline_has_90_zero_filled_days(course, instructor):
    data = reads.course_analytics(course=course, viewer=instructor)
    enrollments, completions = data.timeline
    assert len(enrollments.points) == 90 and enrollments.points[-1] == (timezone.localdate(), 3.0)
    assert sum(v for _d, v in completions.points) == 0


def test_earnings_reuse_the_commerce_ledger(instructor, learner):
    course = make_course(instructor=instructor, is_free=False, slug="paid-course")
    paid_order(user=learner, product=make_product(courses=[course], list_price=19900))
    data = reads.course_analytics(course=course, viewer=instructor)
    (row,) = data.earnings
    mine = next(r for r in reports.earnings_by_course(instructor=instructor) if r["course_id"] == course.pk)
    assert row["sales"] == 19900 and row["refunds"] == 0 and row["net"] == 19900
    assert row["yours"] == mine["instructor_net"] > 0
    assert data.row.revenue == 19900 and data.row.currency == "CNY"


# --- pages ------------------------------------------------------------------------------------


def test_learners_are_refused(client, client_for, learner, course):
    assert client.get("/studio/analytics/").status_code == 302
    assert client_for(learner).get("/studio/analytics/").status_code == 403
    assert client_for(learner).get("/studio/analytics/data-analysis/").status_code == 403


def test_instructor_sees_only_own_courses(client_for, instructor, course):
    other_teacher = make_user("other@example.org", Role.INSTRUCTOR)
    other = make_course(instructor=other_teacher, title="Someone else's course", slug="not-mine")
    client = client_for(instructor)
    listing = client.get("/studio/analytics/").content.decode()
    assert "Data &lt;b&gt;analysis&lt;/b&gt;" in listing and "Someone else" not in listing
    assert client.get(f"/studio/analytics/{other.slug}/").status_code == 404
    assert client.get("/studio/analytics/no-such-course/").status_code == 404


def test_operator_sees_every_course(client_for, operator, course):
    make_course(title="Someone else's course", slug="not-mine")
    client = client_for(operator)
    listing = client.get("/studio/analytics/").content.decode()
    assert "Data &lt;b&gt;analysis&lt;/b&gt;" in listing and "Someone else&#x27;s course" in listing
    assert client.get("/studio/analytics/not-mine/").status_code == 200


def test_course_page_renders_charts_and_escapes_titles(client_for, instructor, course):
    response = client_for(instructor).get("/studio/analytics/data-analysis/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<b>analysis</b>" not in html and "Data &lt;b&gt;analysis&lt;/b&gt;" in html
    svgs = []
    pos = 0
    while (start := html.find("<svg xmlns", pos)) != -1:
        end = html.index("</svg>", start) + len("</svg>")
        svgs.append(ET.fromstring(html[start:end]))
        pos = end
    assert len(svgs) == 5  # timeline, progress, drop-off, quiz items, ratings
    assert "Stopped here" in html and "4.5" in html
    assert "style=" not in html.split("<main", 1)[1]


def test_course_page_of_an_empty_course(client_for, instructor):
    make_course(instructor=instructor, slug="empty-course", lessons=0)
    response = client_for(instructor).get("/studio/analytics/empty-course/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "No data yet." in html and "This course has no quiz questions." in html and "NaN" not in html


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_course_page_query_count_does_not_grow_with_learners_or_lessons(
    client_for, instructor, course, django_assert_max_num_queries
):
    client = client_for(instructor)
    client.get("/studio/analytics/data-analysis/")
    before = _queries(client, "/studio/analytics/data-analysis/")
    quiz = course.lessons.get(kind="quiz").quiz
    for i in range(6):
        user = make_user(f"more{i}@example.org")
        enrollment_create(user=user, course=course)
        for lesson in course.lessons.exclude(kind="quiz"):
            lesson_view_record(user=user, lesson=lesson)
        quiz_attempt_submit(user=user, quiz_id=quiz.pk, answers=right_answers(quiz))
        Review.objects.create(course=course, user=user, rating=3)
    assert _queries(client, "/studio/analytics/data-analysis/") == before
    with django_assert_max_num_queries(17):
        client.get("/studio/analytics/data-analysis/")


def test_course_list_query_count_does_not_grow_with_courses(
    client_for, instructor, course, django_assert_max_num_queries
):
    client = client_for(instructor)
    client.get("/studio/analytics/")
    before = _queries(client, "/studio/analytics/")
    for i in range(5):
        make_course(instructor=instructor, slug=f"extra-{i}")
    assert _queries(client, "/studio/analytics/") == before
    with django_assert_max_num_queries(16):
        assert client.get("/studio/analytics/").status_code == 200


# --- the course list reads the rollup report restricted to the viewer's courses ------------------


@pytest.fixture
def fake_report(monkeypatch):
    from datetime import timedelta

    from lyceum.analytics import views
    from lyceum.analytics.report import CourseRow, Dashboard, Kpi, Series

    calls = []

    def load(*, start, end, course_ids=None):
        calls.append(course_ids)
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        rows = [
            CourseRow(course_id=cid, slug=f"row-{cid}", title=f"Row {cid}", enrollments=cid, completion_rate=None,
                      rating_avg=None, rating_count=0, revenue=0, refunds=0, currency="CNY")
            for cid in [*sorted(course_ids or []), 999999]  # 999999: a row that is not the viewer's
        ]  # fmt: skip
        return Dashboard(
            start=start, end=end,
            kpis=[Kpi(key="CER", name="Completion (CER)", definition="Completed / started.", value=0.5,
                      previous=0.25, unit="ratio")],
            series=[Series(key="enrollments", label="Enrollments", points=[(d, 1.0) for d in days])],
            cohorts=[], funnel=[], courses=rows,
        )  # fmt: skip

    monkeypatch.setattr(views, "_load_dashboard", load)
    return calls


def test_course_list_asks_for_the_instructors_courses_only(client_for, instructor, course, fake_report):
    other = make_course(instructor=make_user("other@example.org", Role.INSTRUCTOR), slug="not-mine")
    response = client_for(instructor).get("/studio/analytics/?period=7")
    assert response.status_code == 200
    assert fake_report == [{course.pk}]
    html = response.content.decode()
    assert f"Row {course.pk}" in html and "Row 999999" not in html and f"Row {other.pk}" not in html
    assert "Completed / started." in html and "▲ 100%" in html
    assert 'aria-current="true"' in html  # the 7-day preset is marked


def test_course_list_bad_period_is_a_form_error(client_for, instructor, course, fake_report):
    response = client_for(instructor).get("/studio/analytics/?period=custom&start=2026-02-01&end=2026-01-01")
    assert response.status_code == 400
    assert "The start must be on or before the end." in response.content.decode()


def test_course_list_without_rollups_shows_all_time_live_figures(client_for, instructor, course, monkeypatch):
    from lyceum.analytics import views

    monkeypatch.setattr(views, "_load_dashboard", lambda **kw: None)
    html = client_for(instructor).get("/studio/analytics/").content.decode()
    assert "All time" in html and "Data &lt;b&gt;analysis&lt;/b&gt;" in html

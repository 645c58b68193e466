import pytest

from lyceum.courses.models import CourseStatus
from lyceum.learning import services
from lyceum.learning.models import Enrollment

from .factories import add_lesson, add_quiz, make_course, right_answers


def test_course_page_shows_outline_and_enroll_button_to_visitors(client, instructor):
    course = make_course(instructor=instructor, title="零基础学Python编程入门", objectives="Variables\nLoops")

    page = client.get(f"/courses/{course.slug}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "零基础学Python编程入门" in html
    assert "Lesson 2" in html and "Free preview" in html
    assert "Ada Instructor" in html
    assert "Sign up to enroll" in html
    assert "Loops" in html


@pytest.mark.parametrize("status", [CourseStatus.DRAFT, CourseStatus.IN_REVIEW])
def test_unpublished_course_page_is_404_except_for_its_instructor(client, client_for, instructor, learner, status):
    course = make_course(instructor=instructor, status=status)

    assert client.get(f"/courses/{course.slug}/").status_code == 404
    assert client_for(learner).get(f"/courses/{course.slug}/").status_code == 404
    assert client_for(instructor).get(f"/courses/{course.slug}/").status_code == 200


def test_enroll_then_open_lessons(client_for, learner):
    course = make_course()
    client = client_for(learner)
    locked = course.lessons.get(position=1)
    assert client.get(f"/courses/{course.slug}/lessons/{locked.pk}/").status_code == 403

    response = client.post(f"/courses/{course.slug}/enroll/")

    assert response.status_code == 302
    assert Enrollment.objects.filter(user=learner, course=course).exists()
    page = client.get(f"/courses/{course.slug}/lessons/{locked.pk}/")
    assert page.status_code == 200
    assert "<strong>2</strong>" in page.content.decode()  # sanitised Markdown body


def test_enroll_in_a_paid_course_from_the_page_does_not_enroll(client_for, learner):
    course = make_course(is_free=False)

    client_for(learner).post(f"/courses/{course.slug}/enroll/")

    assert not Enrollment.objects.exists()


def test_lesson_body_cannot_inject_script(client_for, learner):
    course = make_course()
    lesson = add_lesson(
        course, title="Evil", body="<script>alert(1)</script><img src=x onerror=alert(1)>", is_preview=True
    )

    html = client_for(learner).get(f"/courses/{course.slug}/lessons/{lesson.pk}/").content.decode()

    assert "<script>alert(1)" not in html
    assert "onerror" not in html


def test_lesson_of_another_course_slug_is_404(client_for, learner):
    one, other = make_course(), make_course()
    lesson = one.lessons.get(position=0)

    assert client_for(learner).get(f"/courses/{other.slug}/lessons/{lesson.pk}/").status_code == 404


def test_mark_complete_moves_to_the_next_lesson(client_for, learner):
    course = make_course()
    services.enrollment_create(user=learner, course=course)
    first, second = course.lessons.get(position=0), course.lessons.get(position=1)

    response = client_for(learner).post(f"/courses/{course.slug}/lessons/{first.pk}/complete/")

    assert response["Location"] == f"/courses/{course.slug}/lessons/{second.pk}/"


def test_quiz_page_never_sends_answers_before_submission(client_for, learner):
    course = make_course()
    quiz = add_quiz(course)
    services.enrollment_create(user=learner, course=course)

    html = client_for(learner).get(f"/courses/{course.slug}/lessons/{quiz.lesson_id}/").content.decode()

    assert "Paris" not in html and r"199\d" not in html
    assert "Four." not in html  # explanations only after an attempt
    assert "is_correct" not in html


def test_quiz_form_submission_grades_and_shows_explanations(client_for, learner):
    course = make_course()
    quiz = add_quiz(course)
    services.enrollment_create(user=learner, course=course)
    client = client_for(learner)
    answers = right_answers(quiz)
    form = {}
    for q in quiz.questions.all():
        value = answers[str(q.pk)]
        form[f"q{q.pk}"] = [str(v) for v in value] if isinstance(value, list) else str(value)

    client.post(f"/courses/{course.slug}/lessons/{quiz.lesson_id}/quiz/", form)

    html = client.get(f"/courses/{course.slug}/lessons/{quiz.lesson_id}/").content.decode()
    assert "Passed" in html
    assert "Four." in html


def test_my_learning_lists_courses_and_certificates(client_for, learner):
    done = make_course(title="Finished one", lessons=1)
    going = make_course(title="Ongoing one")
    services.enrollment_create(user=learner, course=done)
    services.lesson_complete(user=learner, lesson_id=done.lessons.get().pk)
    services.enrollment_create(user=learner, course=going)
    services.lesson_view_record(user=learner, lesson=going.lessons.get(position=1))

    html = client_for(learner).get("/dashboard/").content.decode()

    assert "Finished one" in html and "Ongoing one" in html
    assert "Continue where I left off" in html
    assert "LYC-" in html


def test_certificate_verification_page_and_pdf(client, learner):
    course = make_course(lessons=1, title="数据分析入门")
    services.enrollment_create(user=learner, course=course)
    services.lesson_complete(user=learner, lesson_id=course.lessons.get().pk)
    code = learner.certificates.get().code

    page = client.get(f"/certificates/{code}/")
    assert page.status_code == 200
    assert "Lena Learner" in page.content.decode() and "数据分析入门" in page.content.decode()
    pdf = client.get(f"/certificates/{code}/pdf/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert client.get("/certificates/LYC-NOPE-NOPE-NOPE/").status_code == 404


def test_course_page_query_count_does_not_grow_with_lessons(client_for, learner, django_assert_max_num_queries):
    small = make_course(lessons=2)
    big = make_course(lessons=40)
    for course in (small, big):
        services.enrollment_create(user=learner, course=course)
        for lesson in course.lessons.all()[:5]:
            services.lesson_complete(user=learner, lesson_id=lesson.pk)
    client = client_for(learner)
    for course in (small, big):  # the first request fills the member's own caches (user row, badge count)
        client.get(f"/courses/{course.slug}/")

    # 16 for the page itself; the rest are the community sections (space, events, groups) and the bell.
    with django_assert_max_num_queries(20) as small_ctx:
        client.get(f"/courses/{small.slug}/")
    with django_assert_max_num_queries(20) as big_ctx:
        client.get(f"/courses/{big.slug}/")

    assert len(big_ctx.captured_queries) == len(small_ctx.captured_queries)


def test_lesson_page_query_count_does_not_grow_with_lessons(client_for, learner, django_assert_max_num_queries):
    small, big = make_course(lessons=2), make_course(lessons=40)
    client = client_for(learner)
    counts = []
    for course in (small, big):
        services.enrollment_create(user=learner, course=course)
        lesson = course.lessons.get(position=1)
        client.get(f"/courses/{course.slug}/lessons/{lesson.pk}/")  # first view creates rows
        with django_assert_max_num_queries(30) as ctx:
            assert client.get(f"/courses/{course.slug}/lessons/{lesson.pk}/").status_code == 200
        counts.append(len(ctx.captured_queries))

    assert counts[0] == counts[1]


def test_designated_reviewers_preview_courses_in_review_only(client_for, instructor, moderator, learner):
    from django.contrib.auth.models import Permission

    course = make_course(instructor=instructor, status=CourseStatus.IN_REVIEW)
    lesson = course.lessons.get(position=2)
    url = f"/courses/{course.slug}/lessons/{lesson.pk}/"
    assert client_for(moderator).get(url).status_code == 404

    moderator.user_permissions.add(Permission.objects.get(codename="change_coursereview"))
    moderator = type(moderator).objects.get(pk=moderator.pk)

    assert client_for(moderator).get(url).status_code == 200
    assert client_for(learner).get(url).status_code == 404
    course.status = CourseStatus.DRAFT
    course.save()
    assert client_for(moderator).get(url).status_code == 404

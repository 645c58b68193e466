from datetime import timedelta

import pytest
from django.utils import timezone

from lyceum.core.errors import Conflict, NotFound, PaymentRequired, PermissionDenied, ValidationFailed
from lyceum.core.models import Event
from lyceum.courses.models import CourseStatus, LessonKind
from lyceum.learning import selectors, services
from lyceum.learning.models import Certificate, Enrollment, EnrollmentSource, LessonProgress, QuizAttempt

from .factories import add_lesson, add_quiz, make_course, right_answers


def test_enroll_in_a_free_course_is_idempotent_and_counts_once(learner, instructor):
    course = make_course(instructor=instructor)

    first = services.enrollment_create(user=learner, course=course)
    again = services.enrollment_create(user=learner, course=course)

    assert first.pk == again.pk
    course.refresh_from_db()
    assert course.enrollment_count == 1
    assert Event.objects.filter(name="enrollment.created", actor=learner).count() == 1


def test_free_enrollment_in_a_paid_course_needs_payment(learner):
    course = make_course(is_free=False)

    with pytest.raises(PaymentRequired):
        services.enrollment_create(user=learner, course=course)

    assert not Enrollment.objects.exists()


@pytest.mark.parametrize("status", [CourseStatus.DRAFT, CourseStatus.IN_REVIEW, CourseStatus.ARCHIVED])
def test_cannot_enroll_in_an_unpublished_course(learner, status):
    course = make_course(status=status)

    with pytest.raises(NotFound):
        services.enrollment_create(user=learner, course=course)


def test_a_purchase_enrollment_unlocks_a_paid_course_until_access_ends(learner):
    course = make_course(is_free=False)
    paid_lesson = course.lessons.get(position=1)
    with pytest.raises(PermissionDenied):
        selectors.lesson_get_for_user(user=learner, lesson_id=paid_lesson.pk)

    enrollment = services.enrollment_create(
        user=learner, course=course, source=EnrollmentSource.PURCHASE, access_until=timezone.now() + timedelta(days=1)
    )
    assert selectors.lesson_get_for_user(user=learner, lesson_id=paid_lesson.pk).lesson == paid_lesson

    Enrollment.objects.filter(pk=enrollment.pk).update(access_until=timezone.now() - timedelta(seconds=1))
    with pytest.raises(PermissionDenied):
        selectors.lesson_get_for_user(user=learner, lesson_id=paid_lesson.pk)


def test_a_longer_grant_extends_an_active_enrollment_and_a_shorter_one_does_not(learner):
    # given a membership enrollment for 10 days
    course = make_course(is_free=False)
    soon = timezone.now() + timedelta(days=10)
    services.enrollment_create(user=learner, course=course, source=EnrollmentSource.MEMBERSHIP, access_until=soon)
    # when a shorter grant comes, nothing changes
    services.enrollment_create(
        user=learner, course=course, source=EnrollmentSource.MEMBERSHIP, access_until=soon - timedelta(days=5)
    )
    assert Enrollment.objects.get(user=learner, course=course).access_until == soon
    # when a later one comes, access is extended
    later = soon + timedelta(days=30)
    services.enrollment_create(user=learner, course=course, source=EnrollmentSource.MEMBERSHIP, access_until=later)
    assert Enrollment.objects.get(user=learner, course=course).access_until == later
    # when the learner buys the course outright, access becomes lifetime with source purchase
    services.enrollment_create(user=learner, course=course, source=EnrollmentSource.PURCHASE)
    enrollment = Enrollment.objects.get(user=learner, course=course)
    assert (enrollment.source, enrollment.access_until) == (EnrollmentSource.PURCHASE, None)
    # and a later membership grant never shortens a lifetime purchase
    services.enrollment_create(user=learner, course=course, source=EnrollmentSource.MEMBERSHIP, access_until=later)
    enrollment = Enrollment.objects.get(user=learner, course=course)
    assert (enrollment.source, enrollment.access_until) == (EnrollmentSource.PURCHASE, None)


def test_revoking_removes_access_but_keeps_progress(learner):
    course = make_course()
    enrollment = services.enrollment_create(user=learner, course=course)
    lesson = course.lessons.get(position=1)
    services.lesson_complete(user=learner, lesson_id=lesson.pk)

    services.enrollment_revoke(actor=learner, enrollment=enrollment, reason="refund")

    with pytest.raises(PermissionDenied):
        selectors.lesson_get_for_user(user=learner, lesson_id=lesson.pk)
    assert LessonProgress.objects.get(user=learner, lesson=lesson).completed_at is not None


def test_preview_lessons_are_open_to_everyone_others_need_enrollment(learner, outsider):
    course = make_course()
    preview, paid = course.lessons.get(position=0), course.lessons.get(position=1)

    assert selectors.lesson_get_for_user(user=outsider, lesson_id=preview.pk).lesson == preview
    with pytest.raises(PermissionDenied) as exc:
        selectors.lesson_get_for_user(user=outsider, lesson_id=paid.pk)
    assert exc.value.code == "enrollment_required"


def test_drip_release_after_days_enrolled(learner):
    course = make_course()
    late = add_lesson(course, title="Week 2", release_after_days=7)
    services.enrollment_create(user=learner, course=course)

    with pytest.raises(PermissionDenied) as exc:
        selectors.lesson_get_for_user(user=learner, lesson_id=late.pk)
    assert exc.value.code == "locked"

    Enrollment.objects.filter(user=learner).update(created_at=timezone.now() - timedelta(days=8))
    assert selectors.lesson_get_for_user(user=learner, lesson_id=late.pk).lesson == late


def test_drip_release_on_a_date_for_a_module(learner):
    course = make_course()
    module = course.modules.get()
    module.release_at = timezone.now() + timedelta(days=3)
    module.save()
    services.enrollment_create(user=learner, course=course)

    page = selectors.course_page(user=learner, slug=course.slug)

    rows = page.modules[0].lessons
    assert [r.access.reason for r in rows] == ["", "locked", "locked"]  # preview stays open
    assert rows[1].access.opens_at == module.release_at


def test_video_progress_never_goes_backwards_or_past_100(learner):
    course = make_course()
    video = add_lesson(course, title="Video", kind=LessonKind.VIDEO, duration_seconds=200)
    services.enrollment_create(user=learner, course=course)

    services.lesson_progress_update(user=learner, lesson_id=video.pk, position_seconds=100)
    row = services.lesson_progress_update(user=learner, lesson_id=video.pk, position_seconds=20)  # replayed/seek back
    assert (row.position_seconds, row.furthest_seconds, row.percent) == (20, 100, 50)

    row = services.lesson_progress_update(user=learner, lesson_id=video.pk, position_seconds=99999)
    assert (row.position_seconds, row.percent) == (200, 100)
    assert row.completed_at is not None


@pytest.mark.parametrize("bad", ["10", -1, True, None, float("nan"), [5], 10**9])
def test_malformed_progress_is_refused_and_changes_nothing(learner, bad):
    course = make_course()
    video = add_lesson(course, title="Video", kind=LessonKind.VIDEO, duration_seconds=200)
    services.enrollment_create(user=learner, course=course)
    services.lesson_progress_update(user=learner, lesson_id=video.pk, position_seconds=50)

    with pytest.raises(ValidationFailed) as exc:
        services.lesson_progress_update(user=learner, lesson_id=video.pk, position_seconds=bad)

    assert exc.value.field == "position_seconds"
    row = LessonProgress.objects.get(user=learner, lesson=video)
    assert (row.position_seconds, row.percent) == (50, 25)


def test_progress_on_a_lesson_without_access_is_refused(outsider):
    course = make_course()
    video = add_lesson(course, title="Video", kind=LessonKind.VIDEO, duration_seconds=200)

    with pytest.raises(PermissionDenied):
        services.lesson_progress_update(user=outsider, lesson_id=video.pk, position_seconds=10)

    assert not LessonProgress.objects.exists()


# --- Quizzes -------------------------------------------------------------------------------


def test_all_right_answers_pass_with_full_marks(learner):
    course = make_course()
    quiz = add_quiz(course)
    services.enrollment_create(user=learner, course=course)

    attempt = services.quiz_attempt_submit(user=learner, quiz_id=quiz.pk, answers=right_answers(quiz))

    assert (attempt.score, attempt.max_score, attempt.percent, attempt.passed) == (5, 5, 100, True)
    assert LessonProgress.objects.get(user=learner, lesson=quiz.lesson).completed_at is not None


def test_multiple_choice_is_all_or_nothing_and_missing_answers_are_wrong(learner):
    course = make_course()
    quiz = add_quiz(course, pass_percent=80)
    services.enrollment_create(user=learner, course=course)
    answers = right_answers(quiz)
    multiple = quiz.questions.get(kind="multiple")
    answers[str(multiple.pk)] = answers[str(multiple.pk)][:1]  # only one of two primes
    del answers[str(quiz.questions.get(kind="short", match_mode="regex").pk)]

    attempt = services.quiz_attempt_submit(user=learner, quiz_id=quiz.pk, answers=answers)

    assert (attempt.score, attempt.percent, attempt.passed) == (3, 60, False)
    assert attempt.answers["correct"][str(multiple.pk)] is False
    assert LessonProgress.objects.filter(user=learner, lesson=quiz.lesson, completed_at__isnull=False).count() == 0


@pytest.mark.parametrize(
    ("given", "correct"),
    [("paris", True), ("PARIS", True), ("  Paris  ", True), ("Pari", False), ("Paris, France", False)],
)
def test_short_answer_exact_match_ignores_case_and_spacing(learner, given, correct):
    course = make_course()
    quiz = add_quiz(course)
    services.enrollment_create(user=learner, course=course)
    question = quiz.questions.get(kind="short", match_mode="exact")

    attempt = services.quiz_attempt_submit(user=learner, quiz_id=quiz.pk, answers={str(question.pk): given})

    assert attempt.answers["correct"][str(question.pk)] is correct


@pytest.mark.parametrize(("given", "correct"), [("1994", True), ("1999", True), ("2001", False), ("19945", False)])
def test_short_answer_regex_must_match_the_whole_answer(learner, given, correct):
    course = make_course()
    quiz = add_quiz(course)
    services.enrollment_create(user=learner, course=course)
    question = quiz.questions.get(kind="short", match_mode="regex")

    attempt = services.quiz_attempt_submit(user=learner, quiz_id=quiz.pk, answers={str(question.pk): given})

    assert attempt.answers["correct"][str(question.pk)] is correct


def test_a_broken_regex_from_the_author_grades_wrong_not_500(learner):
    course = make_course()
    quiz = add_quiz(course)
    question = quiz.questions.get(kind="short", match_mode="regex")
    question.accepted_answers = ["(unclosed"]
    question.save()
    services.enrollment_create(user=learner, course=course)

    attempt = services.quiz_attempt_submit(user=learner, quiz_id=quiz.pk, answers={str(question.pk): "(unclosed"})

    assert attempt.answers["correct"][str(question.pk)] is False


@pytest.mark.parametrize(
    ("kind", "value"),
    [("single", "4"), ("single", [1]), ("single", 999999), ("multiple", 3), ("multiple", ["a"]), ("short", 42)],
)
def test_wrong_answer_types_are_refused_and_no_attempt_is_stored(learner, kind, value):
    course = make_course()
    quiz = add_quiz(course)
    services.enrollment_create(user=learner, course=course)
    question = quiz.questions.filter(kind=kind).first()

    with pytest.raises(ValidationFailed) as exc:
        services.quiz_attempt_submit(user=learner, quiz_id=quiz.pk, answers={str(question.pk): value})

    assert exc.value.field == f"answers.{question.pk}"
    assert not QuizAttempt.objects.exists()


def test_unknown_question_ids_are_refused(learner):
    course = make_course()
    quiz = add_quiz(course)
    services.enrollment_create(user=learner, course=course)

    with pytest.raises(ValidationFailed) as exc:
        services.quiz_attempt_submit(user=learner, quiz_id=quiz.pk, answers={"999999": 1})

    assert exc.value.field == "answers"


def test_attempts_limit(learner):
    course = make_course()
    quiz = add_quiz(course, max_attempts=2)
    services.enrollment_create(user=learner, course=course)
    services.quiz_attempt_submit(user=learner, quiz_id=quiz.pk, answers={})
    services.quiz_attempt_submit(user=learner, quiz_id=quiz.pk, answers={})

    with pytest.raises(Conflict) as exc:
        services.quiz_attempt_submit(user=learner, quiz_id=quiz.pk, answers=right_answers(quiz))

    assert exc.value.code == "attempts_exhausted"
    assert QuizAttempt.objects.filter(user=learner).count() == 2


def test_quiz_of_a_course_you_cannot_access_is_refused(outsider):
    course = make_course()
    quiz = add_quiz(course)

    with pytest.raises(PermissionDenied):
        services.quiz_attempt_submit(user=outsider, quiz_id=quiz.pk, answers=right_answers(quiz))

    assert not QuizAttempt.objects.exists()


# --- Completion and certificates -----------------------------------------------------------------


def test_completing_required_lessons_and_passing_the_quiz_completes_the_course(learner):
    course = make_course(lessons=2)
    optional = add_lesson(course, title="Bonus", is_required=False)
    quiz = add_quiz(course)
    enrollment = services.enrollment_create(user=learner, course=course)

    for lesson in course.lessons.exclude(pk__in=[optional.pk, quiz.lesson_id]):
        services.lesson_complete(user=learner, lesson_id=lesson.pk)
    enrollment.refresh_from_db()
    assert enrollment.completed_at is None
    assert enrollment.progress_percent == 66  # 2 of 3 required (the quiz is still open)

    services.quiz_attempt_submit(user=learner, quiz_id=quiz.pk, answers=right_answers(quiz))

    enrollment.refresh_from_db()
    assert enrollment.completed_at is not None
    assert enrollment.progress_percent == 100
    certificate = Certificate.objects.get(user=learner, course=course)
    assert certificate.code.startswith("LYC-")
    assert certificate.learner_name == "Lena Learner"
    assert Event.objects.filter(name__in=["course.completed", "certificate.issued"], actor=learner).count() == 2


def test_quiz_lessons_cannot_be_marked_complete_by_hand(learner):
    course = make_course()
    quiz = add_quiz(course)
    services.enrollment_create(user=learner, course=course)

    with pytest.raises(ValidationFailed):
        services.lesson_complete(user=learner, lesson_id=quiz.lesson_id)


def test_certificate_is_issued_once(learner):
    course = make_course(lessons=1)
    enrollment = services.enrollment_create(user=learner, course=course)
    services.lesson_complete(user=learner, lesson_id=course.lessons.get().pk)

    again = services.certificate_issue(enrollment=enrollment)

    assert Certificate.objects.filter(user=learner, course=course).count() == 1
    assert again.course == course


def test_progress_counts_only_my_own_completed_lessons(learner, outsider):
    course = make_course(lessons=4)
    services.enrollment_create(user=learner, course=course)
    services.enrollment_create(user=outsider, course=course)
    lessons = list(course.lessons.order_by("position"))
    for lesson in lessons:  # the other learner finishes everything
        services.lesson_complete(user=outsider, lesson_id=lesson.pk)

    services.lesson_complete(user=learner, lesson_id=lessons[0].pk)

    mine = Enrollment.objects.get(user=learner, course=course)
    assert mine.progress_percent == 25
    assert mine.completed_at is None
    assert Enrollment.objects.get(user=outsider, course=course).progress_percent == 100

import pytest

from lyceum.courses.models import LessonKind
from lyceum.learning import services
from lyceum.learning.models import Enrollment, LessonProgress, QuizAttempt

from .factories import add_lesson, add_quiz, make_course, right_answers


def _auth(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_enroll_api_201_then_200(client, learner, api_token):
    course = make_course()
    key = api_token(learner)

    first = client.post(f"/api/v1/courses/{course.slug}/enroll", **_auth(key))
    again = client.post(f"/api/v1/courses/{course.slug}/enroll", **_auth(key))

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Enrollment.objects.filter(user=learner).count() == 1


def test_enroll_api_in_a_paid_course_is_402_with_where_to_buy(client, learner, api_token):
    course = make_course(is_free=False)

    response = client.post(f"/api/v1/courses/{course.slug}/enroll", **_auth(api_token(learner)))

    assert response.status_code == 402
    assert response.json()["code"] == "payment_required"
    assert f"/courses/{course.slug}/" in response.json()["detail"]
    assert not Enrollment.objects.exists()


def test_enroll_api_needs_auth_and_an_existing_course(client, learner, api_token):
    course = make_course()
    assert client.post(f"/api/v1/courses/{course.slug}/enroll").status_code == 401
    assert client.post("/api/v1/courses/no-such-course/enroll", **_auth(api_token(learner))).status_code == 404


def test_lesson_api_is_403_without_access_and_200_with_it(client, learner, outsider, api_token):
    course = make_course()
    lesson = course.lessons.get(position=1)
    services.enrollment_create(user=learner, course=course)

    denied = client.get(f"/api/v1/lessons/{lesson.pk}", **_auth(api_token(outsider)))
    allowed = client.get(f"/api/v1/lessons/{lesson.pk}", **_auth(api_token(learner)))

    assert denied.status_code == 403
    assert denied.json()["code"] == "enrollment_required"
    assert "body_html" not in denied.json()
    assert allowed.status_code == 200
    assert allowed.json()["body_html"] == "<p>Body <strong>2</strong></p>"


def test_progress_api_resumes_and_rejects_bad_positions(client, learner, api_token):
    course = make_course()
    video = add_lesson(course, title="Video", kind=LessonKind.VIDEO, duration_seconds=120)
    services.enrollment_create(user=learner, course=course)
    key = api_token(learner)
    url = f"/api/v1/lessons/{video.pk}/progress"

    ok = client.post(url, {"position_seconds": 60}, content_type="application/json", **_auth(key))
    bad = client.post(url, {"position_seconds": "sixty"}, content_type="application/json", **_auth(key))
    missing = client.post(url, {}, content_type="application/json", **_auth(key))
    malformed = client.post(url, "{oops", content_type="application/json", **_auth(key))

    assert ok.status_code == 200 and ok.json()["percent"] == 50
    assert bad.status_code == 422 and bad.json()["field"] == "position_seconds"
    assert missing.status_code == 422 and missing.json()["field"] == "position_seconds"
    assert malformed.status_code == 422
    assert client.get(f"/api/v1/lessons/{video.pk}", **_auth(key)).json()["position_seconds"] == 60
    assert LessonProgress.objects.get(user=learner, lesson=video).percent == 50


def test_quiz_api_hides_answers_and_grades_attempts(client, learner, api_token):
    course = make_course()
    quiz = add_quiz(course)
    services.enrollment_create(user=learner, course=course)
    key = api_token(learner)

    shown = client.get(f"/api/v1/quizzes/{quiz.pk}", **_auth(key))
    assert shown.status_code == 200
    text = shown.content.decode()
    assert "is_correct" not in text and "accepted_answers" not in text and "Paris" not in text
    assert "Four." not in text

    attempt = client.post(
        f"/api/v1/quizzes/{quiz.pk}/attempts",
        {"answers": right_answers(quiz)},
        content_type="application/json",
        **_auth(key),
    )
    assert attempt.status_code == 201
    assert attempt.json()["passed"] is True
    assert any("Four." in r["explanation_html"] for r in attempt.json()["results"])
    history = client.get(f"/api/v1/quizzes/{quiz.pk}/attempts", **_auth(key)).json()
    assert [a["number"] for a in history] == [1]


@pytest.mark.parametrize("body", [{"answers": "all of them"}, {"answers": {"999999": 1}}, {}])
def test_quiz_attempt_bad_input_is_422(client, learner, api_token, body):
    course = make_course()
    quiz = add_quiz(course)
    services.enrollment_create(user=learner, course=course)

    response = client.post(
        f"/api/v1/quizzes/{quiz.pk}/attempts", body, content_type="application/json", **_auth(api_token(learner))
    )

    assert response.status_code == 422
    assert response.json()["field"].startswith("answers")
    assert not QuizAttempt.objects.exists()


def test_quiz_attempt_without_access_is_403(client, outsider, api_token):
    course = make_course()
    quiz = add_quiz(course)

    response = client.post(
        f"/api/v1/quizzes/{quiz.pk}/attempts", {"answers": right_answers(quiz)}, content_type="application/json",
        **_auth(api_token(outsider)),
    )  # fmt: skip

    assert response.status_code == 403
    assert client.get(f"/api/v1/quizzes/{quiz.pk}", **_auth(api_token(outsider))).status_code == 403
    assert not QuizAttempt.objects.exists()


def test_certificate_api_verifies_codes(client, learner):
    course = make_course(lessons=1)
    services.enrollment_create(user=learner, course=course)
    services.lesson_complete(user=learner, lesson_id=course.lessons.get().pk)
    code = learner.certificates.get().code

    ok = client.get(f"/api/v1/certificates/{code}")
    lower = client.get(f"/api/v1/certificates/{code.lower()}")
    missing = client.get("/api/v1/certificates/LYC-XXXX-XXXX-XXXX")

    assert ok.status_code == 200 and ok.json()["valid"] is True and ok.json()["learner_name"] == "Lena Learner"
    assert lower.status_code == 200
    assert missing.status_code == 404


def test_outline_api_shows_lock_state(client, db):
    course = make_course()

    body = client.get(f"/api/v1/courses/{course.slug}/outline").json()

    lessons = body["modules"][0]["lessons"]
    assert [(lesson["can_open"], lesson["locked_reason"]) for lesson in lessons] == [
        (True, ""),
        (False, "enroll"),
        (False, "enroll"),
    ]

import pytest

from lyceum.accounts.models import User
from lyceum.feedback.models import QuestionKind, Review, Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from lyceum.feedback.services.reviews import review_helpful_toggle, review_save
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course


@pytest.fixture
def admin_client(client_for, operator):
    User.objects.filter(pk=operator.pk).update(is_superuser=True)
    return client_for(User.objects.get(pk=operator.pk))


@pytest.fixture
def review(learner, outsider, instructor):
    course = make_course(instructor=instructor)
    enrollment_create(user=learner, course=course)
    review, _ = review_save(actor=learner, course=course, rating=2, text="Too fast")
    review_helpful_toggle(actor=outsider, review=review)
    survey = Survey.objects.create(title="Check-in", audience="course", course=course)
    question = SurveyQuestion.objects.create(survey=survey, kind=QuestionKind.TEXT, text="Anything?")
    response = SurveyResponse.objects.create(survey=survey, user=learner)
    SurveyAnswer.objects.create(response=response, question=question, text="more exercises")
    return review


@pytest.mark.parametrize(
    "model", ["review", "reviewhelpful", "survey", "surveyquestion", "surveyresponse", "surveyanswer"]
)
def test_the_feedback_admin_pages_render(admin_client, client_for, learner, review, model):
    assert admin_client.get(f"/admin/feedback/{model}/").status_code == 200
    assert client_for(learner).get(f"/admin/feedback/{model}/").status_code == 302
    assert admin_client.get(f"/admin/feedback/{model}/add/").status_code == 403


def test_the_admin_hides_and_shows_reviews_through_the_service(admin_client, review):
    response = admin_client.post(
        "/admin/feedback/review/", {"action": "hide_reviews", "_selected_action": [review.pk]}, follow=True
    )
    assert response.status_code == 200
    review.refresh_from_db()
    assert review.hidden_at is not None
    review.course.refresh_from_db()
    assert review.course.rating_count == 0

    admin_client.post("/admin/feedback/review/", {"action": "show_reviews", "_selected_action": [review.pk]})
    review.refresh_from_db()
    assert review.hidden_at is None
    assert Review.objects.get(pk=review.pk).course.rating_count == 1

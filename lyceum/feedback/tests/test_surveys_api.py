"""/api/v1: my open surveys, one survey, answering (errors {detail, code, field})."""

from __future__ import annotations

import pytest
from django.test import Client

from lyceum.feedback.models import SurveyResponse, SurveyStatus
from lyceum.learning.tests.factories import make_course

from .test_surveys_helpers import ALL_KINDS, enrolled, make_survey, q, valid_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_token):
    def make(user):
        return Client(HTTP_AUTHORIZATION=f"Bearer {api_token(user)}")

    return make


def test_my_surveys_lists_the_open_ones_that_ask_me(api, learner, django_assert_max_num_queries):
    course = make_course()
    mine = make_survey(title="For everyone")
    make_survey(title="Course only", audience="course", course=course)
    make_survey(title="Draft", status=SurveyStatus.DRAFT)
    client = api(learner)
    client.get("/api/v1/me/surveys")
    with django_assert_max_num_queries(4):  # token, user, (throttle), surveys
        response = client.get("/api/v1/me/surveys")
    assert response.status_code == 200
    data = response.json()
    assert [s["id"] for s in data] == [mine.pk]
    assert data[0]["open"] is True and data[0]["answered"] is False and data[0]["course"] is None


def test_visitors_need_a_token(client):
    assert client.get("/api/v1/me/surveys").status_code == 401


def test_survey_detail_with_questions_only_for_people_asked(api, learner, outsider):
    course = make_course(slug="sql")
    taking = enrolled("taking@example.org", course)
    survey = make_survey(audience="course", course=course, questions=ALL_KINDS)
    response = api(taking).get(f"/api/v1/surveys/{survey.pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["course"] == "sql"
    assert [x["kind"] for x in data["questions"]] == [k for k, *_ in ALL_KINDS]
    assert data["questions"][0]["options"] == ["Video", "Text", "Live"]
    missing = api(outsider).get(f"/api/v1/surveys/{survey.pk}")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_answering_201_then_409(api, learner):
    survey = make_survey(questions=ALL_KINDS)
    client = api(learner)
    response = client.post(
        f"/api/v1/surveys/{survey.pk}/responses", {"answers": valid_answers(survey)}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["survey"] == survey.pk
    again = client.post(
        f"/api/v1/surveys/{survey.pk}/responses", {"answers": valid_answers(survey)}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "already_answered"
    assert SurveyResponse.objects.count() == 1
    assert client.get("/api/v1/me/surveys").json()[0]["answered"] is True


@pytest.mark.parametrize(
    ("kind", "value", "code"),
    [
        ("nps", 11, "out_of_range"),
        ("scale", "bad", "wrong_type"),
        ("single", None, "required"),
        ("multiple", [9], "out_of_range"),
    ],
)
def test_bad_answers_are_422_with_the_field(api, learner, kind, value, code):
    survey = make_survey(questions=ALL_KINDS)
    key = str(q(survey, kind).pk)
    answers = valid_answers(survey) | {key: value}
    response = api(learner).post(
        f"/api/v1/surveys/{survey.pk}/responses", {"answers": answers}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json() == {"detail": response.json()["detail"], "code": code, "field": f"answers.{key}"}
    assert SurveyResponse.objects.count() == 0


def test_malformed_bodies_are_422_not_500(api, learner):
    survey = make_survey(questions=ALL_KINDS)
    client = api(learner)
    for body in ({"answers": [1, 2]}, {}, "not json"):
        response = client.post(
            f"/api/v1/surveys/{survey.pk}/responses",
            body,
            content_type="application/json",
        )
        assert response.status_code == 422, body


def test_not_asked_is_404_and_closed_is_409(api, learner, outsider):
    course = make_course()
    survey = make_survey(audience="course", course=course, questions=ALL_KINDS)
    response = api(outsider).post(
        f"/api/v1/surveys/{survey.pk}/responses", {"answers": valid_answers(survey)}, content_type="application/json"
    )
    assert response.status_code == 404
    closed = make_survey(status=SurveyStatus.CLOSED, questions=ALL_KINDS)
    response = api(learner).post(
        f"/api/v1/surveys/{closed.pk}/responses", {"answers": valid_answers(closed)}, content_type="application/json"
    )
    assert response.status_code == 409 and response.json()["code"] == "survey_not_open"
    assert SurveyResponse.objects.count() == 0

"""Survey pages: the operator's builder, results and CSV; the learner's list and answer page;
the home page section."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from lyceum.feedback.models import Survey, SurveyQuestion, SurveyResponse, SurveyStatus
from lyceum.feedback.services.surveys import survey_answer
from lyceum.learning.tests.factories import make_course

from .test_surveys_helpers import ALL_KINDS, enrolled, make_survey, q, valid_answers

pytestmark = pytest.mark.django_db


def _csv(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


# --- permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["learner", "instructor", "moderator"])
def test_builder_and_results_are_for_operators_only(request, client, client_for, who):
    survey = make_survey(questions=ALL_KINDS)
    question = survey.questions.first()
    gets = [
        "/operator/surveys/",
        "/operator/surveys/new/",
        f"/operator/surveys/{survey.pk}/",
        f"/operator/surveys/{survey.pk}/results/",
        f"/operator/surveys/{survey.pk}/results.csv",
        f"/operator/surveys/{survey.pk}/questions/{question.pk}/",
        f"/operator/surveys/{survey.pk}/results/questions/{question.pk}/",
    ]
    posts = [
        f"/operator/surveys/{survey.pk}/close/",
        f"/operator/surveys/{survey.pk}/publish/",
        f"/operator/surveys/{survey.pk}/questions/",
        f"/operator/surveys/{survey.pk}/questions/{question.pk}/remove/",
        f"/operator/surveys/{survey.pk}/questions/{question.pk}/move/",
        f"/operator/surveys/{survey.pk}/questions/{question.pk}/",
        f"/operator/surveys/{survey.pk}/questions/reorder/",
    ]
    order = list(survey.questions.order_by("position", "pk").values_list("pk", "text"))
    for url in gets:
        assert client.get(url).status_code == 302, url  # visitors: sign in
    user_client = client_for(request.getfixturevalue(who))
    for url in gets:
        assert user_client.get(url).status_code == 403, url
    for url in posts:
        data = {"kind": "text", "text": "x", "direction": "down", "order": ",".join(str(pk) for pk, _t in order[::-1])}
        assert user_client.post(url, data).status_code == 403, url
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.SCHEDULED and survey.questions.count() == len(ALL_KINDS)
    assert list(survey.questions.order_by("position", "pk").values_list("pk", "text")) == order


# --- builder ----------------------------------------------------------------------------------


def test_operator_builds_publishes_and_closes_a_survey_without_javascript(client_for, operator):
    client = client_for(operator)
    course = make_course(title="SQL for Analysts")
    response = client.post(
        "/operator/surveys/new/",
        {
            "title": "Why did you stop?",
            "intro": "",
            "audience": "dropped",
            "course": course.pk,
            "opens_at": "",
            "closes_at": "",
        },
    )
    survey = Survey.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/operator/surveys/{survey.pk}/"
    assert (survey.audience, survey.course, survey.status) == ("dropped", course, "draft")

    url = f"/operator/surveys/{survey.pk}/questions/"
    client.post(
        url,
        {"kind": "single", "text": "Main reason?", "options": "No time\nToo hard\n\nVideos too long", "required": "on"},
    )
    client.post(url, {"kind": "text", "text": "Anything else?", "options": ""})
    first, second = SurveyQuestion.objects.filter(survey=survey)
    assert first.options == ["No time", "Too hard", "Videos too long"] and first.required and not second.required

    page = client.get(f"/operator/surveys/{survey.pk}/")
    assert page.status_code == 200 and b"Main reason?" in page.content and b"Publish" in page.content
    assert b"Right now this survey asks 0 people." in page.content

    client.post(f"/operator/surveys/{survey.pk}/questions/{second.pk}/move/", {"direction": "up"})
    assert list(survey.questions.values_list("pk", flat=True)) == [second.pk, first.pk]
    client.post(f"/operator/surveys/{survey.pk}/questions/reorder/", {"order": f"{first.pk},{second.pk}"})
    assert list(survey.questions.values_list("pk", flat=True)) == [first.pk, second.pk]

    edit = client.post(
        f"/operator/surveys/{survey.pk}/questions/{second.pk}/",
        {"kind": "text", "text": "What would bring you back?", "options": ""},
    )
    assert edit.status_code == 302
    second.refresh_from_db()
    assert second.text == "What would bring you back?"

    assert client.post(f"/operator/surveys/{survey.pk}/publish/").status_code == 302
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.SCHEDULED
    page = client.get(f"/operator/surveys/{survey.pk}/")
    assert b"Close now" in page.content and b"Add a question" not in page.content

    client.post(f"/operator/surveys/{survey.pk}/close/")
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.CLOSED


def test_builder_shows_service_errors_on_the_form(client_for, operator):
    client = client_for(operator)
    bad = client.post("/operator/surveys/new/", {"title": "T", "audience": "course", "course": ""})
    assert bad.status_code == 400 and b"Choose the course this audience is about." in bad.content
    survey = make_survey(status=SurveyStatus.DRAFT)
    bad = client.post(f"/operator/surveys/{survey.pk}/questions/", {"kind": "single", "text": "Q", "options": "one"})
    assert bad.status_code == 400 and b"between 2 and 20 options" in bad.content
    assert survey.questions.count() == 0
    # publishing an empty draft: a message, still a draft
    response = client.post(f"/operator/surveys/{survey.pk}/publish/", follow=True)
    assert b"Add at least one question before publishing." in response.content
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.DRAFT


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("reorder", {"order": "1,x"}),  # not numbers
        ("reorder", {"order": ""}),
        ("reorder", {"order": "999999,999998"}),  # not this survey's questions
        ("move", {"direction": "sideways"}),
        ("move", {}),
    ],
)
def test_bad_reorder_and_move_input_is_a_message_and_changes_nothing(client_for, operator, path, data):
    survey = make_survey(status=SurveyStatus.DRAFT, questions=ALL_KINDS)
    order = list(survey.questions.values_list("pk", flat=True))
    url = (
        f"/operator/surveys/{survey.pk}/questions/reorder/"
        if path == "reorder"
        else f"/operator/surveys/{survey.pk}/questions/{order[0]}/move/"
    )
    response = client_for(operator).post(url, data)
    assert response.status_code == 302 and response["Location"] == f"/operator/surveys/{survey.pk}/"
    assert list(survey.questions.values_list("pk", flat=True)) == order
    levels = [m.level_tag for m in get_messages(response.wsgi_request)]
    assert levels and set(levels) == {"error"}


def test_operator_list_has_a_fixed_query_count(client_for, operator, django_assert_max_num_queries):
    client = client_for(operator)
    client.get("/operator/surveys/")
    for i in range(5):
        make_survey(title=f"S{i}", questions=ALL_KINDS, audience="course", course=make_course())
    with django_assert_max_num_queries(12) as ctx:
        response = client.get("/operator/surveys/")
    assert response.status_code == 200 and b"S4" in response.content
    baseline = len(ctx.captured_queries)
    make_survey(title="S5", questions=ALL_KINDS, audience="course", course=make_course())
    with django_assert_max_num_queries(baseline):
        client.get("/operator/surveys/")


# --- results ----------------------------------------------------------------------------------


def test_results_page_and_csv(client_for, operator, learner, outsider, django_assert_max_num_queries):
    survey = make_survey(questions=ALL_KINDS)
    survey_answer(actor=learner, survey=survey, answers=valid_answers(survey))
    answers = valid_answers(survey) | {str(q(survey, "nps").pk): 3, str(q(survey, "text").pk): "-too hard"}
    survey_answer(actor=outsider, survey=survey, answers=answers)
    client = client_for(operator)
    client.get(f"/operator/surveys/{survey.pk}/results/")
    with django_assert_max_num_queries(12):
        page = client.get(f"/operator/surveys/{survey.pk}/results/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="nps-score">0<' in body  # 1 promoter, 1 detractor
    assert "More live sessions please" in body and "style=" not in body

    response = client.get(f"/operator/surveys/{survey.pk}/results.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert len(rows) == 3 and rows[0][0] == "respondent"
    assert "learner@example.org" not in str(rows) and "Lena" not in str(rows)
    assert rows[2][-1] == "'-too hard"

    texts = client.get(f"/operator/surveys/{survey.pk}/results/questions/{q(survey, 'text').pk}/")
    assert texts.status_code == 200 and b"-too hard" in texts.content


# --- learner ----------------------------------------------------------------------------------


def test_learner_answers_in_site_then_sees_thanks(client_for, learner):
    survey = make_survey(questions=ALL_KINDS, title="Platform survey")
    client = client_for(learner)
    listing = client.get("/surveys/")
    assert b"Platform survey" in listing.content
    page = client.get(f"/surveys/{survey.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count('type="radio"') == 3 + 5 + 11 and body.count('type="checkbox"') == 4 and "<textarea" in body
    data = {
        f"q_{q(survey, 'single').pk}": "2",
        f"q_{q(survey, 'multiple').pk}": ["0", "1"],
        f"q_{q(survey, 'scale').pk}": "5",
        f"q_{q(survey, 'nps').pk}": "10",
        f"q_{q(survey, 'text').pk}": "",
    }
    response = client.post(f"/surveys/{survey.pk}/", data)
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert b'data-testid="thanks"' in response.content
    stored = SurveyResponse.objects.get(user=learner)
    assert sorted(stored.answers.values_list("number", flat=True), key=lambda n: n or -1) == [None, None, 5, 10]
    again = client.post(f"/surveys/{survey.pk}/", data)
    assert again.status_code == 409 and SurveyResponse.objects.count() == 1


def test_answer_page_shows_errors_next_to_questions(client_for, learner):
    survey = make_survey(questions=ALL_KINDS)
    response = client_for(learner).post(f"/surveys/{survey.pk}/", {f"q_{q(survey, 'scale').pk}": "9"})
    assert response.status_code == 400
    body = response.content.decode()
    assert body.count("This question needs an answer.") == 3
    assert "Answer with a number from 1 to 5." in body
    assert SurveyResponse.objects.count() == 0


def test_not_asked_is_404_and_closed_says_so(client_for, learner, outsider):
    course = make_course()
    taking = enrolled("taking@example.org", course)
    mine = make_survey(audience="course", course=course, questions=ALL_KINDS)
    assert client_for(outsider).get(f"/surveys/{mine.pk}/").status_code == 404
    assert client_for(outsider).post(f"/surveys/{mine.pk}/", {}).status_code == 404
    draft = make_survey(status=SurveyStatus.DRAFT, questions=ALL_KINDS)
    assert client_for(learner).get(f"/surveys/{draft.pk}/").status_code == 404
    closed = make_survey(status=SurveyStatus.CLOSED, questions=ALL_KINDS)
    page = client_for(learner).get(f"/surveys/{closed.pk}/")
    assert (
        page.status_code == 200
        and b"This survey is closed" in page.content
        and b'<form method="post" class="form survey' not in page.content
    )
    assert client_for(learner).post(f"/surveys/{closed.pk}/", {}).status_code == 409
    later = make_survey(opens_at=timezone.now() + timedelta(days=2), questions=ALL_KINDS)
    assert b"This survey opens" in client_for(taking).get(f"/surveys/{later.pk}/").content


def test_my_surveys_needs_sign_in(client):
    assert client.get("/surveys/").status_code == 302


# --- home section -----------------------------------------------------------------------------


def test_home_shows_a_survey_for_you_until_answered(client, client_for, learner, django_assert_max_num_queries):
    survey = make_survey(questions=[("nps", "Recommend?", [], True)], title="Tell us how we're doing")
    home = client_for(learner).get("/")
    assert b"A survey for you" in home.content and b"Tell us how we" in home.content
    assert b"A survey for you" not in client.get("/").content
    survey_answer(actor=learner, survey=survey, answers={survey.questions.get().pk: 9})
    assert b"A survey for you" not in client_for(learner).get("/").content


def test_home_hook_costs_one_query_and_nothing_for_visitors(learner, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    from lyceum.feedback.hooks_surveys import surveys_for_home

    for i in range(5):
        make_survey(title=f"S{i}")
    with django_assert_num_queries(1):
        [section] = surveys_for_home(user=learner)
    assert section["template"] == "feedback/surveys/_home_section.html"
    assert len(section["surveys"]) == 3 and section["more"] is True
    with django_assert_num_queries(0):
        assert surveys_for_home(user=AnonymousUser()) == []


def test_learner_pages_have_fixed_query_counts(client_for, learner, django_assert_max_num_queries):
    course = make_course()
    from lyceum.learning.services import enrollment_create

    enrollment_create(user=learner, course=course)
    for i in range(3):
        make_survey(title=f"S{i}", questions=ALL_KINDS, audience="course", course=course)
    survey = make_survey(title="Many questions", questions=ALL_KINDS * 4)
    client = client_for(learner)
    client.get("/surveys/")
    with django_assert_max_num_queries(10) as listing:
        assert client.get("/surveys/").status_code == 200
    make_survey(title="S9", questions=ALL_KINDS, audience="course", course=course)
    with django_assert_max_num_queries(len(listing.captured_queries)):
        client.get("/surveys/")
    with django_assert_max_num_queries(11):
        assert client.get(f"/surveys/{survey.pk}/").status_code == 200

"""Writes for surveys: building, publishing, closing, answering (services.surveys)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import make_user, run_concurrently
from lyceum.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lyceum.core.models import Event
from lyceum.feedback.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse, SurveyStatus
from lyceum.feedback.services import surveys as services
from lyceum.learning.tests.factories import make_course

from .test_surveys_helpers import ALL_KINDS, enrolled, make_survey, q, valid_answers

pytestmark = pytest.mark.django_db


# --- building ---------------------------------------------------------------------------------


def test_operator_creates_a_draft_and_an_event_is_emitted(operator):
    survey = services.survey_create(actor=operator, title="  Platform NPS ", intro="Two minutes.")
    assert (survey.title, survey.status, survey.audience, survey.course, survey.created_by) == (
        "Platform NPS",
        SurveyStatus.DRAFT,
        "all",
        None,
        operator,
    )
    assert Event.objects.filter(name="questionnaire.created", object_id=str(survey.pk)).count() == 1


@pytest.mark.parametrize("who", ["learner", "instructor", "moderator"])
def test_only_operators_build_surveys(request, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.survey_create(actor=user, title="Nope")
    assert Survey.objects.count() == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": " "}, "title"),
        ({"title": "x" * 161}, "title"),
        ({"title": "T", "audience": "everyone"}, "audience"),
        ({"title": "T", "audience": "course"}, "course"),
        ({"title": "T", "audience": "dropped"}, "course"),
        ({"title": "T", "opens_at": "now", "closes_at": "now"}, "closes_at"),
        ({"title": "T", "opens_at": "now", "closes_at": "before"}, "closes_at"),
    ],
)
def test_survey_details_are_validated(operator, kwargs, field):
    now = timezone.now()
    times = {"now": now, "before": now - timedelta(hours=1)}
    kwargs = {k: times.get(v, v) if k in ("opens_at", "closes_at") else v for k, v in kwargs.items()}
    with pytest.raises(ValidationFailed) as exc:
        services.survey_create(actor=operator, **kwargs)
    assert exc.value.field == field
    assert Survey.objects.count() == 0


def test_audience_all_drops_the_course(operator):
    survey = services.survey_create(actor=operator, title="T", audience="all", course=make_course())
    assert survey.course is None


def test_who_is_asked_cannot_change_after_answers(operator, learner):
    course = make_course()
    survey = make_survey(questions=[("scale", "Clear?", [], True)])
    services.survey_answer(actor=learner, survey=survey, answers={q(survey, "scale").pk: 3})
    survey.refresh_from_db()
    with pytest.raises(ValidationFailed) as exc:
        services.survey_update(actor=operator, survey=survey, title="T", audience="course", course=course)
    assert exc.value.field == "audience"
    services.survey_update(actor=operator, survey=survey, title="Renamed", closes_at=timezone.now() + timedelta(days=3))
    survey.refresh_from_db()
    assert survey.title == "Renamed" and survey.audience == "all"


@pytest.mark.parametrize(
    ("kind", "options", "field"),
    [
        ("single", ["only one"], "options"),
        ("multiple", ["a", " ", ""], "options"),
        ("single", [f"o{i}" for i in range(21)], "options"),
        ("single", ["same", "same"], "options"),
        ("rating", [], "kind"),
    ],
)
def test_questions_are_validated(operator, kind, options, field):
    survey = make_survey(status=SurveyStatus.DRAFT)
    with pytest.raises(ValidationFailed) as exc:
        services.survey_question_add(actor=operator, survey=survey, kind=kind, text="Q?", options=options)
    assert exc.value.field == field
    assert survey.questions.count() == 0


def test_question_text_is_required_and_at_most_300(operator):
    survey = make_survey(status=SurveyStatus.DRAFT)
    for text in ("  ", "x" * 301):
        with pytest.raises(ValidationFailed) as exc:
            services.survey_question_add(actor=operator, survey=survey, kind="text", text=text)
        assert exc.value.field == "text"
    services.survey_question_add(actor=operator, survey=survey, kind="text", text="x" * 300)


def test_add_edit_reorder_remove_questions_while_draft(operator):
    survey = make_survey(status=SurveyStatus.DRAFT)
    a = services.survey_question_add(actor=operator, survey=survey, kind="single", text="A", options=["x", " y ", ""])
    b = services.survey_question_add(actor=operator, survey=survey, kind="nps", text="B", options=["ignored"])
    c = services.survey_question_add(actor=operator, survey=survey, kind="text", text="C", required=False)
    assert a.options == ["x", "y"] and b.options == [] and not c.required
    assert list(survey.questions.values_list("pk", flat=True)) == [a.pk, b.pk, c.pk]

    services.survey_question_update(actor=operator, question=a, kind="multiple", text="A2", options=["1", "2", "3"])
    a.refresh_from_db()
    assert (a.kind, a.text, a.options) == ("multiple", "A2", ["1", "2", "3"])

    services.survey_questions_reorder(actor=operator, survey=survey, order=[c.pk, a.pk, b.pk])
    assert list(survey.questions.values_list("pk", flat=True)) == [c.pk, a.pk, b.pk]
    services.survey_question_move(actor=operator, question=b, direction="up")
    assert list(survey.questions.values_list("pk", flat=True)) == [c.pk, b.pk, a.pk]
    services.survey_question_move(actor=operator, question=c, direction="up")  # already first: no change
    assert list(survey.questions.values_list("pk", flat=True)) == [c.pk, b.pk, a.pk]

    with pytest.raises(ValidationFailed):
        services.survey_questions_reorder(actor=operator, survey=survey, order=[c.pk, b.pk])
    with pytest.raises(ValidationFailed):
        services.survey_questions_reorder(actor=operator, survey=survey, order=[c.pk, b.pk, b.pk])

    services.survey_question_remove(actor=operator, question=b)
    assert list(survey.questions.values_list("position", flat=True)) == [0, 1]
    assert Event.objects.filter(name="questionnaire.updated").count() == 8


def test_questions_are_fixed_once_published(operator):
    survey = make_survey(status=SurveyStatus.SCHEDULED, questions=[("text", "T", [], True)])
    question = survey.questions.get()
    with pytest.raises(Conflict):
        services.survey_question_add(actor=operator, survey=survey, kind="text", text="more")
    with pytest.raises(Conflict):
        services.survey_question_update(actor=operator, question=question, kind="text", text="changed")
    with pytest.raises(Conflict):
        services.survey_question_remove(actor=operator, question=question)
    question.refresh_from_db()
    assert question.text == "T" and survey.questions.count() == 1


def test_publish_needs_a_question_then_schedules_and_close_ends_it(operator):
    survey = services.survey_create(actor=operator, title="T")
    with pytest.raises(ValidationFailed) as exc:
        services.survey_publish(actor=operator, survey=survey)
    assert exc.value.field == "questions"
    services.survey_question_add(actor=operator, survey=survey, kind="nps", text="Recommend?")
    survey = services.survey_publish(actor=operator, survey=survey)
    assert survey.status == SurveyStatus.SCHEDULED
    with pytest.raises(Conflict):
        services.survey_publish(actor=operator, survey=survey)
    survey = services.survey_close(actor=operator, survey=survey)
    assert survey.status == SurveyStatus.CLOSED and survey.closes_at <= timezone.now()
    with pytest.raises(Conflict):
        services.survey_close(actor=operator, survey=survey)
    with pytest.raises(Conflict):
        services.survey_update(actor=operator, survey=survey, title="Again")
    names = list(Event.objects.filter(name__startswith="questionnaire.").values_list("name", flat=True))
    assert names.count("questionnaire.published") == 1 and names.count("questionnaire.closed") == 1


def test_a_survey_whose_close_time_passed_cannot_be_published(operator):
    survey = make_survey(
        status=SurveyStatus.DRAFT,
        opens_at=timezone.now() - timedelta(days=3),
        closes_at=timezone.now() - timedelta(days=1),
        questions=[("text", "T", [], True)],
    )
    with pytest.raises(ValidationFailed) as exc:
        services.survey_publish(actor=operator, survey=survey)
    assert exc.value.field == "closes_at"


# --- answering --------------------------------------------------------------------------------


@pytest.fixture
def survey():
    return make_survey(questions=ALL_KINDS)


def test_a_learner_answers_every_kind(survey, learner):
    response = services.survey_answer(actor=learner, survey=survey, answers=valid_answers(survey))
    stored = {a.question.kind: a for a in response.answers.select_related("question")}
    assert stored["single"].choices == [1]
    assert stored["multiple"].choices == [0, 2]
    assert stored["scale"].number == 4
    assert stored["nps"].number == 9
    assert stored["text"].text == "More live sessions please"
    survey.refresh_from_db()
    assert survey.response_count == 1
    event = Event.objects.get(name="questionnaire.answered")
    assert event.props == {"survey": survey.pk} and event.actor_id == learner.pk


def test_optional_questions_may_be_left_out(survey, learner):
    answers = valid_answers(survey)
    answers[str(q(survey, "text").pk)] = "   "
    response = services.survey_answer(actor=learner, survey=survey, answers=answers)
    assert response.answers.count() == 4


def test_form_strings_are_accepted_for_numbers_and_indexes(survey, learner):
    answers = {k: (str(v) if isinstance(v, int) else v) for k, v in valid_answers(survey).items()}
    answers[str(q(survey, "multiple").pk)] = ["0", "3"]
    services.survey_answer(actor=learner, survey=survey, answers=answers)
    assert SurveyAnswer.objects.get(question=q(survey, "multiple")).choices == [0, 3]


BAD = [
    # (kind, value, code)
    ("single", None, "required"),
    ("single", [], "required"),
    ("single", "two", "wrong_type"),
    ("single", 1.5, "wrong_type"),
    ("single", True, "wrong_type"),
    ("single", 3, "out_of_range"),
    ("single", -1, "out_of_range"),
    ("single", [0, 1], "one_choice"),
    ("single", {"a": 1}, "wrong_type"),
    ("multiple", [], "required"),
    ("multiple", [0, 0], "duplicate_choice"),
    ("multiple", [0, 4], "out_of_range"),
    ("multiple", ["x"], "wrong_type"),
    ("scale", 0, "out_of_range"),
    ("scale", 6, "out_of_range"),
    ("scale", "4.5", "wrong_type"),
    ("scale", [3], "wrong_type"),
    ("scale", "", "required"),
    ("nps", -1, "out_of_range"),
    ("nps", 11, "out_of_range"),
    ("nps", "ten", "wrong_type"),
    ("nps", None, "required"),
    ("text", 42, "wrong_type"),
    ("text", "x" * 4001, "too_long"),
]


@pytest.mark.parametrize(("kind", "value", "code"), BAD)
def test_bad_answers_name_the_question_and_store_nothing(survey, learner, kind, value, code):
    answers = valid_answers(survey)
    key = str(q(survey, kind).pk)
    answers[key] = value
    with pytest.raises(ValidationFailed) as exc:
        services.survey_answer(actor=learner, survey=survey, answers=answers)
    assert (exc.value.code, exc.value.field) == (code, f"answers.{key}")
    assert SurveyResponse.objects.count() == 0 and SurveyAnswer.objects.count() == 0
    survey.refresh_from_db()
    assert survey.response_count == 0


def test_missing_required_answer_names_the_question(survey, learner):
    answers = valid_answers(survey)
    key = str(q(survey, "scale").pk)
    del answers[key]
    with pytest.raises(ValidationFailed) as exc:
        services.survey_answer(actor=learner, survey=survey, answers=answers)
    assert (exc.value.code, exc.value.field) == ("required", f"answers.{key}")


def test_every_bad_answer_is_listed(survey, learner):
    with pytest.raises(services.AnswersInvalid) as exc:
        services.survey_answer(actor=learner, survey=survey, answers={})
    assert [e.field for e in exc.value.errors] == [
        f"answers.{q(survey, k).pk}" for k in ("single", "multiple", "scale", "nps")
    ]


def test_unknown_and_other_surveys_questions_are_refused(survey, learner):
    other = make_survey(questions=[("scale", "Other", [], True)])
    foreign = str(other.questions.get().pk)
    for key in (foreign, "999999", "abc"):
        answers = valid_answers(survey) | {key: 3}
        with pytest.raises(ValidationFailed) as exc:
            services.survey_answer(actor=learner, survey=survey, answers=answers)
        assert (exc.value.code, exc.value.field) == ("unknown_question", f"answers.{key}")
    assert SurveyResponse.objects.count() == 0


def test_a_second_answer_is_a_conflict(survey, learner):
    services.survey_answer(actor=learner, survey=survey, answers=valid_answers(survey))
    with pytest.raises(Conflict) as exc:
        services.survey_answer(actor=learner, survey=survey, answers=valid_answers(survey))
    assert exc.value.code == "already_answered"
    survey.refresh_from_db()
    assert survey.response_count == 1 and SurveyResponse.objects.count() == 1


def test_people_not_asked_get_not_found(learner, outsider):
    course = make_course()
    taking = enrolled("taking@example.org", course)
    survey = make_survey(audience="course", course=course, questions=[("nps", "R?", [], True)])
    key = survey.questions.get().pk
    with pytest.raises(NotFound):
        services.survey_answer(actor=outsider, survey=survey, answers={key: 10})
    services.survey_answer(actor=taking, survey=survey, answers={key: 10})
    assert SurveyResponse.objects.filter(survey=survey).count() == 1


def test_drafts_are_not_found_and_closed_or_unopened_surveys_refuse_answers(learner):
    now = timezone.now()
    questions = [("nps", "R?", [], True)]
    draft = make_survey(status=SurveyStatus.DRAFT, questions=questions)
    with pytest.raises(NotFound):
        services.survey_answer(actor=learner, survey=draft, answers={draft.questions.get().pk: 5})
    for survey in (
        make_survey(status=SurveyStatus.CLOSED, questions=questions),
        make_survey(opens_at=now + timedelta(hours=1), questions=questions),
        make_survey(opens_at=now - timedelta(days=2), closes_at=now - timedelta(seconds=1), questions=questions),
    ):
        with pytest.raises(Conflict) as exc:
            services.survey_answer(actor=learner, survey=survey, answers={survey.questions.get().pk: 5})
        assert exc.value.code == "survey_not_open"
    assert SurveyResponse.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL: set DATABASE_URL"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_store_one_response():
    learner = make_user("racer@example.org")
    survey = make_survey(questions=[("nps", "Recommend?", [], True)])
    key = SurveyQuestion.objects.get(survey=survey).pk

    errors = run_concurrently(lambda i: services.survey_answer(actor=learner, survey=survey, answers={key: i}), 4)

    assert len(errors) == 3 and all(isinstance(e, Conflict) for e in errors), errors
    survey.refresh_from_db()
    assert survey.response_count == 1
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    assert SurveyAnswer.objects.filter(question_id=key).count() == 1

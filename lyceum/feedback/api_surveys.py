"""surveys routes of /api/v1: my open surveys, one survey with its questions, answering."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from .models import Survey
from .selectors import surveys as selectors
from .services import surveys as services

router = Router(tags=["surveys"])


class SurveyOut(Schema):
    id: int
    title: str
    intro: str
    audience: str
    course: str | None
    opens_at: datetime
    closes_at: datetime | None
    open: bool
    answered: bool

    @staticmethod
    def resolve_course(obj: Any) -> str | None:
        return obj.course.slug if obj.course_id and obj.course else None

    @staticmethod
    def resolve_open(obj: Any) -> bool:
        return selectors.survey_is_open(obj)

    @staticmethod
    def resolve_answered(obj: Any) -> bool:
        return bool(getattr(obj, "answered", False))


class QuestionOut(Schema):
    id: int
    kind: str
    text: str
    options: list[str]
    required: bool


class SurveyDetailOut(SurveyOut):
    questions: list[QuestionOut]

    @staticmethod
    def resolve_questions(obj: Any) -> list[Any]:
        return list(obj.question_list)


class AnswersIn(Schema):
    """Answers by question id: an option index (single), a list of indexes (multiple), a
    number (scale 1–5, NPS 0–10) or text; leave optional questions out."""

    answers: dict[str, Any]


class ResponseOut(Schema):
    id: int
    survey: int
    submitted_at: datetime

    @staticmethod
    def resolve_survey(obj: Any) -> int:
        return int(obj.survey_id)


@router.get("/me/surveys", response=list[SurveyOut], summary="Open surveys that ask me")
def my_surveys_api(request: HttpRequest) -> list[Survey]:
    return selectors.surveys_open_for(user=request.user)


@router.get("/surveys/{survey_id}", response=SurveyDetailOut, summary="A survey that asks me, with its questions")
def survey_detail_api(request: HttpRequest, survey_id: int) -> Survey:
    """404 unless the survey is published and asks you."""
    survey = selectors.survey_get_for_learner(user=request.user, survey_id=survey_id)
    survey.question_list = selectors.survey_questions(survey=survey)  # type: ignore[attr-defined]
    return survey


@router.post("/surveys/{survey_id}/responses", response={201: ResponseOut}, summary="Answer a survey")
def survey_answer_api(request: HttpRequest, survey_id: int, payload: AnswersIn) -> Status:
    """422 naming `answers.<question id>` for a bad answer, 409 when answered already or not
    open, 404 when the survey does not ask you."""
    survey = selectors.survey_get_for_learner(user=request.user, survey_id=survey_id)
    response = services.survey_answer(actor=request.user, survey=survey, answers=payload.answers)
    return Status(201, response)

"""Feedback data: course reviews (ratings) and surveys (questionnaires, NPS)."""

from .reviews import Review, ReviewHelpful
from .surveys import (
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyAudience,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
)

__all__ = [
    "QuestionKind",
    "Review",
    "ReviewHelpful",
    "Survey",
    "SurveyAnswer",
    "SurveyAudience",
    "SurveyQuestion",
    "SurveyResponse",
    "SurveyStatus",
]

"""Builders for survey tests (no tests here)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.feedback.models import Survey, SurveyAudience, SurveyQuestion, SurveyStatus
from lyceum.learning.models import Enrollment
from lyceum.learning.services import enrollment_create


def make_survey(
    *,
    audience: str = SurveyAudience.ALL,
    course: Any = None,
    status: str = SurveyStatus.SCHEDULED,
    opens_at: Any = None,
    closes_at: Any = None,
    questions: list[tuple[str, str, list[str], bool]] | None = None,
    title: str = "How are we doing?",
) -> Survey:
    """A survey straight in the database (the services are tested on their own)."""
    survey = Survey.objects.create(
        title=title,
        audience=audience,
        course=course,
        status=status,
        opens_at=opens_at or timezone.now() - timedelta(days=1),
        closes_at=closes_at,
    )
    for position, (kind, text, options, required) in enumerate(questions or []):
        SurveyQuestion.objects.create(
            survey=survey, position=position, kind=kind, text=text, options=options, required=required
        )
    return survey


ALL_KINDS = [
    ("single", "Which format do you prefer?", ["Video", "Text", "Live"], True),
    ("multiple", "What did you use?", ["Quizzes", "Forum", "Notes", "Groups"], True),
    ("scale", "How clear were the lessons?", [], True),
    ("nps", "How likely are you to recommend us?", [], True),
    ("text", "Anything else?", [], False),
]


def q(survey: Survey, kind: str) -> SurveyQuestion:
    return survey.questions.get(kind=kind)


def valid_answers(survey: Survey) -> dict[str, Any]:
    return {
        str(q(survey, "single").pk): 1,
        str(q(survey, "multiple").pk): [0, 2],
        str(q(survey, "scale").pk): 4,
        str(q(survey, "nps").pk): 9,
        str(q(survey, "text").pk): "More live sessions please",
    }


def enrolled(email: str, course: Any, *, days_idle: int | None = None, completed: bool = False,
             revoked: bool = False, progress: int = 10) -> Any:  # fmt: skip
    """A learner enrolled in ``course`` whose last activity was ``days_idle`` days ago."""
    user = make_user(email, Role.LEARNER)
    enrollment = enrollment_create(user=user, course=course)
    now = timezone.now()
    fields: dict[str, Any] = {"progress_percent": 100 if completed else progress}
    if days_idle is not None:
        fields["last_activity_at"] = now - timedelta(days=days_idle)
        fields["created_at"] = now - timedelta(days=days_idle + 5)
    if completed:
        fields["completed_at"] = now - timedelta(days=1)
    if revoked:
        fields["revoked_at"] = now - timedelta(hours=1)
    Enrollment.objects.filter(pk=enrollment.pk).update(**fields)
    return user

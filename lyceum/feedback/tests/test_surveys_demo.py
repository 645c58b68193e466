"""Demo surveys: realistic, deterministic and idempotent."""

from __future__ import annotations

import io
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.core.management.commands.seed_demo import DemoContext
from lyceum.feedback import demo_surveys
from lyceum.feedback.models import Survey, SurveyAnswer, SurveyResponse
from lyceum.feedback.selectors.surveys import survey_results
from lyceum.learning.models import Enrollment
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course

pytestmark = pytest.mark.django_db


def _ctx(seed=2026):
    return DemoContext(users=0, rng=random.Random(seed), now=timezone.now(), stdout=io.StringIO(), style=None)


@pytest.fixture
def community():
    make_user("operator@example.com", Role.OPERATOR)
    popular, other = make_course(title="Python 从零到一"), make_course(title="SQL")
    now = timezone.now()
    for i in range(60):
        user = make_user(f"learner{i:04d}@example.com")
        Enrollment.objects.filter(pk=enrollment_create(user=user, course=popular).pk).update(
            created_at=now - timedelta(days=60),
            last_activity_at=now - timedelta(days=40 if i % 3 == 0 else 2),
            progress_percent=100 if i % 5 == 0 else 30,
            completed_at=now - timedelta(days=3) if i % 5 == 0 else None,
        )
        if i % 4 == 0:
            enrollment_create(user=user, course=other)
    make_user("learner@example.com")  # 小明 stays unanswered
    return popular


def _snapshot():
    return (
        sorted(Survey.objects.values_list("title", "audience", "course_id", "status", "response_count")),
        sorted(SurveyResponse.objects.values_list("survey__title", "user__email", "submitted_at")),
        sorted(SurveyAnswer.objects.values_list("response__user__email", "question__text", "number", "text")),
    )


def test_demo_surveys_are_realistic_and_idempotent(community):
    ctx = _ctx()
    demo_surveys.seed(ctx)
    first = _snapshot()
    titles = {t for t, *_ in first[0]}
    assert titles == {demo_surveys.SATISFACTION_TITLE, demo_surveys.PLATFORM_TITLE, demo_surveys.DROPPED_TITLE}
    assert all(status == "scheduled" for *_, status, _n in first[0])
    assert all(n > 3 for *_, n in first[0])
    assert not SurveyResponse.objects.filter(user__email="learner@example.com").exists()
    satisfaction = Survey.objects.get(title=demo_surveys.SATISFACTION_TITLE)
    assert satisfaction.course == community
    nps = next(r.nps for r in survey_results(survey=satisfaction) if r.nps)
    assert nps.promoters and nps.detractors and -20 < nps.score < 80
    dropped = Survey.objects.get(title=demo_surveys.DROPPED_TITLE)
    assert dropped.course == community and dropped.audience == "dropped"
    for response in SurveyResponse.objects.all():
        assert response.submitted_at <= timezone.now()

    state_after_one_draw = random.Random(2026)
    state_after_one_draw.getrandbits(64)
    assert ctx.rng.random() == state_after_one_draw.random()  # one value taken from the shared stream

    demo_surveys.seed(_ctx())
    assert _snapshot() == first


def test_same_seed_same_answers(community, django_db_blocker):
    demo_surveys.seed(_ctx(7))
    answers = sorted(SurveyAnswer.objects.values_list("response__user__email", "question__text", "number", "choices"))
    SurveyResponse.objects.all().delete()
    Survey.objects.all().delete()
    demo_surveys.seed(_ctx(7))
    again = sorted(SurveyAnswer.objects.values_list("response__user__email", "question__text", "number", "choices"))
    assert answers == again


def test_without_an_operator_nothing_is_seeded(db):
    demo_surveys.seed(_ctx())
    assert Survey.objects.count() == 0

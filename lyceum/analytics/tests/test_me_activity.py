"""``/me/activity/``: a learner's own figures and what the churn model computed about them."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from lyceum.analytics import export
from lyceum.analytics.models import ChurnModel, ChurnScore, UserDay
from lyceum.core.models import Event

pytestmark = pytest.mark.django_db

URL = "/me/activity/"
CSV_URL = "/me/activity.csv"
# the outsider's figures: numbers that cannot appear on the learner's page by accident
OTHER_ACTIVITIES = 98765
OTHER_MINUTES = 54321


def _days(user, *offsets: int, activities: int = 2, minutes: int = 10) -> None:
    today = export.platform_today()
    UserDay.objects.bulk_create(
        UserDay(day=today - timedelta(days=o), user_id=user.pk, activities=activities, study_seconds=minutes * 60)
        for o in offsets
    )


def _model(**fields) -> ChurnModel:
    return ChurnModel.objects.create(
        trained_at=fields.pop("trained_at", timezone.now()),
        as_of=export.platform_today() - timedelta(days=1),
        metrics={"auc": 0.81, "precision_top_decile": 0.5},
        **fields,
    )


def _score(model, user, probability, **fields) -> ChurnScore:
    reasons = fields.pop("reasons", [{"feature": "days_since_active", "value": 12, "weight": 0.9, "context": {}}])
    return ChurnScore.objects.create(
        model=model,
        user=user,
        day=export.platform_today(),
        probability=probability,
        features=fields.pop("features", {"days_since_active": 12.0, "active_days_14": 3.0, "quiz_mean": None}),
        reasons=reasons,
        reason_keys=" " + " ".join(r["feature"] for r in reasons) + " ",
    )


def _stat(html: str, name: str) -> str:
    match = re.search(rf'data-stat="{name}"><dt>[^<]*</dt><dd>([^<]*)</dd>', html)
    assert match, name
    return match.group(1)


@pytest.fixture
def others(outsider):
    """The outsider's activity and score, which the learner must never see."""
    _days(outsider, *range(0, 30), activities=OTHER_ACTIVITIES, minutes=OTHER_MINUTES)
    return outsider


def test_anonymous_is_sent_to_sign_in(client):
    for url in (URL, CSV_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_a_learner_sees_only_their_own_figures(client_for, learner, others):
    _days(learner, 0, 1, 4, minutes=7)
    _days(learner, 120)  # outside the 90 days
    model = _model()
    _score(model, others, 0.8765, features={"days_since_active": 4444.0})

    response = client_for(learner).get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert _stat(html, "active-days") == "3"
    assert _stat(html, "study-minutes") == "21"
    assert _stat(html, "streak") == "2"
    assert _stat(html, "lessons") == "0"
    assert _stat(html, "quiz") == "—"
    assert '<figure class="chart" data-chart="line">' in html
    for number in (OTHER_ACTIVITIES, OTHER_MINUTES):
        assert str(number) not in html and f"{number:,}" not in html
    assert "4444" not in html and "88%" not in html  # the other learner's features and score
    assert 'data-testid="no-score"' in html  # the model scored the outsider, not them


def test_the_page_shows_what_the_model_computed_and_the_score_with_reasons(client_for, learner):
    _days(learner, 0)
    model = _model()
    _score(model, learner, 0.42)

    html = client_for(learner).get(URL).content.decode()

    computed = html[html.index('data-testid="computed"') :]
    assert "Days since last activity" in computed and "Active days in the last 2 weeks" in computed
    assert (
        "Average quiz score (last 8 weeks)" in computed and '<td class="num">Not known</td>' in computed
    )  # missing feature
    score = computed[computed.index('data-testid="score"') :]
    assert "<details" in html and "42%" in score
    assert "no activity for 12 days" in score
    assert 'href="/notifications/preferences/"' in score
    assert "Messages and offers from the team" in score


def test_without_any_model_the_page_says_so(client_for, learner):
    html = client_for(learner).get(URL).content.decode()

    assert 'data-testid="no-activity"' in html
    assert 'data-testid="no-score"' in html and "no model has been trained yet" in html


def test_lessons_and_quizzes_of_the_window_are_counted(client_for, learner):
    from lyceum.courses.models import Quiz
    from lyceum.learning.models import LessonProgress, QuizAttempt
    from lyceum.learning.tests.factories import make_course

    course = make_course(lessons=3)
    lessons = list(course.modules.first().lessons.all())
    now = timezone.now()
    LessonProgress.objects.create(user=learner, lesson=lessons[0], course=course, percent=100, completed_at=now)
    LessonProgress.objects.create(
        user=learner, lesson=lessons[1], course=course, percent=100, completed_at=now - timedelta(days=200)
    )
    quiz = Quiz.objects.create(lesson=lessons[2])
    QuizAttempt.objects.create(user=learner, quiz=quiz, number=1, percent=60, submitted_at=now)
    QuizAttempt.objects.create(user=learner, quiz=quiz, number=2, percent=90, submitted_at=now)

    html = client_for(learner).get(URL).content.decode()

    assert _stat(html, "lessons") == "1"
    assert _stat(html, "quiz") == "75%"
    assert "The quiz average is over 2 attempts." in html


def test_streak_counts_back_from_today_or_yesterday():
    today = export.platform_today()
    days = {today - timedelta(days=n) for n in (1, 2, 3, 5)}

    assert export.streak(days, today) == 3  # today not active yet: the streak still stands
    assert export.streak(days | {today}, today) == 4
    assert export.streak({today - timedelta(days=2)}, today) == 0
    assert export.streak(set(), today) == 0


def test_own_csv_has_only_their_days(client_for, learner, others):
    _days(learner, 0, 3, activities=5, minutes=12)

    response = client_for(learner).get(CSV_URL)

    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="my-activity-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    today = export.platform_today()
    assert rows == [
        ["day", "activities", "study_minutes"],
        [(today - timedelta(days=3)).isoformat(), "5", "12"],
        [today.isoformat(), "5", "12"],
    ]


def test_query_budget(client_for, learner, others, django_assert_max_num_queries):
    _days(learner, *range(0, 90, 2))
    model = _model()
    _score(model, learner, 0.3)
    client = client_for(learner)
    client.get(URL)

    with django_assert_max_num_queries(10):  # session, user, roles, 5 reads, unread count
        assert client.get(URL).status_code == 200


def test_chinese_page(client_for, learner):
    _days(learner, 0, 1)
    _score(_model(), learner, 0.55)

    response = client_for(learner).get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()


def test_viewing_records_no_event(client_for, learner):
    client_for(learner).get(URL)

    assert not Event.objects.filter(name="analytics.exported").exists()

"""``GET /api/v1/analytics/churn`` (operators) and ``GET /api/v1/me/analytics`` (anyone signed in)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import make_user
from lyceum.analytics import export
from lyceum.analytics.models import ChurnModel, ChurnScore, UserDay

pytestmark = pytest.mark.django_db

URL = "/api/v1/analytics/churn"
ME = "/api/v1/me/analytics"
METRICS = {"auc": 0.78, "precision_top_decile": 0.41, "base_rate": 0.2, "n_train": 900, "n_test": 300}


def _model(**fields) -> ChurnModel:
    return ChurnModel.objects.create(
        trained_at=fields.pop("trained_at", timezone.now()),
        as_of=export.platform_today() - timedelta(days=1),
        metrics=METRICS,
        scored=fields.pop("scored", 3),
        **fields,
    )


def _score(model, user, probability, *keys: str, features=None) -> ChurnScore:
    keys = keys or ("days_since_active",)
    reasons = [{"feature": key, "value": 12, "weight": 0.5, "context": {}} for key in keys]
    return ChurnScore.objects.create(
        model=model,
        user=user,
        day=export.platform_today(),
        probability=probability,
        features=features if features is not None else {"days_since_active": 12.0, "quiz_mean": None},
        reasons=reasons,
        reason_keys=" " + " ".join(keys) + " ",
    )


@pytest.fixture
def at_risk(learner, outsider):
    model = _model()
    third = make_user("third@example.org", display_name="Tia Third")
    _score(model, learner, 0.9, "days_since_active", "lessons_14")
    _score(model, outsider, 0.6, "quiz_trend")
    _score(model, third, 0.2, "lessons_14")
    return model


# --- the operators' at-risk list ---------------------------------------------------------------


@pytest.mark.parametrize("url", [URL, ME])
def test_anonymous_gets_401(client, url):
    response = client.get(url)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("persona", ["learner", "instructor", "moderator"])
def test_only_operators_see_churn_risk(persona, request, client_for, at_risk):
    user = request.getfixturevalue(persona)

    response = client_for(user).get(URL, {"min_risk": "nope"})  # refused before the input is read

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "Lena" not in response.content.decode()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_risk": "high"}, "min_risk"),
        ({"min_risk": "60"}, "min_risk"),  # a probability 0..1, not a percentage
        ({"min_risk": "1.01"}, "min_risk"),
        ({"min_risk": "-0.1"}, "min_risk"),
        ({"min_risk": "nan"}, "min_risk"),
        ({"reason": "not_a_feature"}, "reason"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "x"}, "offset"),
        ({"limit": "201"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1.5"}, "limit"),
    ],
)
def test_bad_parameters_are_422_naming_the_field(params, field, client_for, operator, at_risk):
    response = client_for(operator).get(URL, params)

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error" and body["field"] == field and body["detail"]


def test_operator_gets_model_metrics_and_learners_riskiest_first(client_for, operator, learner, at_risk):
    response = client_for(operator).get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["model"]["id"] == at_risk.pk and body["model"]["metrics"] == METRICS
    assert body["model"]["scored"] == 3 and body["model"]["horizon_days"] == 30
    assert (body["count"], body["limit"], body["offset"]) == (3, 50, 0)
    assert [i["probability"] for i in body["items"]] == [0.9, 0.6, 0.2]
    first = body["items"][0]
    assert first["user_id"] == learner.pk and first["display_name"] == "Lena Learner"
    assert first["reasons"] == [
        {"feature": "days_since_active", "text": "no activity for 12 days"},
        {"feature": "lessons_14", "text": "12 lessons completed in the last 2 weeks"},
    ]


def test_filters_and_paging(client_for, operator, learner, outsider, at_risk):
    client = client_for(operator)

    risky = client.get(URL, {"min_risk": "0.5"}).json()
    by_reason = client.get(URL, {"reason": "lessons_14"}).json()
    page = client.get(URL, {"limit": "1", "offset": "1"}).json()

    assert [i["user_id"] for i in risky["items"]] == [learner.pk, outsider.pk] and risky["count"] == 2
    assert [i["probability"] for i in by_reason["items"]] == [0.9, 0.2] and by_reason["count"] == 2
    assert [i["user_id"] for i in page["items"]] == [outsider.pk] and page["count"] == 3
    assert client.get(URL, {"limit": "200", "min_risk": "1"}).json()["items"] == []


def test_only_the_latest_model_is_served(client_for, operator, learner, outsider):
    old = _model(trained_at=timezone.now() - timedelta(days=7))
    _score(old, learner, 0.99)
    new = _model()
    _score(new, outsider, 0.3)

    body = client_for(operator).get(URL).json()

    assert body["model"]["id"] == new.pk
    assert [i["user_id"] for i in body["items"]] == [outsider.pk]


def test_without_a_model_an_empty_answer(client_for, operator):
    response = client_for(operator).get(URL)

    assert response.status_code == 200
    assert response.json() == {"model": None, "count": 0, "limit": 50, "offset": 0, "items": []}


def test_churn_query_budget(client_for, operator, at_risk, django_assert_max_num_queries):
    for n in range(20):
        _score(at_risk, make_user(f"more{n}@example.org"), 0.5)
    client = client_for(operator)
    client.get(URL)

    with django_assert_max_num_queries(7):  # session, user, staff 2FA, roles, model, count, page
        response = client.get(URL, {"limit": "200"})
    assert len(response.json()["items"]) == 23


def test_bearer_token_works(client, api_token, operator, at_risk):
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {api_token(operator)}")

    assert response.status_code == 200 and response.json()["count"] == 3


# --- a user's own analytics --------------------------------------------------------------------


def test_me_analytics_has_only_their_own_figures(client_for, learner, outsider, at_risk):
    today = export.platform_today()
    UserDay.objects.bulk_create(
        [
            UserDay(day=today - timedelta(days=1), user_id=learner.pk, activities=4, study_seconds=900),
            UserDay(day=today, user_id=learner.pk, activities=2, study_seconds=300),
            UserDay(day=today, user_id=outsider.pk, activities=98765, study_seconds=54321 * 60),
        ]
    )

    response = client_for(learner).get(ME)

    assert response.status_code == 200
    body = response.json()
    assert body["start"] == (today - timedelta(days=89)).isoformat() and body["end"] == today.isoformat()
    assert body["days"] == [
        {"day": (today - timedelta(days=1)).isoformat(), "activities": 4, "study_minutes": 15},
        {"day": today.isoformat(), "activities": 2, "study_minutes": 5},
    ]
    assert body["totals"] == {
        "active_days": 2, "study_minutes": 20, "streak_days": 2, "lessons_completed": 0,
        "quiz_attempts": 0, "quiz_average": None,
    }  # fmt: skip
    features = {f["key"]: f for f in body["features"]}
    assert features["days_since_active"] == {
        "key": "days_since_active", "label": "Days since last activity", "value": 12.0,
    }  # fmt: skip
    assert features["quiz_mean"]["value"] is None
    assert body["score"]["probability"] == 0.9 and body["score"]["model_id"] == at_risk.pk
    assert body["score"]["reasons"][0] == {"feature": "days_since_active", "text": "no activity for 12 days"}
    text = response.content.decode()
    assert "98765" not in text and "54321" not in text


@pytest.mark.parametrize("persona", ["instructor", "operator"])
def test_every_signed_in_user_gets_their_own(persona, request, client_for, at_risk):
    user = request.getfixturevalue(persona)

    body = client_for(user).get(ME).json()

    assert body["days"] == [] and body["score"] is None and body["features"] == []


def test_me_analytics_with_a_token(client, api_token, learner):
    response = client.get(ME, HTTP_AUTHORIZATION=f"Bearer {api_token(learner)}")

    assert response.status_code == 200 and response.json()["score"] is None

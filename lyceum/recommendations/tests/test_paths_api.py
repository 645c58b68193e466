"""/api/v1/me/learning-path: own data only, goal validation, start."""

from __future__ import annotations

import pytest
from django.test import Client

from lyceum.recommendations import services_paths as svc
from lyceum.recommendations.models import LearningPath

pytestmark = pytest.mark.django_db
URL = "/api/v1/me/learning-path"


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_anonymous_gets_401():
    assert Client().get(URL).status_code == 401
    assert Client().post(URL, {"goal": "course:1"}, content_type="application/json").status_code == 401


def test_no_active_path_is_404(learner, api_token):
    response = Client().get(URL, **auth(api_token(learner)))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_plan_preview_for_a_goal_starts_nothing(learner, api_token, chain):
    response = Client().get(URL, {"goal": f"course:{chain[1].pk}", "weekly_minutes": 120}, **auth(api_token(learner)))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "planned"
    assert [s["course_id"] for s in body["plan"]["steps"]] == [chain[0].pk, chain[1].pk]
    assert body["plan"]["total_weeks"] == 3 and body["plan"]["weekly_minutes"] == 120
    assert not LearningPath.objects.exists()


@pytest.mark.parametrize(
    ("goal", "code"),
    [
        ("bogus", "bad_goal"),
        ("course:99999", "unknown_goal"),
        ("topic:nope:beginner", "unknown_goal"),
        ("", "bad_goal"),
    ],
)
def test_bad_goals_are_422_on_goal(learner, api_token, chain, goal, code):
    response = Client().get(URL, {"goal": goal}, **auth(api_token(learner)))
    assert response.status_code == 422
    assert response.json()["field"] == "goal"
    assert response.json()["code"] == code


def test_start_then_read_my_path(learner, api_token, chain):
    key = api_token(learner)
    response = Client().post(
        URL, {"goal": f"course:{chain[1].pk}", "weekly_minutes": 60}, content_type="application/json", **auth(key)
    )
    assert response.status_code == 201
    assert response.json()["status"] == "active"
    body = Client().get(URL, **auth(key)).json()
    assert body["progress"] == {
        "current_week": 1, "done": 0, "total": 2, "percent": 0, "next_course_id": chain[0].pk, "behind": []
    }  # fmt: skip
    assert [s["status"] for s in body["plan"]["steps"]] == ["todo", "todo"]


def test_start_validation(learner, api_token, chain):
    key = api_token(learner)
    bad_budget = Client().post(
        URL, {"goal": f"course:{chain[1].pk}", "weekly_minutes": 5}, content_type="application/json", **auth(key)
    )
    assert bad_budget.status_code == 422 and bad_budget.json()["field"] == "weekly_minutes"
    no_goal = Client().post(URL, {}, content_type="application/json", **auth(key))
    assert no_goal.status_code == 422
    assert not LearningPath.objects.exists()


def test_a_learner_never_sees_another_learners_path(learner, outsider, api_token, chain):
    svc.path_start(user=learner, goal=f"course:{chain[1].pk}")
    response = Client().get(URL, **auth(api_token(outsider)))
    assert response.status_code == 404

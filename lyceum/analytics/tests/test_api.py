from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lyceum.accounts.models import User
from lyceum.analytics.rollup import rollup_run
from lyceum.core.models import Event
from lyceum.learning.tests.factories import make_course

pytestmark = pytest.mark.django_db

URL = "/api/v1/analytics/kpis"
COURSES = "/api/v1/analytics/courses"


def test_anonymous_gets_401(client):
    response = client.get(URL, {"from": "2026-03-01", "to": "2026-03-31"})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("url", [URL, COURSES])
@pytest.mark.parametrize("persona", ["learner", "instructor", "moderator"])
def test_only_operators_see_analytics(url, persona, request, client_for):
    user = request.getfixturevalue(persona)

    response = client_for(user).get(url, {"from": "2026-03-01", "to": "2026-03-31"})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"to": "2026-03-31"}, "from"),
        ({"from": "2026-03-01"}, "to"),
        ({"from": "2026-13-01", "to": "2026-03-31"}, "from"),
        ({"from": "yesterday", "to": "2026-03-31"}, "from"),
        ({"from": "2026-03-01", "to": "2026-02-28"}, "to"),
        ({"from": "2025-01-01", "to": "2026-01-02"}, "to"),  # 367 days
    ],
)
@pytest.mark.parametrize("url", [URL, COURSES])
def test_bad_or_missing_days_are_422_naming_the_field(url, params, field, client_for, operator):
    response = client_for(operator).get(url, params)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["field"] == field


def test_operator_gets_kpis_with_definitions(client_for, operator, learner, outsider):
    User.objects.update(date_joined=datetime(2026, 1, 1, tzinfo=UTC))
    Event.objects.create(name="user.signed_in", actor=learner, occurred_at=datetime(2026, 3, 2, 4, tzinfo=UTC))
    rollup_run()

    response = client_for(operator).get(URL, {"from": "2026-03-02", "to": "2026-03-02"})

    assert response.status_code == 200
    body = response.json()
    kpis = {k["key"]: k for k in body["kpis"]}
    assert set(kpis) == {"UPT", "CER", "USAT", "URR1", "URR7", "URR30", "RSI"}
    assert kpis["UPT"]["value"] == 1 / 2  # one of the two learners active (the operator is staff)
    assert kpis["UPT"]["definition"]
    assert kpis["USAT"]["value"] is None  # no reviews: undefined, not 0
    assert kpis["RSI"]["unit"] == "money" and kpis["RSI"]["currency"] == "CNY" and kpis["RSI"]["value"] == 0
    assert [s["key"] for s in body["funnel"]] == ["visit", "signup", "enroll", "purchase", "complete"]
    assert {s["key"] for s in body["series"]} >= {"dau", "wau", "mau", "revenue", "enrollments", "completions"}
    assert body["extras"]["learners"] == 2  # learner and outsider; the operator is staff
    assert body["definitions"]["churn"] and body["definitions"]["funnel"]


def test_a_full_year_is_allowed(client_for, operator):
    response = client_for(operator).get(URL, {"from": "2025-01-01", "to": "2026-01-01"})  # 366 days

    assert response.status_code == 200


def test_operator_gets_course_rows(client_for, operator, learner, instructor):
    course = make_course(instructor=instructor, title="Data Basics")
    at = datetime(2026, 3, 2, 4, tzinfo=UTC)
    Event.objects.create(name="enrollment.created", actor=learner, occurred_at=at, object_id="91",
                         props={"course": course.pk, "source": "purchase"})  # fmt: skip
    Event.objects.create(name="order.paid", actor=learner, occurred_at=at, object_id="5",
                         props={"total": 1999, "currency": "CNY", "course": course.pk})  # fmt: skip
    Event.objects.create(name="review.posted", actor=learner, occurred_at=at, object_id="3",
                         props={"course": course.pk, "rating": 4})  # fmt: skip
    rollup_run()

    response = client_for(operator).get(COURSES, {"from": "2026-03-01", "to": "2026-03-31"})

    assert response.status_code == 200
    assert response.json()["items"] == [
        {
            "course_id": course.pk,
            "slug": course.slug,
            "title": "Data Basics",
            "enrollments": 1,
            "completion_rate": None,
            "rating_avg": 4.0,
            "rating_count": 1,
            "revenue": 1999,
            "refunds": 0,
            "currency": "CNY",
        }
    ]

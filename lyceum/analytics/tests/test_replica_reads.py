"""The operator dashboards read from the replica when one is configured (core/dbrouter.py); their
writes (the export's ``analytics.exported`` event, sessions) still go to default."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.analytics import export
from lyceum.analytics.churn.model import train
from lyceum.analytics.models import ChurnModel, ChurnScore
from lyceum.analytics.tests.churn_fixtures import build_history
from lyceum.core.models import Event
from lyceum.core.tests.replica_fixtures import REPLICA_DATABASES, replica_alias, writes

__all__ = ["replica_alias"]  # the fixture, imported for pytest

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=REPLICA_DATABASES),
    pytest.mark.usefixtures("replica_alias"),
]


def _scored_model(*users) -> ChurnModel:
    model = ChurnModel.objects.create(trained_at=timezone.now(), as_of=export.platform_today(), scored=len(users))
    for i, user in enumerate(users):
        ChurnScore.objects.create(
            model=model,
            user=user,
            day=export.platform_today(),
            probability=0.9 - i / 10,
            features={"days_since_active": 9.0},
            reasons=[{"feature": "days_since_active", "value": 9, "context": {}}],
            reason_keys=" days_since_active ",
        )
    return model


def _sql(queries) -> str:
    return "\n".join(q["sql"] for q in queries)


@pytest.fixture
def operator_client(client_for):
    return client_for(make_user("ops@example.org", Role.OPERATOR))


def test_the_dashboard_reads_its_rollups_from_the_replica(operator_client):
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_default,
    ):
        response = operator_client.get("/operator/analytics/", {"period": "30"})

    assert response.status_code == 200
    assert "analytics_daystat" in _sql(on_replica.captured_queries)
    assert "analytics_" not in _sql(on_default.captured_queries)  # only the session and the user
    assert writes(on_replica.captured_queries) == []


def test_the_courses_csv_reads_from_the_replica(operator_client):
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = operator_client.get("/operator/analytics/courses.csv")

    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").startswith("course_id,slug,title")
    assert "analytics_" in _sql(on_replica.captured_queries)
    assert writes(on_replica.captured_queries) == []


def test_a_bad_period_is_still_a_400_not_a_replica_error(operator_client):
    response = operator_client.get("/operator/analytics/courses.csv", {"start": "2026-13-40", "end": "x"})

    assert response.status_code == 400


def test_the_learner_export_streams_from_the_replica_and_records_the_export_on_default(operator_client):
    learners = [make_user(f"l{i}@example.org") for i in range(3)]
    _scored_model(*learners)

    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_default,
    ):
        response = operator_client.get("/operator/analytics/learners.csv")
        body = b"".join(response.streaming_content).decode("utf-8-sig")

    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 4  # the header and one row per scored learner
    assert "analytics_churnscore" in _sql(on_replica.captured_queries)
    assert "analytics_churnscore" not in _sql(on_default.captured_queries)
    assert writes(on_replica.captured_queries) == []
    assert any("core_event" in sql for sql in writes(on_default.captured_queries))
    assert Event.objects.filter(name="analytics.exported").count() == 1


def test_the_at_risk_list_reads_from_the_replica(operator_client):
    learner = make_user("risky@example.org", display_name="Risky Learner")
    _scored_model(learner)

    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = operator_client.get("/operator/retention/")

    assert response.status_code == 200
    assert "Risky Learner" in response.content.decode()
    assert "analytics_churnscore" in _sql(on_replica.captured_queries)
    assert writes(on_replica.captured_queries) == []


def test_the_churn_api_reads_from_the_replica_and_still_refuses_bad_input(api):
    ops = make_user("api-ops@example.org", Role.OPERATOR)
    _scored_model(make_user("api-risky@example.org"))
    call = api(ops)

    with CaptureQueriesContext(connections["replica"]) as on_replica:
        ok = call("get", "/analytics/churn")
        bad = call("get", "/analytics/churn?min_risk=7")

    assert ok.status_code == 200
    assert ok.json()["count"] == 1
    assert bad.status_code == 422
    assert "analytics_churnscore" in _sql(on_replica.captured_queries)
    assert writes(on_replica.captured_queries) == []


def test_a_campaign_is_not_read_from_the_replica(operator_client):
    """Right after sending, the operator lands on the campaign's page: that read stays on the
    primary (a lagging replica would answer 404 for the campaign just created)."""
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = operator_client.get("/operator/retention/campaigns/999/")

    assert response.status_code == 404
    assert on_replica.captured_queries == []


def test_churn_training_reads_its_history_from_the_replica_and_writes_on_default():
    end = date(2026, 10, 31)
    build_history(learners=120, end=end)

    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_default,
    ):
        result = train(as_of=end)

    assert result.model is not None and result.model.scored > 0
    assert "analytics_userday" in _sql(on_replica.captured_queries)  # the history
    assert writes(on_replica.captured_queries) == []
    assert any("analytics_churnscore" in sql for sql in writes(on_default.captured_queries))
    assert ChurnScore.objects.filter(model=result.model).count() == result.model.scored

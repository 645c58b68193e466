"""``/operator/analytics/learners.csv``: the pseudonymised learner export (operators only)."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from lyceum.analytics import export
from lyceum.analytics.churn.features import FEATURE_KEYS
from lyceum.analytics.models import ChurnModel, ChurnScore, UserDay
from lyceum.core.models import Event
from lyceum.feedback.selectors.surveys import respondent_pseudonym

pytestmark = pytest.mark.django_db

URL = "/operator/analytics/learners.csv"


def _model(**fields) -> ChurnModel:
    return ChurnModel.objects.create(
        trained_at=fields.pop("trained_at", timezone.now()), as_of=export.platform_today(), scored=2, **fields
    )


def _score(model, user, probability, *, features=None, reasons=None) -> ChurnScore:
    reasons = reasons if reasons is not None else [{"feature": "days_since_active", "value": 9, "context": {}}]
    return ChurnScore.objects.create(
        model=model,
        user=user,
        day=export.platform_today(),
        probability=probability,
        features=features if features is not None else {"days_since_active": 9.0, "activity_trend": -3.0},
        reasons=reasons,
        reason_keys=" " + " ".join(str(r.get("feature")) for r in reasons if isinstance(r, dict)) + " ",
    )


def _export(client) -> list[list[str]]:
    response = client.get(URL)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="learners-')
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def _hmac_pseudonym(user_id: int) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"respondent:{user_id}".encode(), hashlib.sha256).hexdigest()[:16]


@pytest.fixture
def scored(learner, outsider):
    model = _model()
    _score(model, learner, 0.8125)
    _score(model, outsider, 0.25, features={}, reasons=[])
    return model


def test_visitors_sign_in_and_learners_and_instructors_are_refused(client, client_for, learner, instructor, scored):
    assert client.get(URL).status_code == 302
    assert client_for(learner).get(URL).status_code == 403
    assert client_for(instructor).get(URL).status_code == 403
    assert not Event.objects.filter(name="analytics.exported").exists()


def test_one_row_per_scored_learner_with_pseudonym_week_risk_features_and_totals(
    client_for, operator, learner, outsider, scored
):
    learner.date_joined = datetime(2026, 3, 4, 12, tzinfo=UTC)  # a Wednesday
    learner.save(update_fields=["date_joined"])
    today = export.platform_today()
    UserDay.objects.bulk_create(
        [
            UserDay(day=today, user_id=learner.pk, activities=3, study_seconds=600),
            UserDay(day=today - timedelta(days=89), user_id=learner.pk, activities=2, study_seconds=1200),
            UserDay(day=today - timedelta(days=90), user_id=learner.pk, activities=50, study_seconds=6000),  # too old
            UserDay(day=today, user_id=outsider.pk, activities=7, study_seconds=60),
        ]
    )

    rows = _export(client_for(operator))

    header = rows[0]
    assert header == [
        "pseudonym", "signup_week", "churn_probability", "score_day", *FEATURE_KEYS,
        "reasons", "active_days_90", "activities_90", "study_minutes_90",
    ]  # fmt: skip
    by_pseudonym = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_pseudonym) == {_hmac_pseudonym(learner.pk), _hmac_pseudonym(outsider.pk)}
    mine = by_pseudonym[_hmac_pseudonym(learner.pk)]
    assert mine["signup_week"] == "2026-03-02"  # the Monday, not the moment
    assert mine["churn_probability"] == "0.8125"
    assert mine["score_day"] == today.isoformat()
    assert mine["days_since_active"] == "9" and mine["activity_trend"] == "-3"
    assert mine["quiz_mean"] == ""  # not computed: empty, not 0
    assert mine["reasons"] == "days_since_active"
    assert (mine["active_days_90"], mine["activities_90"], mine["study_minutes_90"]) == ("2", "5", "30")
    theirs = by_pseudonym[_hmac_pseudonym(outsider.pk)]
    assert (theirs["reasons"], theirs["active_days_90"], theirs["study_minutes_90"]) == ("", "1", "1")


def test_no_names_emails_or_ids(client_for, operator, learner, outsider):
    model = _model()
    # no whole positive numbers among the values, so no cell can equal an id by chance
    _score(model, learner, 0.8125, features={"days_since_active": 0.5, "activity_trend": -3.0})
    _score(model, outsider, 0.25, features={}, reasons=[])

    response = client_for(operator).get(URL)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))

    for user in (learner, outsider):
        assert user.email not in text and user.display_name not in text
        assert user.email.split("@")[0] not in text.lower()
        assert all(str(user.pk) != cell for row in rows for cell in row)
    assert not {"user_id", "id", "email", "name", "display_name"} & set(rows[0])


def test_pseudonym_is_stable_across_exports_and_joins_with_the_survey_exports(client_for, operator, learner, scored):
    client = client_for(operator)

    first, second = _export(client), _export(client)

    assert [r[0] for r in first[1:]] == [r[0] for r in second[1:]]
    assert _hmac_pseudonym(learner.pk) == respondent_pseudonym(learner.pk)
    assert respondent_pseudonym(learner.pk) in [r[0] for r in first[1:]]


def test_formulas_are_neutralised(client_for, operator, learner):
    model = _model()
    _score(
        model,
        learner,
        0.5,
        features={"days_since_active": '=HYPERLINK("http://x")', "quiz_mean": "@SUM(A1)", "activity_trend": -2.5},
        reasons=[{"feature": "=1+1"}, {"feature": "quiz_mean"}, "+junk"],
    )

    rows = _export(client_for(operator))

    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["days_since_active"] == "" and row["quiz_mean"] == ""  # only numbers are exported
    assert row["reasons"] == "quiz_mean"  # only known feature keys
    assert row["activity_trend"] == "-2.5"  # a negative number stays a number
    for cell in rows[1]:
        assert cell[:1] not in ("=", "+", "@", "\t", "\r")
    assert export._cell("=1+1") == "'=1+1" and export._cell("@x") == "'@x" and export._cell(-3) == -3


def test_only_the_latest_models_scores_riskiest_first_through_every_chunk(
    client_for, operator, learner, outsider, monkeypatch
):
    from conftest import make_user

    old = _model(trained_at=timezone.now() - timedelta(days=7))
    _score(old, learner, 0.9)
    new = _model()
    third = make_user("third@example.org")
    _score(new, outsider, 0.1)
    _score(new, learner, 0.2)
    _score(new, third, 0.2)  # a tie: the keyset pages must neither skip nor repeat it
    monkeypatch.setattr(export, "CHUNK", 1)

    rows = _export(client_for(operator))

    assert [r[2] for r in rows[1:]] == ["0.2", "0.2", "0.1"]
    assert {r[0] for r in rows[1:]} == {respondent_pseudonym(u.pk) for u in (learner, outsider, third)}


def test_without_a_model_only_the_header(client_for, operator):
    rows = _export(client_for(operator))

    assert len(rows) == 1 and rows[0][0] == "pseudonym"


def test_the_export_is_recorded(client_for, operator, scored):
    _export(client_for(operator))

    event = Event.objects.get(name="analytics.exported")
    assert event.actor_id == operator.pk
    assert event.props["kind"] == "learners" and event.props["model"] == scored.pk and event.props["rows"] == 2

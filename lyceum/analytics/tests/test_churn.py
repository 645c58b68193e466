"""The churn-risk pipeline: point-in-time features, time-based split, metrics, reasons, scoring."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from conftest import make_user
from lyceum.analytics.churn import features as F
from lyceum.analytics.churn.model import (
    dataset,
    evaluate,
    fit,
    fitted_of,
    latest_model,
    precision_at_top,
    train,
)
from lyceum.analytics.churn.reasons import reason_text, reasons_text, top_reasons
from lyceum.analytics.models import ChurnModel, ChurnScore, UserDay
from lyceum.analytics.rollup import platform_tz
from lyceum.core.errors import ValidationFailed
from lyceum.core.models import Event

from .churn_fixtures import build_history

END = date(2026, 10, 31)


def _history_and_data(end: date = END):
    first = F.first_activity_day()
    history = F.History(start=first - timedelta(days=F.HISTORY_DAYS), end=end)
    return history, dataset(history, F.snapshot_days(first, end))


@pytest.mark.django_db
def test_model_learns_real_signal_on_held_out_period():
    build_history(end=END, signal=True)
    _history, data = _history_and_data()
    metrics, _y = evaluate(data)
    assert metrics["auc"] > 0.75, metrics  # far from a coin toss
    assert metrics["precision_top_decile"] > metrics["base_rate"]  # the top decile is richer in churners
    # the split is by time: training label windows close before the held-out period starts
    assert date.fromisoformat(metrics["train_to"]) + timedelta(days=F.HORIZON_DAYS) <= date.fromisoformat(
        metrics["test_from"]
    )
    assert metrics["n_train"] > 100 and metrics["n_test"] > 100


@pytest.mark.django_db
def test_shuffled_labels_give_a_coin_toss():
    build_history(end=END, signal=True)
    _history, data = _history_and_data()
    aucs = [evaluate(data, shuffle_labels=True, seed=seed)[0]["auc"] for seed in range(5)]
    assert abs(float(np.mean(aucs)) - 0.5) < 0.06, aucs
    assert all(abs(a - 0.5) < 0.15 for a in aucs), aucs


@pytest.mark.django_db
def test_features_never_look_past_the_snapshot_day():
    ids = build_history(learners=40, end=END)
    history, _data = _history_and_data()
    day = END - timedelta(days=60)
    before = history.snapshot(day, with_labels=True)
    # add activity on and after the snapshot day: features must not change, labels may
    UserDay.objects.bulk_create(
        [UserDay(day=day + timedelta(days=k), user_id=uid, activities=1, study_seconds=600) for uid in ids
         for k in range(0, 5)],
        ignore_conflicts=True,
    )  # fmt: skip
    after = F.History(start=history.start, end=END).snapshot(day, with_labels=True)
    assert before.user_ids == after.user_ids
    assert before.rows == after.rows or all(
        {k: v for k, v in a.items() if v == v} == {k: v for k, v in b.items() if v == v}
        for a, b in zip(before.rows, after.rows, strict=True)
    )
    assert after.labels is not None and sum(after.labels) == 0  # everyone came back


@pytest.mark.django_db
def test_features_of_one_learner_by_hand():
    tz = platform_tz()
    user = make_user("hand@example.org", display_name="Hand")
    user.date_joined = datetime.combine(date(2026, 9, 1), time(10), tzinfo=tz)
    user.save()
    for day, seconds in [(date(2026, 9, 20), 1200), (date(2026, 10, 5), 600), (date(2026, 10, 9), 1800)]:
        UserDay.objects.create(day=day, user_id=user.pk, activities=2, study_seconds=seconds)
    for day, percent in [(date(2026, 9, 20), 90.0), (date(2026, 10, 5), 70.0), (date(2026, 10, 9), 40.0)]:
        Event.objects.create(
            name="quiz.submitted", actor=user, occurred_at=datetime.combine(day, time(12), tzinfo=tz),
            props={"percent": percent, "course": 1},
        )  # fmt: skip
    history = F.History(start=date(2026, 6, 1), end=date(2026, 10, 31))
    snap = history.snapshot(date(2026, 10, 12))
    assert snap.user_ids == [user.pk]
    row = snap.rows[0]
    assert row["days_since_active"] == 3  # last active 9 Oct
    assert row["active_days_14"] == 2  # 5 and 9 Oct in [28 Sep, 11 Oct]
    assert row["activity_trend"] == 2 - 1  # 20 Sep in [14 Sep, 27 Sep]
    assert row["study_minutes_14"] == 40 and row["study_trend"] == 40 - 20
    assert row["quiz_mean"] == pytest.approx((90 + 70 + 40) / 3)
    assert row["quiz_trend"] == pytest.approx((70 + 40) / 2 - 90)  # later half vs earlier half
    assert row["tenure_days"] == 41
    assert row["purchases"] == 0 and row["lessons_14"] == 0
    assert row["plan_ratio"] != row["plan_ratio"]  # nan: no needs survey answered
    # a learner inactive for 28 days is not in the population
    assert F.History(start=date(2026, 6, 1), end=date(2026, 12, 31)).snapshot(date(2026, 11, 7)).user_ids == []


def test_precision_at_top_decile_by_hand():
    y = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    scores = np.linspace(1.0, 0.0, 20)  # the first rows score highest
    assert precision_at_top(y, scores) == 0.5  # top 2: one churner


def test_reasons_are_the_largest_positive_terms():
    contributions = {"days_since_active": 1.2, "active_days_14": 0.4, "quiz_mean": -0.9, "tenure_days": 0.1,
                     "study_trend": 0.7}  # fmt: skip
    row = {"days_since_active": 12.0, "active_days_14": 1.0, "study_trend": -30.0, "quiz_mean": 90.0, "tenure_days": 50}
    context = {"minutes_recent": 10, "minutes_earlier": 40}
    reasons = top_reasons(contributions, row, context)
    assert [r["feature"] for r in reasons] == ["days_since_active", "study_trend", "active_days_14"]
    with translation.override("en"):
        texts = reasons_text(reasons)
    assert texts[0] == "no activity for 12 days"
    assert texts[1] == "study time falling: 10 min in the last 2 weeks, 40 min in the 2 before"
    assert texts[2] == "active on 1 day of the last 14"
    with translation.override("zh-hans"):
        assert all(t for t in reasons_text(reasons))
    assert reasons_text("not a list") == [] and reasons_text([None, "x"]) == []


def test_stalled_lesson_reason_names_the_course():
    reason = {"feature": "days_since_progress", "value": 9,
              "context": {"course": "Python 入门", "lesson": 3, "lessons_total": 10}}  # fmt: skip
    with translation.override("en"):
        assert reason_text(reason) == "stalled at lesson 4 of 10 in “Python 入门” for 9 days"
        finished = {"feature": "days_since_progress", "value": 9,
                    "context": {"course": "SQL", "lesson": 10, "lessons_total": 10}}  # fmt: skip
        assert reason_text(finished) == "no lesson for 9 days since finishing “SQL”"


@pytest.mark.django_db
def test_reasons_come_from_the_model_not_from_rules():
    """Flip the fitted coefficients and the same learner gets other reasons."""
    build_history(learners=120, end=END)
    _history, data = _history_and_data()
    fitted = fit(data.x, data.y)
    x = data.x[:1]
    row = dict(zip(F.FEATURE_KEYS, data.x[0].tolist(), strict=True))
    terms = dict(zip(F.FEATURE_KEYS, fitted.log_odds_terms(x)[0].tolist(), strict=True))
    flipped = dict(zip(F.FEATURE_KEYS, (-fitted.log_odds_terms(x)[0]).tolist(), strict=True))
    keys = {r["feature"] for r in top_reasons(terms, row, {})}
    flipped_keys = {r["feature"] for r in top_reasons(flipped, row, {})}
    assert keys and flipped_keys and not keys & flipped_keys


@pytest.mark.django_db
def test_train_stores_the_model_and_scores_active_learners(django_capture_on_commit_callbacks):
    ids = build_history(end=END)
    with django_capture_on_commit_callbacks(execute=True):
        result = train(as_of=END)
    model = result.model
    assert model is not None and latest_model() == model
    assert model.features == list(F.FEATURE_KEYS) and len(model.coefficients) == len(F.FEATURE_KEYS)
    active = set(UserDay.objects.filter(day__gte=END - timedelta(days=27)).values_list("user_id", flat=True))
    scores = ChurnScore.objects.filter(model=model)
    assert set(scores.values_list("user_id", flat=True)) == active & set(ids)
    assert model.scored == len(active)
    score = scores.first()
    assert 0.0 <= score.probability <= 1.0 and 1 <= len(score.reasons) <= 3
    assert score.reason_keys.strip().split() == [r["feature"] for r in score.reasons]
    # the stored numbers reproduce the stored probability
    x = np.asarray(F.matrix([{k: (np.nan if v is None else v) for k, v in score.features.items()}]))
    assert fitted_of(model).predict(x)[0] == pytest.approx(score.probability, abs=1e-3)
    assert Event.objects.filter(name="churn_model.trained", object_id=str(model.pk)).exists()
    # a second run replaces the scores instead of piling them up
    train(as_of=END)
    assert ChurnModel.objects.count() == 2
    assert not ChurnScore.objects.filter(model=model).exists()


@pytest.mark.django_db
def test_shuffled_training_is_never_served():
    build_history(end=END)
    result = train(as_of=END, shuffle_labels=True)
    assert result.model is None and result.metrics["shuffled"]
    assert not ChurnModel.objects.exists() and not ChurnScore.objects.exists()


@pytest.mark.django_db
def test_too_little_history_is_a_clear_error():
    with pytest.raises(ValidationFailed, match="no activity"):
        train(as_of=END)
    UserDay.objects.create(day=END - timedelta(days=10), user_id=1, activities=1)
    with pytest.raises(ValidationFailed):
        train(as_of=END)
    with pytest.raises(CommandError):
        call_command("train_churn", "--as-of", END.isoformat())
    with pytest.raises(CommandError):
        call_command("train_churn", "--step-days", "0")


@pytest.mark.django_db
def test_train_churn_command_prints_the_metrics(capsys):
    build_history(end=END)
    call_command("train_churn", "--as-of", END.isoformat())
    out = capsys.readouterr().out
    assert "ROC-AUC" in out and "precision at top decile" in out and "scored" in out
    call_command("train_churn", "--as-of", END.isoformat(), "--shuffle-labels")
    assert "[shuffled labels]" in capsys.readouterr().out


@pytest.mark.django_db
def test_staff_roles_are_neither_scored_nor_learnt_from():
    build_history(learners=60, end=END)
    moderator = make_user("mod@example.org", "moderator")
    UserDay.objects.create(day=END - timedelta(days=3), user_id=moderator.pk, activities=3)
    history = F.History(start=END - timedelta(days=200), end=END)
    assert moderator.pk not in history.learners
    assert moderator.pk not in history.snapshot(END + timedelta(days=1)).user_ids

"""Train, evaluate and apply the churn-risk model.

``train`` builds weekly snapshots of the platform's own history (``features.History``),
splits them *by time* — the newest snapshots are held out, and the training snapshots are
only those whose 30-day label window closed before the first held-out day, so nothing the
model learns from overlaps the period it is judged on — fits a scikit-learn logistic
regression, reports ROC-AUC and precision at the top decile on the held-out period, then
refits on every labelled snapshot and scores today's active learners.

Why logistic regression: with tens of thousands of labelled snapshots it is as accurate as
anything heavier on these hand-made features, it trains in a second, and its per-learner
terms ``coef · z`` are an exact decomposition of each score, which is what the reasons
(``reasons.py``) are made of.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.core import events
from lyceum.core.dbrouter import replica_reads
from lyceum.core.errors import ValidationFailed

from ..models import ChurnModel, ChurnScore
from ..rollup import platform_tz
from . import features as F
from .reasons import top_reasons

TEST_SHARE = 0.25  # share of snapshot days held out (the newest)
MIN_SAMPLES = 40  # fewer labelled learner-snapshots than this is not a model


@dataclass(frozen=True)
class Fitted:
    means: list[float]
    scales: list[float]
    coefficients: list[float]
    intercept: float

    def log_odds_terms(self, x: np.ndarray) -> np.ndarray:
        """``coef_j · z_j`` per row and feature (missing values imputed to the mean: term 0)."""
        means, scales = np.asarray(self.means), np.asarray(self.scales)
        z = (np.where(np.isnan(x), means, x) - means) / scales
        return z * np.asarray(self.coefficients)

    def predict(self, x: np.ndarray) -> np.ndarray:
        terms = self.log_odds_terms(x)
        return 1.0 / (1.0 + np.exp(-(terms.sum(axis=1) + self.intercept)))


def fit(x: np.ndarray, y: np.ndarray, *, c: float = 1.0) -> Fitted:
    """Standardise (imputing the mean for missing values), then fit a logistic regression."""
    # scikit-learn takes a second to import: only training pays it, not every web process
    from sklearn.linear_model import LogisticRegression

    means = np.nanmean(np.where(np.isnan(x).all(axis=0), 0.0, x), axis=0) if len(x) else np.zeros(x.shape[1])
    means = np.where(np.isnan(means), 0.0, means)
    filled = np.where(np.isnan(x), means, x)
    scales = filled.std(axis=0)
    scales = np.where(scales < 1e-9, 1.0, scales)  # a constant column: z = 0 everywhere
    z = (filled - means) / scales
    # no class re-weighting: the scores are shown as probabilities, so they must stay calibrated
    clf = LogisticRegression(C=c, max_iter=2000)
    clf.fit(z, y)
    return Fitted(
        means=[float(v) for v in means],
        scales=[float(v) for v in scales],
        coefficients=[float(v) for v in clf.coef_[0]],
        intercept=float(clf.intercept_[0]),
    )


def precision_at_top(y: np.ndarray, scores: np.ndarray, share: float = 0.1) -> float:
    """Share of churners among the ``share`` highest-scored learners (at least one learner)."""
    k = max(1, math.ceil(len(scores) * share))
    order = np.argsort(-scores, kind="stable")[:k]
    return float(y[order].mean())


@dataclass
class Dataset:
    days: list[date]
    x: np.ndarray
    y: np.ndarray
    day_index: np.ndarray  # position in ``days`` of each row


def dataset(history: F.History, days: list[date]) -> Dataset:
    rows: list[list[float]] = []
    labels: list[int] = []
    index: list[int] = []
    for i, day in enumerate(days):
        snap = history.snapshot(day, with_labels=True)
        rows.extend(F.matrix(snap.rows))
        labels.extend(snap.labels or [])
        index.extend([i] * len(snap.rows))
    x = np.asarray(rows, dtype=float).reshape(len(rows), len(F.FEATURE_KEYS))
    return Dataset(days=days, x=x, y=np.asarray(labels, dtype=int), day_index=np.asarray(index, dtype=int))


@dataclass(frozen=True)
class TrainResult:
    model: ChurnModel | None  # None for a shuffled-label check: it is never stored or served
    metrics: dict[str, Any]


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="not_enough_history", field="history")


def evaluate(data: Dataset, *, shuffle_labels: bool = False, seed: int = 0) -> tuple[dict[str, Any], np.ndarray]:
    """Time-based split of ``data``: metrics on the held-out (newest) snapshot days, and the labels used."""
    from sklearn.metrics import roc_auc_score

    y = data.y.copy()
    if shuffle_labels:  # a permutation test: with labels unrelated to behaviour the AUC must sit near 0.5
        y = np.random.default_rng(seed).permutation(y)
    n_days = len(data.days)
    n_test = max(1, round(n_days * TEST_SHARE))
    test_days = data.days[n_days - n_test :]
    first_test = test_days[0]
    # training snapshots: label window [d, d+29] closed before the first held-out day
    train_days = [d for d in data.days if d + timedelta(days=F.HORIZON_DAYS) <= first_test]
    train_mask = np.isin(data.day_index, [data.days.index(d) for d in train_days])
    test_mask = np.isin(data.day_index, list(range(n_days - n_test, n_days)))
    y_train, y_test = y[train_mask], y[test_mask]
    if train_mask.sum() < MIN_SAMPLES or len(set(y_train.tolist())) < 2:
        raise _refuse(_("Not enough history to train on yet: %(n)s learner-snapshots before the held-out period.")
                      % {"n": int(train_mask.sum())})  # fmt: skip
    if len(set(y_test.tolist())) < 2:
        raise _refuse(_("The held-out period has only one outcome (everyone churned or no one did)."))
    fitted = fit(data.x[train_mask], y_train)
    scores = fitted.predict(data.x[test_mask])
    metrics = {
        "auc": round(float(roc_auc_score(y_test, scores)), 4),
        "precision_top_decile": round(precision_at_top(y_test, scores), 4),
        "base_rate": round(float(y_test.mean()), 4),
        "n_train": int(train_mask.sum()),
        "n_test": int(test_mask.sum()),
        "positives_train": int(y_train.sum()),
        "positives_test": int(y_test.sum()),
        "train_from": train_days[0].isoformat(),
        "train_to": train_days[-1].isoformat(),
        "test_from": first_test.isoformat(),
        "test_to": test_days[-1].isoformat(),
        "shuffled": shuffle_labels,
    }
    return metrics, y


def train(
    *, as_of: date | None = None, shuffle_labels: bool = False, seed: int = 0, step_days: int = 7, score: bool = True
) -> TrainResult:
    """Train on history up to ``as_of`` (default: yesterday), store the model, score today's learners."""
    tz = platform_tz()
    as_of = as_of or (timezone.now().astimezone(tz).date() - timedelta(days=1))
    # The read phase (the history, loaded once) may use the replica: it ends before anything is
    # written, and rollups minutes old already make replica lag irrelevant (core/dbrouter.py).
    with replica_reads():
        first = F.first_activity_day()
        if first is None:
            raise _refuse(_("There is no activity to learn from yet."))
        days = F.snapshot_days(first, as_of, step=step_days)
        if len(days) < 2:
            raise _refuse(_("Churn training needs at least %(n)s days of activity history.")
                          % {"n": F.LOOKBACK_DAYS + F.HORIZON_DAYS + step_days})  # fmt: skip
        history = F.History(start=first - timedelta(days=F.HISTORY_DAYS), end=as_of, tz=tz)
        data = dataset(history, days)
    metrics, y = evaluate(data, shuffle_labels=shuffle_labels, seed=seed)
    if shuffle_labels:
        return TrainResult(model=None, metrics=metrics)
    final = fit(data.x, y)  # the served model learns from every labelled snapshot, the newest included
    with transaction.atomic():
        model = ChurnModel.objects.create(
            trained_at=timezone.now(),
            as_of=as_of,
            horizon_days=F.HORIZON_DAYS,
            features=list(F.FEATURE_KEYS),
            means=final.means,
            scales=final.scales,
            coefficients=final.coefficients,
            intercept=final.intercept,
            metrics=metrics,
        )
        if score:
            model.scored = score_learners(model, history=history, day=as_of + timedelta(days=1))
            model.save(update_fields=["scored"])
        events.emit(
            "churn_model.trained", actor=None, obj=model, auc=metrics["auc"],
            precision_top_decile=metrics["precision_top_decile"], n_train=metrics["n_train"],
            n_test=metrics["n_test"], scored=model.scored,
        )  # fmt: skip
    return TrainResult(model=model, metrics=metrics)


def fitted_of(model: ChurnModel) -> Fitted:
    """The stored model's numbers, in today's feature order (a feature the model never saw weighs 0)."""
    stored = dict(zip(model.features, zip(model.means, model.scales, model.coefficients, strict=True), strict=True))
    means, scales, coefs = [], [], []
    for key in F.FEATURE_KEYS:
        mean, scale, coef = stored.get(key, (0.0, 1.0, 0.0))
        means.append(mean)
        scales.append(scale)
        coefs.append(coef)
    return Fitted(means=means, scales=scales, coefficients=coefs, intercept=model.intercept)


def score_learners(model: ChurnModel, *, history: F.History | None = None, day: date | None = None) -> int:
    """Score every learner active in the 28 days before ``day`` with ``model``; replaces older scores."""
    tz = platform_tz()
    day = day or timezone.now().astimezone(tz).date()
    if history is None:  # the same span training reads, so "purchases so far" and "last lesson" mean the same
        first = F.first_activity_day() or day
        history = F.History(start=first - timedelta(days=F.HISTORY_DAYS), end=day - timedelta(days=1), tz=tz)
    snap = history.snapshot(day)
    fitted = fitted_of(model)
    x = np.asarray(F.matrix(snap.rows), dtype=float).reshape(len(snap.rows), len(F.FEATURE_KEYS))
    probabilities = fitted.predict(x) if len(x) else np.zeros(0)
    terms = fitted.log_odds_terms(x) if len(x) else np.zeros((0, len(F.FEATURE_KEYS)))
    scores = []
    for i, user_id in enumerate(snap.user_ids):
        contributions = dict(zip(F.FEATURE_KEYS, terms[i].tolist(), strict=True))
        reasons = top_reasons(contributions, snap.rows[i], snap.context[i])
        scores.append(
            ChurnScore(
                model=model,
                user_id=user_id,
                day=day,
                probability=float(probabilities[i]),
                features={k: (None if math.isnan(v) else round(v, 3)) for k, v in snap.rows[i].items()},
                reasons=reasons,
                reason_keys=" " + " ".join(r["feature"] for r in reasons) + " ",
            )
        )
    with transaction.atomic():
        ChurnScore.objects.exclude(model=model).delete()  # campaigns copy what they need
        ChurnScore.objects.filter(model=model).delete()
        ChurnScore.objects.bulk_create(scores, batch_size=1000)
    return len(scores)


def latest_model() -> ChurnModel | None:
    """The model whose scores are served: the newest one."""
    return ChurnModel.objects.order_by("-trained_at", "-id").first()

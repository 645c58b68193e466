"""The spam/ad text classifier: TF-IDF over character 1-3-grams and a logistic regression.

Character n-grams read Chinese without word segmentation and shrug off odd spacing; every digit
is read as ``0`` (``text.for_classifier``), so a phone number looks like any other long number and
"lesson 3, 15 minutes" like any short one.

Training data: the shipped seed set (``data/seed.jsonl``, labelled posts in Chinese and English)
plus the moderators' decisions: a resolved queue case whose decision was ``hide`` or ``delete``
and that came from the spam filter or from a spam report is spam; an ``approve`` is not spam.

A trained model is stored as a ``SpamModel``: the vocabulary and settings in ``params`` (JSON),
the numbers (idf, coefficients, intercept) as plain arrays in ``weights`` (``numpy.savez``,
read back with ``allow_pickle=False``: never a pickle). Scoring uses the newest active model,
loaded once per process and kept until a newer one appears; before any model was trained, a
model is fitted from the seed set in-process on first use.
"""

from __future__ import annotations

import io
import json
import logging
import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_score, recall_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from lyceum.core import events
from lyceum.core.errors import ValidationFailed

from ..models import ActionKind, Case, CaseSource, CaseStatus, Report, ReportReason, SpamModel
from .text import for_classifier

log = logging.getLogger(__name__)

SEED_PATH = Path(__file__).parent / "data" / "seed.jsonl"
FORMAT = 1
ANALYZER = "char_wb"
NGRAM_RANGE = (1, 3)
C = 10.0
TEST_SIZE = 0.25
THRESHOLD = 0.5
MIN_PER_CLASS = 8
KEEP_OLD = 5  # inactive models kept after a retrain


@dataclass
class Fitted:
    """A fitted classifier as plain numbers: enough to score, to store and to load."""

    vocabulary: list[str]
    idf: np.ndarray
    coef: np.ndarray
    intercept: float
    ngram_range: tuple[int, int] = NGRAM_RANGE
    _vectorizer: CountVectorizer | None = field(default=None, repr=False, compare=False)

    def _counts(self, texts: list[str]) -> sparse.csr_matrix:
        if self._vectorizer is None:
            self._vectorizer = CountVectorizer(
                analyzer=ANALYZER, ngram_range=self.ngram_range, lowercase=False,
                vocabulary={term: i for i, term in enumerate(self.vocabulary)},
            )  # fmt: skip
        return self._vectorizer.transform([for_classifier(t) for t in texts]).tocsr()

    def features(self, texts: list[str]) -> sparse.csr_matrix:
        """The TfidfVectorizer(sublinear_tf=True, norm="l2") transform, from the stored numbers."""
        x = self._counts(texts).astype(np.float64)
        x.data = 1.0 + np.log(x.data)
        x = x.multiply(self.idf.reshape(1, -1)).tocsr()
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ x)

    def probabilities(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        logits = self.features(texts) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(np.asarray(logits).ravel(), -30, 30)))

    def probability(self, text: str) -> float:
        return float(self.probabilities([text])[0])

    # -- storage: JSON params + numpy arrays, no pickle --------------------------------------

    def params(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "analyzer": ANALYZER, "ngram_range": list(self.ngram_range), "sublinear_tf": True,
            "norm": "l2", "c": C, "vocabulary": self.vocabulary,
        }  # fmt: skip

    def weights(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer, idf=self.idf.astype(np.float64), coef=self.coef.astype(np.float64),
            intercept=np.array([self.intercept], dtype=np.float64),
        )  # fmt: skip
        return buffer.getvalue()

    @classmethod
    def load(cls, *, params: dict[str, Any], weights: bytes | memoryview) -> Fitted:
        if params.get("format") != FORMAT or params.get("analyzer") != ANALYZER:
            raise ValueError(f"unsupported spam model format {params.get('format')!r}")
        with np.load(io.BytesIO(bytes(weights)), allow_pickle=False) as arrays:
            idf, coef, intercept = arrays["idf"], arrays["coef"], float(arrays["intercept"][0])
        vocabulary = [str(term) for term in params["vocabulary"]]
        if not (len(vocabulary) == len(idf) == len(coef)):
            raise ValueError("spam model vocabulary and weights disagree")
        low, high = params["ngram_range"]
        return cls(vocabulary=vocabulary, idf=idf, coef=coef, intercept=intercept, ngram_range=(int(low), int(high)))


def fit(texts: list[str], labels: list[int]) -> Fitted:
    vectorizer = TfidfVectorizer(analyzer=ANALYZER, ngram_range=NGRAM_RANGE, lowercase=False, sublinear_tf=True)
    x = vectorizer.fit_transform([for_classifier(t) for t in texts])
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=2000)
    with threadpool_limits(1):  # a small problem: BLAS/OpenMP threads only contend (2.5 s -> 10 ms)
        model.fit(x, np.asarray(labels))
    terms = vectorizer.get_feature_names_out()
    return Fitted(
        vocabulary=[str(t) for t in terms], idf=np.asarray(vectorizer.idf_, dtype=np.float64),
        coef=np.asarray(model.coef_[0], dtype=np.float64), intercept=float(model.intercept_[0]),
    )  # fmt: skip


# --- training data ------------------------------------------------------------------------------


def seed_examples() -> list[tuple[str, int]]:
    rows = []
    with SEED_PATH.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                rows.append((str(row["text"]), int(row["spam"])))
    return rows


def case_examples() -> list[tuple[str, int]]:
    """Moderators' decisions on queued text: hidden/deleted spam is 1, approved is 0."""
    spam_report = Report.objects.filter(case=OuterRef("pk"), reason=ReportReason.SPAM)
    resolved = Case.objects.filter(status=CaseStatus.RESOLVED).exclude(text="").exclude(source=CaseSource.TAKEDOWN)
    spam = resolved.filter(decision__in=[ActionKind.HIDE, ActionKind.DELETE]).filter(
        Q(source=CaseSource.DETECTOR) | Q(Exists(spam_report))
    )
    rows = [(text, 1) for text in spam.values_list("text", flat=True)]
    rows += [(text, 0) for text in resolved.filter(decision=ActionKind.APPROVE).values_list("text", flat=True)]
    return rows


# --- training with a held-out split ----------------------------------------------------------------


@dataclass(frozen=True)
class TrainResult:
    model: SpamModel | None
    metrics: dict[str, Any]


def evaluate(texts: list[str], labels: list[int], *, seed: int = 0, shuffle_labels: bool = False) -> dict[str, Any]:
    """Fit on a stratified 75 % and measure precision, recall and F1 on the other 25 %."""
    y = np.asarray(labels)
    if shuffle_labels:
        y = np.random.default_rng(seed).permutation(y)
    if min(int(y.sum()), int(len(y) - y.sum())) < MIN_PER_CLASS:
        raise ValidationFailed(
            _("Training needs at least %(n)s examples of spam and of normal posts.") % {"n": MIN_PER_CLASS}
        )
    x_train, x_test, y_train, y_test = train_test_split(texts, y, test_size=TEST_SIZE, random_state=seed, stratify=y)
    fitted = fit(list(x_train), [int(v) for v in y_train])
    predicted = (fitted.probabilities(list(x_test)) >= THRESHOLD).astype(int)
    return {
        "precision": float(precision_score(y_test, predicted, zero_division=0)),
        "recall": float(recall_score(y_test, predicted, zero_division=0)),
        "f1": float(f1_score(y_test, predicted, zero_division=0)),
        "n_train": len(y_train), "n_test": len(y_test),
        "spam_train": int(np.sum(y_train)), "spam_test": int(np.sum(y_test)),
        "threshold": THRESHOLD, "seed": seed, "shuffled": shuffle_labels,
    }  # fmt: skip


def train(*, seed: int = 0, shuffle_labels: bool = False, use_cases: bool = True) -> TrainResult:
    """Evaluate on a held-out split, then (unless ``shuffle_labels``) fit on every example and
    store the result as the one active ``SpamModel``."""
    seeds = seed_examples()
    cases = case_examples() if use_cases else []
    examples = seeds + cases
    texts, labels = [t for t, _ in examples], [y for _, y in examples]
    metrics = evaluate(texts, labels, seed=seed, shuffle_labels=shuffle_labels)
    metrics.update(seed_examples=len(seeds), case_examples=len(cases), spam_examples=sum(labels))
    if shuffle_labels:
        return TrainResult(model=None, metrics=metrics)
    fitted = fit(texts, labels)
    with transaction.atomic():
        SpamModel.objects.filter(is_active=True).update(is_active=False)
        keep = SpamModel.objects.order_by("-created_at", "-id").values_list("id", flat=True)[:KEEP_OLD]
        SpamModel.objects.exclude(id__in=list(keep)).delete()  # the newest few stay for comparison
        model = SpamModel.objects.create(
            params=fitted.params(), weights=fitted.weights(), metrics=metrics, examples=len(examples), is_active=True
        )
        events.emit(
            "spam_model.trained", actor=None, obj=model, precision=metrics["precision"], recall=metrics["recall"],
            f1=metrics["f1"], examples=len(examples), case_examples=len(cases),
        )  # fmt: skip
    return TrainResult(model=model, metrics=metrics)


# --- the model that scores ------------------------------------------------------------------------

_lock = threading.Lock()
_loaded: tuple[int | None, Fitted] | None = None
_from_seed: Fitted | None = None


def _seed_fitted() -> Fitted:
    global _from_seed
    if _from_seed is None:
        log.info("no usable trained spam model yet: fitting one from the seed set in-process")
        seeds = seed_examples()
        _from_seed = fit([t for t, _ in seeds], [y for _, y in seeds])
    return _from_seed


def current() -> Fitted:
    """The newest active model (loaded once per process, reloaded when a newer one is stored);
    without any, a model fitted from the seed set in-process."""
    global _loaded
    model_id = (
        SpamModel.objects.filter(is_active=True).order_by("-created_at", "-id").values_list("id", flat=True).first()
    )
    cached = _loaded
    if cached is not None and cached[0] == model_id:
        return cached[1]
    with _lock:
        fitted: Fitted | None = None
        if model_id is not None:
            row = SpamModel.objects.filter(pk=model_id).values("params", "weights").first()
            if row is not None:
                try:
                    fitted = Fitted.load(params=row["params"], weights=row["weights"])
                except Exception as exc:  # a broken row must never stop members posting
                    log.error("spam model %s cannot be loaded (%s); using the seed set", model_id, exc)
        if fitted is None:
            fitted = _seed_fitted()
        _loaded = (model_id, fitted)
        return fitted


def forget(*, seed: bool = False) -> None:
    """Drop the process's loaded model (tests, and after a manual change of ``is_active``);
    ``seed``: the one fitted from the seed set too."""
    global _loaded, _from_seed
    _loaded = None
    if seed:
        _from_seed = None


def spam_probability(text: str) -> float:
    if not text or not text.strip():
        return 0.0
    p = current().probability(text)
    return 0.0 if math.isnan(p) else p

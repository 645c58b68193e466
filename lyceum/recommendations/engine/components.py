"""The recommender's components, each with the same small interface:

- ``fit(data, items, learners)``: learn from the training interactions (``items`` is the
  catalogue, empty for CSV data; ``learners`` the training users' survey topics);
- ``score_batch(batch)``: learners × items scores for a ``data.Batch`` of learners (higher is
  better; only the order within a row matters, the hybrid normalises);
- ``explain_many(learner, items)``: per item, a true reason as facts, or ``None`` when this
  component has none.

Components: ``Collaborative`` (implicit's ALS on the confidence-weighted user × item matrix),
``Content`` (TF-IDF over title, subtitle, objectives, description, tags and category, Chinese
segmented by jieba), ``TopicPopular`` (what learners interested in the same topics take, at the
learner's level; a course nobody took yet still scores in its topic), ``Popular`` (global
baseline).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from scipy import sparse

from .data import Batch, Interactions, Item, Learner

Reason = dict[str, Any]


class Component(Protocol):
    name: str
    available: bool

    def fit(self, data: Interactions, items: list[Item], learners: list[Learner]) -> None: ...

    def score_batch(self, batch: Batch) -> np.ndarray: ...

    def explain_many(self, learner: Learner, items: Sequence[int]) -> list[Reason | None]: ...


def _binary(data: Interactions) -> sparse.csr_matrix:
    m = data.matrix()
    m.data[:] = 1.0
    return m


def _history_reason(learner: Learner, item: int, keys: list[Any], kind: str) -> Reason:
    """``finished`` when the learner really completed the history item, else ``kind``."""
    return {"kind": "finished" if item in learner.completed else kind, "course": keys[item]}


def _best_in_history(
    learner: Learner, items: Sequence[int], table: np.ndarray, above: float, keys: list[Any], kind: str
) -> list[Reason | None]:
    """Per item, the learner's history item with the highest ``table[history item, item]``
    (the first in history order on a tie) when that value is above ``above``."""
    if not learner.history or not len(items):
        return [None] * len(items)
    hist = np.fromiter(learner.history, dtype=np.int64, count=len(learner.history))
    sub = table[np.ix_(hist, np.asarray(items, dtype=np.int64))]
    best = sub.argmax(axis=0)
    value = sub[best, np.arange(len(items))]
    return [
        _history_reason(learner, int(hist[b]), keys, kind) if v > above else None
        for b, v in zip(best.tolist(), value.tolist(), strict=True)
    ]


# --- collaborative filtering -----------------------------------------------------------------


@dataclass
class Collaborative:
    factors: int = 32
    regularization: float = 0.05
    alpha: float = 10.0
    iterations: int = 15
    random_state: int = 42
    num_threads: int = 1
    name: str = "collaborative"
    available: bool = True

    def fit(self, data: Interactions, items: list[Item], learners: list[Learner]) -> None:
        # BLAS threads fight implicit's own: one BLAS thread while fitting (implicit checks the
        # pool when the model is built, so both happen inside the limit; OPENBLAS_NUM_THREADS=1
        # in the job's environment does the same for the whole process)
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        self.keys = data.item_keys
        matrix = data.matrix()
        with threadpool_limits(1, "blas"):
            self.model = AlternatingLeastSquares(
                factors=self.factors,
                regularization=self.regularization,
                alpha=self.alpha,
                iterations=self.iterations,
                random_state=self.random_state,
                num_threads=self.num_threads,
            )
            if matrix.nnz:
                self.model.fit(matrix, show_progress=False)
        if matrix.nnz:
            self.user_factors = np.asarray(self.model.user_factors)
            self.item_factors = np.asarray(self.model.item_factors)
        else:
            self.user_factors = np.zeros((data.n_users, self.factors), dtype=np.float32)
            self.item_factors = np.zeros((data.n_items, self.factors), dtype=np.float32)
        binary = _binary(data)
        self.item_counts = np.asarray(binary.sum(axis=0)).ravel().astype(np.float32)
        self.cooccurrence = np.asarray((binary.T @ binary).todense(), dtype=np.float32)
        np.fill_diagonal(self.cooccurrence, 0.0)
        self.yty = self.item_factors.T @ self.item_factors

    def user_vector(self, learner: Learner) -> np.ndarray | None:
        if learner.index is not None and learner.index < len(self.user_factors):
            return np.asarray(self.user_factors[learner.index])
        if not learner.history:
            return None
        # the ALS least-squares step for one user whose row is not in the matrix
        idx = np.fromiter(learner.history, dtype=np.int64)
        conf = self.alpha * np.fromiter(learner.history.values(), dtype=np.float32)
        y = self.item_factors[idx]
        a = self.yty + (y.T * conf) @ y + self.regularization * np.eye(self.yty.shape[0], dtype=np.float32)
        b = (y.T * (1.0 + conf)).sum(axis=1)
        return np.asarray(np.linalg.solve(a, b))

    def score_batch(self, batch: Batch) -> np.ndarray:
        vectors = np.zeros((len(batch), self.item_factors.shape[1]), dtype=np.float32)
        for row, learner in enumerate(batch.learners):
            vector = self.user_vector(learner)
            if vector is not None:
                vectors[row] = vector
        return np.asarray(vectors @ self.item_factors.T)

    def explain_many(self, learner: Learner, items: Sequence[int]) -> list[Reason | None]:
        """ "Learners who took X also took this": X is the learner's course most often taken
        together with the item (at least one learner took both)."""
        return _best_in_history(learner, items, self.cooccurrence, 0.0, self.keys, "also_took")

    def similar_items(self, n: int) -> list[list[tuple[int, float]]]:
        """Per item, up to ``n`` items most often taken together (co-enrollment count > 0),
        ordered by co-enrollment lift blended with ALS item similarity."""
        counts = self.cooccurrence
        totals = np.maximum(self.item_counts, 1.0)
        norms = np.linalg.norm(self.item_factors, axis=1)
        norms[norms == 0] = 1.0
        unit = self.item_factors / norms[:, None]
        cosine = unit @ unit.T
        out: list[list[tuple[int, float]]] = []
        for i in range(len(counts)):
            row = counts[i] / np.sqrt(totals[i] * totals)
            score = 0.5 * row / max(float(row.max()), 1e-9) + 0.5 * np.clip(cosine[i], 0, None)
            candidates = np.flatnonzero(counts[i] > 0)
            ranked = sorted(candidates.tolist(), key=lambda j: (-score[j], j))[:n]
            out.append([(j, float(score[j])) for j in ranked])
        return out


# --- content similarity ----------------------------------------------------------------------


@dataclass
class Content:
    name: str = "content"
    available: bool = True
    min_similarity: float = 0.05

    def fit(self, data: Interactions, items: list[Item], learners: list[Learner]) -> None:
        self.keys = data.item_keys
        texts = [it.text for it in items]
        self.available = bool(items) and any(texts)
        if not self.available:
            self.similarity = np.zeros((data.n_items, data.n_items), dtype=np.float32)
            return
        from sklearn.feature_extraction.text import TfidfVectorizer

        from lyceum.feedback.analysis import tokens

        vectorizer = TfidfVectorizer(tokenizer=tokens, lowercase=False, token_pattern=None, sublinear_tf=True)
        matrix = vectorizer.fit_transform(texts)  # rows are L2-normalised
        self.similarity = np.asarray((matrix @ matrix.T).todense(), dtype=np.float32)
        np.fill_diagonal(self.similarity, 0.0)

    def score_batch(self, batch: Batch) -> np.ndarray:
        """The cosine of each item with the learner's weighted mean of the items they took."""
        if not self.available:
            return np.zeros((len(batch), len(self.similarity)), dtype=np.float32)
        totals = np.asarray(batch.history.sum(axis=1)).ravel()
        return np.asarray(batch.history @ self.similarity) / np.maximum(totals, 1e-9)[:, None]

    def explain_many(self, learner: Learner, items: Sequence[int]) -> list[Reason | None]:
        return _best_in_history(learner, items, self.similarity, self.min_similarity, self.keys, "similar")

    def similar_items(self, n: int) -> list[list[tuple[int, float]]]:
        out: list[list[tuple[int, float]]] = []
        for row in self.similarity:
            ranked = [j for j in np.argsort(-row, kind="stable")[:n].tolist() if row[j] > self.min_similarity]
            out.append([(j, float(row[j])) for j in ranked])
        return out


# --- popularity within the learner's topics (cold start) -------------------------------------


def learner_topics(learner: Learner, items: list[Item]) -> dict[int, float]:
    """The survey / profile topics; without them, the topics of the courses the learner took."""
    if learner.topics:
        return learner.topics
    topics: dict[int, float] = {}
    for i, w in learner.history.items():
        topic = items[i].topic if i < len(items) else None
        if topic is not None:
            topics[topic] = topics.get(topic, 0.0) + w
    return topics


@dataclass
class TopicPopular:
    """Σ over the learner's topics t of weight(t) × level fit × (share of learners interested
    in t who took the item + ``prior`` when the item is in t). The prior lets a course nobody
    took yet reach learners of its topic."""

    prior: float = 0.35
    level_penalty: float = 0.3
    name: str = "topic"
    available: bool = True

    def fit(self, data: Interactions, items: list[Item], learners: list[Learner]) -> None:
        self.items = items
        self.available = any(it.topic is not None for it in items)
        binary = _binary(data)
        topic_ids = sorted({t for ln in learners for t in learner_topics(ln, items)} | {
            it.topic for it in items if it.topic is not None
        })  # fmt: skip
        self.topic_row = {t: n for n, t in enumerate(topic_ids)}
        rows, cols, vals = [], [], []
        for ln in learners:
            if ln.index is None:
                continue
            for t in learner_topics(ln, items):
                rows.append(self.topic_row[t])
                cols.append(ln.index)
                vals.append(1.0)
        interested = sparse.csr_matrix((vals, (rows, cols)), shape=(len(topic_ids), data.n_users), dtype=np.float32)
        counts = np.asarray((interested @ binary).todense(), dtype=np.float32)
        self.counts = counts
        self.popularity = counts / np.maximum(counts.max(axis=1, keepdims=True), 1.0)
        self.in_topic = np.zeros_like(counts)
        self.levels = np.array([it.level for it in items], dtype=np.float32)
        for i, it in enumerate(items):
            if it.topic is not None:
                self.in_topic[self.topic_row[it.topic], i] = 1.0
        self.base = self.popularity + self.prior * self.in_topic  # topics × items

    def _fit(self, level: float) -> np.ndarray:
        """The level fit of every item for a learner at ``level`` in a topic."""
        return 1.0 - self.level_penalty * np.abs(self.levels - level)

    def _topics(self, learner: Learner) -> list[tuple[int, float]]:
        return [(t, w) for t, w in learner_topics(learner, self.items).items() if t in self.topic_row]

    def score_batch(self, batch: Batch) -> np.ndarray:
        """Σ_t weight(t) × fit(level in t) × base(t): one sparse learners × topics matrix per
        level the learners are at, times the topics × items base."""
        n_topics, n_items = self.base.shape
        by_level: dict[float, tuple[list[int], list[int], list[float]]] = {}
        for row, learner in enumerate(batch.learners):
            for t, w in self._topics(learner):
                rows, cols, vals = by_level.setdefault(learner.levels.get(t, 0), ([], [], []))
                rows.append(row)
                cols.append(self.topic_row[t])
                vals.append(w)
        out = np.zeros((len(batch), n_items), dtype=np.float32)
        for level, (rows, cols, vals) in by_level.items():
            weights = sparse.csr_matrix((vals, (rows, cols)), shape=(len(batch), n_topics), dtype=np.float32)
            out += np.asarray(weights @ self.base) * self._fit(level)
        return out

    def explain_many(self, learner: Learner, items: Sequence[int]) -> list[Reason | None]:
        topics = self._topics(learner)
        if not topics:
            return [None] * len(items)
        cols = np.asarray(items, dtype=np.int64)
        rows = np.array([self.topic_row[t] for t, _ in topics], dtype=np.int64)
        terms = np.stack(
            [
                w * self._fit(learner.levels.get(t, 0))[cols] * self.base[r, cols]
                for (t, w), r in zip(topics, rows, strict=True)
            ]
        )  # topics × items
        in_topic = self.in_topic[np.ix_(rows, cols)] > 0
        taken = self.counts[np.ix_(rows, cols)] > 0
        chosen = [t in learner.topics for t, _ in topics]
        out: list[Reason | None] = []
        for n in range(len(cols)):
            ranked = sorted(range(len(topics)), key=lambda k: -terms[k, n])
            own = [topics[k][0] for k in ranked if in_topic[k, n] and chosen[k]]
            if own and learner.goals:  # in a topic the learner chose, next to the goal they gave
                out.append({"kind": "goal", "goal": learner.goals[0], "topic": own[0]})
                continue
            popular = next((topics[k][0] for k in ranked if taken[k, n]), None)
            if popular is not None:
                out.append({"kind": "popular_topic", "topic": popular})
            elif own:
                out.append({"kind": "topic", "topic": own[0]})
            else:
                out.append(None)
        return out


# --- global popularity (the baseline) --------------------------------------------------------


@dataclass
class Popular:
    name: str = "popularity"
    available: bool = True

    def fit(self, data: Interactions, items: list[Item], learners: list[Learner]) -> None:
        self.counts = np.asarray(_binary(data).sum(axis=0)).ravel().astype(np.float32)

    def score_batch(self, batch: Batch) -> np.ndarray:
        return np.broadcast_to(self.counts, (len(batch), len(self.counts)))

    def explain_many(self, learner: Learner, items: Sequence[int]) -> list[Reason | None]:
        return [{"kind": "popular"} if self.counts[i] > 0 else None for i in items]

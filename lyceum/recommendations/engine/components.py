"""The recommender's components, each with the same small interface:

- ``fit(data, items, learners)``: learn from the training interactions (``items`` is the
  catalogue, empty for CSV data; ``learners`` the training users' survey topics);
- ``score(learner)``: one score per item (higher is better; only the order matters, the hybrid
  normalises);
- ``explain(learner, item)``: a true reason as facts, or ``None`` when this component has none.

Components: ``Collaborative`` (implicit's ALS on the confidence-weighted user × item matrix),
``Content`` (TF-IDF over title, subtitle, objectives, description, tags and category, Chinese
segmented by jieba), ``TopicPopular`` (what learners interested in the same topics take, at the
learner's level; a course nobody took yet still scores in its topic), ``Popular`` (global
baseline).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from scipy import sparse

from .data import Interactions, Item, Learner

Reason = dict[str, Any]


class Component(Protocol):
    name: str
    available: bool

    def fit(self, data: Interactions, items: list[Item], learners: list[Learner]) -> None: ...

    def score(self, learner: Learner) -> np.ndarray: ...

    def explain(self, learner: Learner, item: int) -> Reason | None: ...


def _binary(data: Interactions) -> sparse.csr_matrix:
    m = data.matrix()
    m.data[:] = 1.0
    return m


def _history_reason(learner: Learner, item: int, keys: list[Any], kind: str) -> Reason:
    """``finished`` when the learner really completed the history item, else ``kind``."""
    return {"kind": "finished" if item in learner.completed else kind, "course": keys[item]}


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

    def score(self, learner: Learner) -> np.ndarray:
        vector = self.user_vector(learner)
        if vector is None:
            return np.zeros(len(self.item_factors), dtype=np.float32)
        return np.asarray(self.item_factors @ vector)

    def explain(self, learner: Learner, item: int) -> Reason | None:
        """ "Learners who took X also took this": X is the learner's course most often taken
        together with ``item`` (at least one learner took both)."""
        best, best_count = -1, 0.0
        for j in learner.history:
            count = float(self.cooccurrence[j, item])
            if count > best_count:
                best, best_count = j, count
        if best < 0:
            return None
        return _history_reason(learner, best, self.keys, "also_took")

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

    def score(self, learner: Learner) -> np.ndarray:
        """The cosine of each item with the learner's weighted mean of the items they took."""
        if not learner.history or not self.available:
            return np.zeros(len(self.similarity), dtype=np.float32)
        idx = np.fromiter(learner.history, dtype=np.int64)
        w = np.fromiter(learner.history.values(), dtype=np.float32)
        return np.asarray(w @ self.similarity[idx] / max(float(w.sum()), 1e-9))

    def explain(self, learner: Learner, item: int) -> Reason | None:
        best, best_sim = -1, self.min_similarity
        for j in learner.history:
            sim = float(self.similarity[j, item])
            if sim > best_sim:
                best, best_sim = j, sim
        if best < 0:
            return None
        return _history_reason(learner, best, self.keys, "similar")

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

    def _terms(self, learner: Learner) -> tuple[list[int], np.ndarray]:
        topics = [(t, w) for t, w in learner_topics(learner, self.items).items() if t in self.topic_row]
        n_items = self.counts.shape[1]
        if not topics:
            return [], np.zeros((0, n_items), dtype=np.float32)
        terms = np.zeros((len(topics), n_items), dtype=np.float32)
        for k, (t, w) in enumerate(topics):
            r = self.topic_row[t]
            fit = 1.0 - self.level_penalty * np.abs(self.levels - learner.levels.get(t, 0))
            terms[k] = w * fit * (self.popularity[r] + self.prior * self.in_topic[r])
        return [t for t, _ in topics], terms

    def score(self, learner: Learner) -> np.ndarray:
        _topics, terms = self._terms(learner)
        if not len(terms):
            return np.zeros(self.counts.shape[1], dtype=np.float32)
        return np.asarray(terms.sum(axis=0))

    def explain(self, learner: Learner, item: int) -> Reason | None:
        topics, terms = self._terms(learner)
        if not topics:
            return None
        ranked = sorted(range(len(topics)), key=lambda k: -terms[k, item])
        own = [
            topics[k] for k in ranked if self.in_topic[self.topic_row[topics[k]], item] and topics[k] in learner.topics
        ]
        if own and learner.goals:  # in a topic the learner chose, next to the goal they gave
            return {"kind": "goal", "goal": learner.goals[0], "topic": own[0]}
        for k in ranked:
            t = topics[k]
            if self.counts[self.topic_row[t], item] > 0:
                return {"kind": "popular_topic", "topic": t}
        if own:
            return {"kind": "topic", "topic": own[0]}
        return None


# --- global popularity (the baseline) --------------------------------------------------------


@dataclass
class Popular:
    name: str = "popularity"
    available: bool = True

    def fit(self, data: Interactions, items: list[Item], learners: list[Learner]) -> None:
        self.counts = np.asarray(_binary(data).sum(axis=0)).ravel().astype(np.float32)

    def score(self, learner: Learner) -> np.ndarray:
        return self.counts

    def explain(self, learner: Learner, item: int) -> Reason | None:
        return {"kind": "popular"} if self.counts[item] > 0 else None

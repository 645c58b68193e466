"""The hybrid: blend the components' normalised scores, apply the catalogue's rules, say why.

- Each component's scores over the candidates are min-max normalised to [0, 1] and blended with
  ``Params.weights``; a learner with fewer than ``Params.cold_below`` interactions gets
  ``Params.cold_weights`` instead (no history: collaborative and content have nothing to say,
  the topics of the needs survey do).
- Candidates: published items the learner has not taken (enrolled courses are never
  recommended again).
- Prerequisites: an item whose prerequisites the learner has not completed is **excluded** when
  it sits two or more levels above the learner's level in its topic (a beginner is not sent to
  an advanced course), and **demoted** (× ``Params.demote``) when it sits one level above.
  The learner's level in a topic is the survey's, raised by the levels of courses they completed.
- The reason is asked of the component rating the item highest on its own normalised scale,
  then the others in that order; the first true reason wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from .components import Collaborative, Component, Content, Popular, Reason, TopicPopular
from .data import LEVELS, Batch, Interactions, Item, Learner, batch_of


@dataclass
class Params:
    # the collaborative component's hyper-parameters (its own defaults), stored with each run
    factors: int = Collaborative.factors
    regularization: float = Collaborative.regularization
    alpha: float = Collaborative.alpha
    iterations: int = Collaborative.iterations
    random_state: int = Collaborative.random_state
    num_threads: int = Collaborative.num_threads
    weights: dict[str, float] = field(
        default_factory=lambda: {"collaborative": 0.2, "content": 0.1, "topic": 0.6, "popularity": 0.1}
    )
    cold_weights: dict[str, float] = field(
        default_factory=lambda: {"collaborative": 0.05, "content": 0.05, "topic": 0.9, "popularity": 0.0}
    )
    cold_below: int = 2
    demote: float = 0.5

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Scored:
    item: int
    score: float
    reason: Reason


def _normalise(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per row, min-max over the row's allowed items to [0, 1]; 0 elsewhere and on flat rows."""
    values = np.asarray(values, dtype=np.float64)
    low = np.where(mask, values, np.inf).min(axis=1)
    high = np.where(mask, values, -np.inf).max(axis=1)
    with np.errstate(invalid="ignore"):
        span = high - low
    ok = np.isfinite(span) & (span >= 1e-12)
    safe_low = np.where(ok, low, 0.0)[:, None]
    safe_span = np.where(ok, span, 1.0)[:, None]
    return np.where(mask & ok[:, None], (values - safe_low) / safe_span, 0.0)


def top_items(scores: np.ndarray, mask: np.ndarray, n: int) -> list[list[int]]:
    """Per row, the allowed items with the ``n`` highest scores, best first (ties: lower item
    index first, as a stable sort would give), without sorting whole rows."""
    rows, width = scores.shape
    score = np.where(mask, scores, -np.inf)
    if n <= 0 or rows == 0:
        return [[] for _ in range(rows)]
    if n >= width:
        order = np.argsort(-score, axis=1, kind="stable")
    else:
        kth = np.partition(score, width - n, axis=1)[:, width - n]  # the n-th highest per row
        above = score > kth[:, None]
        tied = score == kth[:, None]
        room = n - above.sum(axis=1)
        chosen = above | (tied & (np.cumsum(tied, axis=1) <= room[:, None]))
        cols = np.nonzero(chosen)[1].reshape(rows, n)
        values = np.take_along_axis(score, cols, axis=1)
        order = np.take_along_axis(cols, np.lexsort((cols, -values), axis=-1), axis=1)
    allowed = np.take_along_axis(mask, order, axis=1)
    return [row[keep].tolist() for row, keep in zip(order, allowed, strict=True)]


class Hybrid:
    """Fits every component, then ranks items for batches of learners (``recommend_batch``)."""

    def __init__(self, params: Params | None = None) -> None:
        self.params = params or Params()
        p = self.params
        self.components: dict[str, Component] = {
            "collaborative": Collaborative(
                factors=p.factors, regularization=p.regularization, alpha=p.alpha, iterations=p.iterations,
                random_state=p.random_state, num_threads=p.num_threads,
            ),
            "content": Content(),
            "topic": TopicPopular(),
            "popularity": Popular(),
        }  # fmt: skip

    def fit(self, data: Interactions, items: list[Item], learners: list[Learner]) -> Hybrid:
        self.data = data
        self.fit_catalog(data.item_keys, items or [Item(key=k) for k in data.item_keys])
        for component in self.components.values():
            component.fit(data, items, learners)
        return self

    def fit_catalog(self, keys: list[Any], items: list[Item]) -> None:
        """The catalogue's rules as matrices: published items, levels, and for the items with
        prerequisites (``gated``) the prerequisite incidence and the topic each sits in."""
        self.items = items
        self.index_of = {key: n for n, key in enumerate(keys)}
        n = len(items)
        self.published = np.array([it.published for it in items], dtype=bool)
        self.levels = np.array([it.level for it in items], dtype=np.int64)
        self.prerequisites = [
            sorted({self.index_of[k] for k in it.prerequisites if k in self.index_of}) for it in items
        ]
        self.gated = [i for i, pre in enumerate(self.prerequisites) if pre]  # the only items the rule can touch
        pairs = [(p, g) for g, i in enumerate(self.gated) for p in self.prerequisites[i]]
        self.prerequisite_of = sparse.csr_matrix(
            (np.ones(len(pairs), dtype=np.float32), ([p for p, _ in pairs], [g for _, g in pairs])),
            shape=(n, len(self.gated)),
        )  # items × gated items
        self.prerequisite_count = np.array([len(self.prerequisites[i]) for i in self.gated], dtype=np.float32)
        # a learner's level in a topic: the survey's, raised to min(level + 1, advanced) by every
        # completed course of that topic (courses without a topic form a topic of their own)
        self.topic_col = {t: k for k, t in enumerate(dict.fromkeys(it.topic for it in items))}
        item_col = np.array([self.topic_col[it.topic] for it in items], dtype=np.int64)
        lift = np.minimum(self.levels + 1, len(LEVELS) - 1)
        self.lifts = {
            level: sparse.csr_matrix(
                (
                    np.ones(int((lift == level).sum()), dtype=np.float32),
                    (np.flatnonzero(lift == level), item_col[lift == level]),
                ),
                shape=(n, len(self.topic_col)),
            )
            for level in range(1, len(LEVELS))
        }  # items × topics: completing the item lifts the learner to ``level`` in that topic
        self.gated_col = item_col[self.gated] if self.gated else np.zeros(0, dtype=np.int64)

    # -- rules ----------------------------------------------------------------------------

    def learner_levels(self, batch: Batch) -> np.ndarray:
        """learners × topics (``topic_col``): each learner's level in each topic."""
        level = np.zeros((len(batch), len(self.topic_col)), dtype=np.int64)
        for row, learner in enumerate(batch.learners):
            for topic, value in learner.levels.items():
                col = self.topic_col.get(topic)
                if topic is not None and col is not None:
                    level[row, col] = value
        for value, lifts in self.lifts.items():
            reached = (batch.completed @ lifts).toarray() > 0
            level = np.maximum(level, np.where(reached, value, 0))
        return level

    def candidates_batch(self, batch: Batch) -> tuple[np.ndarray, np.ndarray]:
        """(learners × items mask of allowed items, multiplier per item: 1, or ``demote``)."""
        mask = np.repeat(self.published[None, :], len(batch), axis=0)
        mask[batch.taken()] = False
        factor = np.ones(mask.shape, dtype=np.float64)
        if not self.gated or not len(batch):
            return mask, factor
        gated = np.asarray(self.gated)
        missing = (batch.completed @ self.prerequisite_of).toarray() < self.prerequisite_count
        gap = self.levels[gated][None, :] - self.learner_levels(batch)[:, self.gated_col]
        open_ = mask[:, gated]
        mask[:, gated] = open_ & ~(missing & (gap >= 2))
        factor[:, gated] = np.where(open_ & missing & (gap == 1), self.params.demote, 1.0)
        return mask, factor

    def candidates(self, learner: Learner) -> tuple[np.ndarray, np.ndarray]:
        mask, factor = self.candidates_batch(batch_of([learner], len(self.items)))
        return mask[0], factor[0]

    def weights_for(self, learner: Learner) -> dict[str, float]:
        p = self.params
        weights = p.weights if len(learner.history) >= p.cold_below else p.cold_weights
        return {name: w for name, w in weights.items() if w > 0 and self.components[name].available}

    # -- ranking --------------------------------------------------------------------------

    def blended(self, batch: Batch) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """(learners × items blended scores, mask, each component's weighted normalised part)."""
        mask, factor = self.candidates_batch(batch)
        weights = [self.weights_for(learner) for learner in batch.learners]
        parts: dict[str, np.ndarray] = {}
        for name, component in self.components.items():
            w = np.array([ws.get(name, 0.0) for ws in weights], dtype=np.float64)
            if w.any():
                parts[name] = w[:, None] * _normalise(component.score_batch(batch), mask)
        total = np.zeros(mask.shape, dtype=np.float64)
        for part in parts.values():
            total += part
        return total * factor, mask, parts

    def recommend_batch(self, learners: Sequence[Learner], n: int = 20, *, explain: bool = True) -> list[list[Scored]]:
        batch = batch_of(learners, len(self.items))
        total, mask, parts = self.blended(batch)
        out = []
        for row, (learner, items) in enumerate(zip(learners, top_items(total, mask, n), strict=True)):
            reasons = (
                self.reasons(learner, items, {name: part[row] for name, part in parts.items()}) if explain else None
            )
            out.append(
                [
                    Scored(item=i, score=round(float(total[row, i]), 6), reason=reasons[k] if reasons else {})
                    for k, i in enumerate(items)
                ]
            )
        return out

    def recommend(self, learner: Learner, n: int = 20, *, explain: bool = True) -> list[Scored]:
        return self.recommend_batch([learner], n, explain=explain)[0]

    def reasons(self, learner: Learner, items: list[int], parts: dict[str, np.ndarray]) -> list[Reason]:
        """Per item, the reason of the component rating it highest on its own scale, else the
        next one's (global popularity, the least informative reason, speaks last)."""
        if not items:
            return []
        weights = self.weights_for(learner)
        found = {
            name: component.explain_many(learner, items)
            for name, component in self.components.items()
            if component.available
        }
        fallback = ("topic", "content", "collaborative", "popularity")
        out: list[Reason] = []
        for k, item in enumerate(items):
            names = sorted(
                (n for n in weights if n != "popularity"), key=lambda name: (-parts[name][item] / weights[name], name)
            )
            names += [name for name in fallback if name not in names]
            said = [found[name][k] for name in names if name in found]
            out.append(next((reason for reason in said if reason is not None), {"kind": "picked"}))
        return out


def rank_batch(component: Component, batch: Batch, mask: np.ndarray, n: int) -> list[list[int]]:
    """One component alone (evaluation): per learner, its top ``n`` allowed items."""
    return top_items(np.asarray(component.score_batch(batch), dtype=np.float64), mask, n)

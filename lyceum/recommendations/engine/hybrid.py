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

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .components import Collaborative, Component, Content, Popular, Reason, TopicPopular
from .data import Interactions, Item, Learner


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
    out = np.zeros(len(values), dtype=np.float64)
    if not mask.any():
        return out
    chosen = values[mask].astype(np.float64)
    low, high = float(chosen.min()), float(chosen.max())
    if high - low < 1e-12:
        return out
    out[mask] = (chosen - low) / (high - low)
    return out


class Hybrid:
    """Fits every component, then ranks items for a learner (``recommend``)."""

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
        self.items = items or [Item(key=k) for k in data.item_keys]
        self.index_of = {key: n for n, key in enumerate(data.item_keys)}
        for component in self.components.values():
            component.fit(data, items, learners)
        self.published = np.array([it.published for it in self.items], dtype=bool)
        self.levels = np.array([it.level for it in self.items], dtype=np.int64)
        self.prerequisites = [[self.index_of[k] for k in it.prerequisites if k in self.index_of] for it in self.items]
        self.gated = [i for i, pre in enumerate(self.prerequisites) if pre]  # the only items the rule can touch
        return self

    # -- rules ----------------------------------------------------------------------------

    def learner_level(self, learner: Learner, topic: int | None) -> int:
        level = learner.levels.get(topic, 0) if topic is not None else 0
        for i in learner.completed:
            if i < len(self.items) and self.items[i].topic == topic:
                level = max(level, min(self.items[i].level + 1, 2))
        return level

    def candidates(self, learner: Learner) -> tuple[np.ndarray, np.ndarray]:
        """(mask of allowed items, multiplier per item: 1, or ``demote``)."""
        mask = self.published.copy()
        for i in learner.history:
            mask[i] = False
        factor = np.ones(len(mask), dtype=np.float64)
        for i in self.gated:
            if not mask[i]:
                continue
            missing = [p for p in self.prerequisites[i] if p not in learner.completed]
            if not missing:
                continue
            gap = int(self.levels[i]) - self.learner_level(learner, self.items[i].topic)
            if gap >= 2:
                mask[i] = False
            elif gap == 1:
                factor[i] = self.params.demote
        return mask, factor

    def weights_for(self, learner: Learner) -> dict[str, float]:
        p = self.params
        weights = p.weights if len(learner.history) >= p.cold_below else p.cold_weights
        return {name: w for name, w in weights.items() if w > 0 and self.components[name].available}

    # -- ranking --------------------------------------------------------------------------

    def blended(self, learner: Learner) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        mask, factor = self.candidates(learner)
        parts = {
            name: w * _normalise(self.components[name].score(learner), mask)
            for name, w in self.weights_for(learner).items()
        }
        total = np.zeros(len(mask), dtype=np.float64)
        for part in parts.values():
            total += part
        return total * factor, mask, parts

    def recommend(self, learner: Learner, n: int = 20, *, explain: bool = True) -> list[Scored]:
        total, mask, parts = self.blended(learner)
        order = [i for i in np.argsort(-total, kind="stable").tolist() if mask[i]][:n]
        return [
            Scored(item=i, score=round(float(total[i]), 6), reason=self.reason(learner, i, parts) if explain else {})
            for i in order
        ]

    def reason(self, learner: Learner, item: int, parts: dict[str, np.ndarray]) -> Reason:
        # the component that rates the item highest on its own scale speaks first
        weights = self.weights_for(learner)
        # (global popularity is the least informative reason: it speaks last)
        names = sorted(
            (n for n in parts if n != "popularity"), key=lambda name: (-parts[name][item] / weights[name], name)
        )
        names += [name for name in ("topic", "content", "collaborative", "popularity") if name not in names]
        for name in names:
            component = self.components[name]
            if not component.available:
                continue
            found = component.explain(learner, item)
            if found is not None:
                return found
        return {"kind": "picked"}


def rank_single(component: Component, learner: Learner, mask: np.ndarray, n: int) -> list[int]:
    """One component alone (evaluation): its top ``n`` allowed items."""
    scores = np.asarray(component.score(learner), dtype=np.float64)
    order = np.argsort(-scores, kind="stable").tolist()
    return [i for i in order if mask[i]][:n]

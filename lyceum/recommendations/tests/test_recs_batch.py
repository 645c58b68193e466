"""Batched ranking gives what ranking one learner at a time gives, and the vectorised rules match
the rules written as a plain loop (the definition in ``engine/hybrid.py``'s docstring)."""

from __future__ import annotations

import numpy as np
import pytest

from lyceum.recommendations.engine.data import Interactions, Item, Learner, interactions_from_arrays
from lyceum.recommendations.engine.hybrid import Hybrid, Params, top_items

FAST = Params(factors=4, iterations=3)


def world(seed: int = 3) -> tuple[Interactions, list[Item], list[Learner]]:
    rng = np.random.default_rng(seed)
    n_items, n_users = 40, 60
    topics = rng.integers(1, 5, n_items)
    levels = rng.choice(3, n_items, p=[0.5, 0.3, 0.2])
    items = []
    for i in range(n_items):
        lower = [j for j in range(n_items) if topics[j] == topics[i] and levels[j] < levels[i]]
        pre = tuple(f"c{j}" for j in rng.choice(lower, min(len(lower), 2), replace=False)) if lower else ()
        items.append(
            Item(key=f"c{i}", text=f"topic{topics[i]} word{i % 7}", topic=int(topics[i]), level=int(levels[i]),
                 prerequisites=pre, published=bool(rng.random() > 0.1))
        )  # fmt: skip
    users, its, times, weights = [], [], [], []
    for u in range(n_users):
        for i in rng.choice(n_items, int(rng.integers(0, 8)), replace=False).tolist():
            users.append(f"u{u}")
            its.append(f"c{i}")
            times.append(float(rng.integers(0, 1000)))
            weights.append(float(rng.choice([1.0, 2.0, 3.0])))
    data = interactions_from_arrays(users, its, np.array(times), np.array(weights), item_keys=[it.key for it in items])
    history = data.history()
    learners = []
    for u, key in enumerate(data.user_keys):
        hist = history[u]
        done = frozenset(i for i in hist if rng.random() < 0.4)
        survey = {
            int(t): int(rng.integers(0, 3)) for t in rng.choice([1, 2, 3, 4], int(rng.integers(0, 3)), replace=False)
        }
        learners.append(
            Learner(key=key, index=u, history=hist, completed=done, topics=dict.fromkeys(survey, 1.0),
                    levels=survey, goals=("skill_up",) if survey else ())
        )  # fmt: skip
    # newcomers: survey only, not in the matrix
    learners += [Learner(key="new1", levels={2: 0}, topics={2: 1.0}, goals=("career_change",)), Learner(key="new2")]
    return data, items, learners


def loop_candidates(hybrid: Hybrid, learner: Learner) -> tuple[list[bool], list[float]]:
    """The prerequisite rule, one item at a time."""

    def level_in(topic: int | None) -> int:
        level = learner.levels.get(topic, 0) if topic is not None else 0
        for i in learner.completed:
            if hybrid.items[i].topic == topic:
                level = max(level, min(hybrid.items[i].level + 1, 2))
        return level

    mask, factor = [], []
    for i, item in enumerate(hybrid.items):
        allowed, f = item.published and i not in learner.history, 1.0
        missing = [p for p in hybrid.prerequisites[i] if p not in learner.completed]
        if allowed and missing:
            gap = item.level - level_in(item.topic)
            if gap >= 2:
                allowed = False
            elif gap == 1:
                f = hybrid.params.demote
        mask.append(allowed)
        factor.append(f)
    return mask, factor


def test_vectorised_prerequisite_rule_matches_the_loop():
    data, items, learners = world()
    hybrid = Hybrid(FAST).fit(data, items, learners)
    assert hybrid.gated  # the world has gated courses

    from lyceum.recommendations.engine.data import batch_of

    mask, factor = hybrid.candidates_batch(batch_of(learners, len(items)))
    for row, learner in enumerate(learners):
        expected_mask, expected_factor = loop_candidates(hybrid, learner)
        assert mask[row].tolist() == expected_mask, learner.key
        assert factor[row].tolist() == expected_factor, learner.key
    assert not mask.all() and (factor < 1).any()  # both rules fired somewhere


def test_a_batch_ranks_each_learner_as_ranking_them_alone_does():
    data, items, learners = world(seed=11)
    hybrid = Hybrid(FAST).fit(data, items, learners)

    together = hybrid.recommend_batch(learners, 10)

    for learner, recs in zip(learners, together, strict=True):
        alone = hybrid.recommend(learner, 10)
        assert [(s.item, s.reason) for s in recs] == [(s.item, s.reason) for s in alone]
        # float32 matrix products may round differently for a batch of one
        assert [s.score for s in recs] == pytest.approx([s.score for s in alone], abs=1e-5)
        assert not {s.item for s in recs} & set(learner.history)
    assert together[-2] and all(s.reason["kind"] in ("goal", "popular_topic", "topic") for s in together[-2][:3])


@pytest.mark.parametrize("n", [1, 3, 10, 50])
def test_top_items_is_a_stable_sort_of_the_allowed_items(n):
    rng = np.random.default_rng(n)
    scores = rng.integers(0, 5, (30, 20)).astype(np.float64)  # many ties
    mask = rng.random((30, 20)) > 0.3
    mask[0] = False  # nothing allowed

    got = top_items(scores, mask, n)

    for row in range(30):
        order = [i for i in np.argsort(-scores[row], kind="stable").tolist() if mask[row, i]][:n]
        assert got[row] == order


def test_interactions_keep_first_appearance_order_and_registered_items():
    data = interactions_from_arrays(
        ["b", "a", "b", "c"], ["x", "y", "x", "z"], np.array([5.0, 1.0, 2.0, 9.0]), np.array([1.0, 1.0, 2.0, 0.5]),
        item_keys=["z", "unused"],
    )  # fmt: skip
    assert data.user_keys == ["b", "a", "c"]
    assert data.item_keys == ["z", "unused", "x", "y"]
    pairs = [(data.user_keys[u], data.item_keys[i], w, t) for u, i, w, t in zip(
        data.users.tolist(), data.items.tolist(), data.weights.tolist(), data.times.tolist(), strict=True
    )]  # fmt: skip
    assert pairs == [("b", "x", 3.0, 2.0), ("a", "y", 1.0, 1.0), ("c", "z", 0.5, 9.0)]
    assert data.history() == [{2: 3.0}, {3: 1.0}, {0: 0.5}]

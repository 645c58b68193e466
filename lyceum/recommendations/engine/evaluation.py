"""Offline evaluation: leave-last-out split, HR@k, NDCG@k, catalogue coverage, cold-start HR@k.

Each user's latest interaction (by the time of its first signal; ties by item index) is held out;
everything else trains. A user whose only interaction is held out is a cold-start case: they are
ranked from the needs survey alone. Every method ranks the items the user has not taken in
training (the hybrid applies its prerequisite rules too), and is judged on whether the held-out
item is in its top ``k``:

- **HR@k**: share of test users whose held-out item is in the top k;
- **NDCG@k**: mean of ``1 / log2(rank + 1)`` (rank from 1) for a hit, 0 for a miss — with one
  relevant item the ideal DCG is 1;
- **coverage**: distinct items in anyone's top k / items in the catalogue;
- **cold-start HR@k**: HR@k over users with at most ``cold_k`` training interactions.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .data import Interactions, Item, Learner, batch_of
from .hybrid import Hybrid, Params, rank_batch

BATCH = 1000


def hit_rate(ranked: Sequence[Sequence[int]], targets: Sequence[int], k: int) -> float:
    if not targets:
        return 0.0
    return sum(1 for r, t in zip(ranked, targets, strict=True) if t in list(r)[:k]) / len(targets)


def ndcg(ranked: Sequence[Sequence[int]], targets: Sequence[int], k: int) -> float:
    if not targets:
        return 0.0
    total = 0.0
    for r, t in zip(ranked, targets, strict=True):
        top = list(r)[:k]
        if t in top:
            total += 1.0 / math.log2(top.index(t) + 2)
    return total / len(targets)


def coverage(ranked: Sequence[Sequence[int]], n_items: int, k: int) -> float:
    if n_items <= 0:
        return 0.0
    return len({i for r in ranked for i in list(r)[:k]}) / n_items


def leave_last_out(data: Interactions) -> tuple[Interactions, dict[int, int]]:
    """(training interactions, {user index: held-out item index})."""
    order = np.lexsort((data.items, data.times, data.users))  # by user, then time, then item
    last: dict[int, int] = {}
    for row in order.tolist():
        last[int(data.users[row])] = row  # the last row seen per user is their latest
    mask = np.ones(len(data), dtype=bool)
    mask[list(last.values())] = False
    return data.subset(mask), {u: int(data.items[row]) for u, row in last.items()}


@dataclass
class Row:
    method: str
    hr: float | None
    ndcg: float | None
    coverage: float | None
    cold_hr: float | None
    users: int
    cold_users: int

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method, "hr": self.hr, "ndcg": self.ndcg, "coverage": self.coverage,
            "cold_hr": self.cold_hr, "users": self.users, "cold_users": self.cold_users,
        }  # fmt: skip


@dataclass
class Report:
    rows: list[Row]
    k: int
    cold_k: int
    interactions: int
    users: int
    items: int
    seconds: float

    def row(self, method: str) -> Row:
        return next(r for r in self.rows if r.method == method)


def evaluate(
    data: Interactions,
    *,
    items: list[Item] | None = None,
    survey: Mapping[Any, tuple[dict[int, int], tuple[str, ...]]] | None = None,
    completed: Mapping[tuple[Any, Any], float] | None = None,
    params: Params | None = None,
    k: int = 10,
    cold_k: int = 1,
    log: Callable[[str], None] | None = None,
) -> Report:
    started = time.monotonic()
    items = items or []
    survey = survey or {}
    completed = completed or {}
    train, held = leave_last_out(data)
    history = train.history()
    learners = []
    for u, key in enumerate(train.user_keys):
        levels, goals = survey.get(key, ({}, ()))
        done = frozenset(i for i in history[u] if (key, train.item_keys[i]) in completed)
        learners.append(
            Learner(key=key, index=u, history=history[u], completed=done,
                    topics=dict.fromkeys(levels, 1.0), levels=dict(levels), goals=goals)
        )  # fmt: skip
    hybrid = Hybrid(params).fit(train, items, learners)
    if log:
        log(f"fitted on {len(train)} interactions in {time.monotonic() - started:.1f} s")
    test_users = sorted(held)
    targets = [held[u] for u in test_users]
    cold = [len(learners[u].history) <= cold_k for u in test_users]
    rankings: dict[str, list[list[int]]] = {"hybrid": []}
    for name, component in hybrid.components.items():
        if component.available:
            rankings[name] = []
    for start in range(0, len(test_users), BATCH):
        chunk = [learners[u] for u in test_users[start : start + BATCH]]
        rankings["hybrid"] += [[s.item for s in recs] for recs in hybrid.recommend_batch(chunk, k, explain=False)]
        batch = batch_of(chunk, train.n_items)
        simple = np.repeat(hybrid.published[None, :], len(chunk), axis=0)
        simple[batch.taken()] = False
        for name, component in hybrid.components.items():
            if name in rankings and name != "hybrid":
                rankings[name] += rank_batch(component, batch, simple, k)
    rows = []
    n_items = int(hybrid.published.sum())
    cold_targets = [t for t, c in zip(targets, cold, strict=True) if c]
    for name in ("hybrid", "collaborative", "content", "topic", "popularity"):
        if name not in rankings:
            rows.append(Row(name, None, None, None, None, len(test_users), len(cold_targets)))
            continue
        ranked = rankings[name]
        cold_ranked = [r for r, c in zip(ranked, cold, strict=True) if c]
        rows.append(
            Row(
                method=name,
                hr=hit_rate(ranked, targets, k),
                ndcg=ndcg(ranked, targets, k),
                coverage=coverage(ranked, n_items, k),
                cold_hr=hit_rate(cold_ranked, cold_targets, k) if cold_targets else None,
                users=len(test_users),
                cold_users=len(cold_targets),
            )
        )
    return Report(rows, k, cold_k, len(data), data.n_users, data.n_items, time.monotonic() - started)


def format_table(report: Report) -> str:
    """The report as a Markdown table."""

    def cell(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    lines = [
        f"| method | HR@{report.k} | NDCG@{report.k} | coverage | cold-start HR@{report.k} |",
        "|---|---|---|---|---|",
    ]
    names = {"topic": "topic popularity", "popularity": "popularity (baseline)"}
    for r in report.rows:
        values = " | ".join(cell(v) for v in (r.hr, r.ndcg, r.coverage, r.cold_hr))
        lines.append(f"| {names.get(r.method, r.method)} | {values} |")
    lines.append(
        f"\n{report.users} users, {report.items} items, {report.interactions} interactions; "
        f"{report.rows[0].users} test users, {report.rows[0].cold_users} cold-start "
        f"(≤ {report.cold_k} training interactions); {report.seconds:.1f} s"
    )
    return "\n".join(lines)


def evaluate_database(
    *, params: Params | None = None, k: int = 10, cold_k: int = 1, log: Callable[[str], None] | None = None
) -> Report:
    """The evaluation on our own tables: interactions, the catalogue and the needs survey (the
    survey only, not the behaviour-built profile, which would leak the held-out course)."""
    from .data import load_catalog, load_interactions, load_survey

    data, completed = load_interactions()
    return evaluate(
        data, items=load_catalog(data.item_keys), survey=load_survey(data.user_keys), completed=completed,
        params=params, k=k, cold_k=cold_k, log=log,
    )  # fmt: skip

"""The learning-path planner (学习路径规划): pure functions over plain data, no ORM.

Input: a ``Goal`` (a course, a topic at a level, or a curated list of courses), the catalogue
(``{course_id: CourseNode}``: prerequisites, level, topic, minutes, rating, enrollments), and
the ``Learner`` (completed courses, progress of courses under way, level per topic, language,
weekly minutes). Output: a ``Plan`` — the ordered steps (prerequisite closure of the goal in
topological order, completed courses skipped) and a week-by-week schedule packing each step's
minutes into the weekly budget (a course may span weeks; the next starts in the same week when
time is left). ``Plan.to_json()`` is what ``LearningPath.plan`` stores.

Prerequisite cycles never crash the planner: ``find_cycles`` reports each strongly connected
component (Tarjan, iterative), and ``break_cycles`` drops, inside each one, every edge that
points from an earlier to a later course in a fixed order (level, then id), which leaves the
graph acyclic and is the same on every run.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

LEVELS = ("beginner", "intermediate", "advanced")
LEVEL_RANK = {name: i for i, name in enumerate(LEVELS)}

DEFAULT_LESSON_MINUTES = 15  # a lesson without a measured duration (text, quiz, file)
DEFAULT_COURSE_MINUTES = 60  # a course with no lessons and no estimate
MIN_WEEKLY_MINUTES = 30
MAX_WEEKLY_MINUTES = 80 * 60
DEFAULT_WEEKLY_MINUTES = 180  # three hours, when the learner did not say
RATING_PRIOR_MEAN = 4.0  # Bayesian average: an unrated course counts as a 4.0 with weight...
RATING_PRIOR_WEIGHT = 5  # ...of five reviews

_GOAL_RE = re.compile(
    r"^(?:course:(?P<course>[1-9][0-9]{0,9})"
    r"|topic:(?P<topic>[a-z0-9][a-z0-9_-]{0,49}):(?P<level>beginner|intermediate|advanced)"
    r"|curated:(?P<curated>[a-z0-9][a-z0-9_-]{0,79}))$"
)


class PlanError(Exception):
    """The goal cannot be planned: ``code`` is ``bad_goal``, ``unknown_goal`` or ``unreachable``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Goal:
    kind: str  # course | topic | curated
    course_id: int | None = None
    topic: str = ""
    level: str = ""
    slug: str = ""

    def __str__(self) -> str:
        if self.kind == "course":
            return f"course:{self.course_id}"
        if self.kind == "topic":
            return f"topic:{self.topic}:{self.level}"
        return f"curated:{self.slug}"


def goal_parse(text: str) -> Goal:
    """``"course:<id>"``, ``"topic:<slug>:<level>"`` or ``"curated:<slug>"``; else ``PlanError``."""
    m = _GOAL_RE.match((text or "").strip())
    if not m:
        raise PlanError("bad_goal", "A goal is course:<id>, topic:<slug>:<level> or curated:<slug>.")
    if m["course"]:
        return Goal(kind="course", course_id=int(m["course"]))
    if m["topic"]:
        return Goal(kind="topic", topic=m["topic"], level=m["level"])
    return Goal(kind="curated", slug=m["curated"])


@dataclass(frozen=True)
class CourseNode:
    id: int
    title: str = ""
    slug: str = ""
    level: str = "beginner"
    topic: str = ""  # topic slug ("" when the category maps to none)
    minutes: int = DEFAULT_COURSE_MINUTES
    rating: float = 0.0
    rating_count: int = 0
    enrollments: int = 0
    language: str = ""
    prerequisites: tuple[int, ...] = ()


@dataclass(frozen=True)
class Learner:
    completed: frozenset[int] = frozenset()
    progress: Mapping[int, int] = field(default_factory=dict)  # course id -> percent, courses under way
    levels: Mapping[str, str] = field(default_factory=dict)  # topic slug -> level from the survey
    language: str = ""
    weekly_minutes: int = DEFAULT_WEEKLY_MINUTES


def course_minutes(*, lesson_seconds: Iterable[int], estimated_hours: float = 0.0) -> int:
    """A course's expected study time: measured lessons by their length, unmeasured ones
    ``DEFAULT_LESSON_MINUTES`` each, and never less than the author's estimate."""
    from_lessons = 0.0
    for seconds in lesson_seconds:
        from_lessons += seconds / 60 if seconds > 0 else DEFAULT_LESSON_MINUTES
    estimate = float(estimated_hours or 0) * 60
    best = max(from_lessons, estimate)
    if best <= 0:
        return DEFAULT_COURSE_MINUTES
    return max(1, math.ceil(best))


# --- cycles --------------------------------------------------------------------------------------


def _order_key(catalogue: Mapping[int, CourseNode], cid: int) -> tuple[int, int]:
    node = catalogue.get(cid)
    return (LEVEL_RANK.get(node.level, 0) if node else 0, cid)


def find_cycles(catalogue: Mapping[int, CourseNode]) -> list[list[int]]:
    """Every prerequisite cycle: strongly connected components of more than one course, and
    courses that require themselves. Each listed in the fixed order (level, id); sorted."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    counter = 0
    out: list[list[int]] = []

    def edges(cid: int) -> list[int]:
        return sorted(p for p in catalogue[cid].prerequisites if p in catalogue)

    for root in sorted(catalogue):
        if root in index:
            continue
        work: list[tuple[int, int]] = [(root, 0)]
        while work:
            cid, i = work.pop()
            if i == 0:
                index[cid] = low[cid] = counter
                counter += 1
                stack.append(cid)
                on_stack.add(cid)
            succ = edges(cid)
            if i < len(succ):
                work.append((cid, i + 1))
                nxt = succ[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[cid] = min(low[cid], index[nxt])
                continue
            if low[cid] == index[cid]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == cid:
                        break
                if len(component) > 1 or cid in catalogue[cid].prerequisites:
                    out.append(sorted(component, key=lambda c: _order_key(catalogue, c)))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[cid])
    return sorted(out)


def break_cycles(
    catalogue: Mapping[int, CourseNode], cycles: list[list[int]] | None = None
) -> tuple[dict[int, CourseNode], list[tuple[int, int]]]:
    """A copy of ``catalogue`` without cycles, and the ``(course, prerequisite)`` edges dropped.

    Inside each cycle a course keeps only the prerequisites that come before it in the fixed
    order (level, id): the beginner course stays first, whatever the data says."""
    cycles = find_cycles(catalogue) if cycles is None else cycles
    if not cycles:
        return dict(catalogue), []
    rank: dict[int, tuple[int, int]] = {}
    component: dict[int, int] = {}
    for n, members in enumerate(cycles):
        for cid in members:
            component[cid] = n
            rank[cid] = _order_key(catalogue, cid)
    out = dict(catalogue)
    dropped: list[tuple[int, int]] = []
    for cid in sorted(component):
        node = catalogue[cid]
        keep = []
        for p in node.prerequisites:
            if component.get(p) == component[cid] and rank[p] >= rank[cid]:
                dropped.append((cid, p))
            else:
                keep.append(p)
        out[cid] = CourseNode(**{**asdict(node), "prerequisites": tuple(keep)})
    return out, sorted(dropped)


# --- choosing and ordering -----------------------------------------------------------------------


def _closure(catalogue: Mapping[int, CourseNode], roots: Iterable[int]) -> tuple[set[int], set[int]]:
    """Courses needed for ``roots`` (themselves and every prerequisite, transitively) that are in
    the catalogue, and the prerequisite ids that are not (unpublished or gone)."""
    seen: set[int] = set()
    missing: set[int] = set()
    todo = list(roots)
    while todo:
        cid = todo.pop()
        if cid in seen or cid in missing:
            continue
        if cid not in catalogue:
            missing.add(cid)
            continue
        seen.add(cid)
        todo.extend(catalogue[cid].prerequisites)
    return seen, missing


def fit_score(node: CourseNode, learner: Learner, catalogue: Mapping[int, CourseNode]) -> float:
    """How well a course suits the learner among alternatives: a Bayesian-averaged rating
    (0–5), plus 1 if already under way, 0.5 in the learner's language, up to 0.3 for
    popularity, minus 0.1 per hour of prerequisites still to take."""
    rating = (node.rating * node.rating_count + RATING_PRIOR_MEAN * RATING_PRIOR_WEIGHT) / (
        node.rating_count + RATING_PRIOR_WEIGHT
    )
    score = rating
    if node.id in learner.progress:
        score += 1.0
    if learner.language and node.language and learner.language[:2] == node.language[:2]:
        score += 0.5
    score += 0.3 * min(1.0, math.log1p(node.enrollments) / math.log1p(1000))
    needed, _ = _closure(catalogue, node.prerequisites)
    extra = sum(catalogue[c].minutes for c in needed if c not in learner.completed)
    score -= 0.1 * extra / 60
    return round(score, 4)


def _choose(candidates: list[CourseNode], learner: Learner, catalogue: Mapping[int, CourseNode]) -> CourseNode:
    return max(candidates, key=lambda n: (fit_score(n, learner, catalogue), -n.id))


def _topo_order(catalogue: Mapping[int, CourseNode], nodes: set[int], priority: Mapping[int, int]) -> list[int]:
    """Kahn's algorithm over ``nodes`` (acyclic): among courses whose prerequisites are placed,
    the lowest (priority, level, id) comes first."""
    indegree = dict.fromkeys(nodes, 0)
    dependents: dict[int, list[int]] = {c: [] for c in nodes}
    for c in nodes:
        for p in set(catalogue[c].prerequisites):
            if p in nodes:
                indegree[c] += 1
                dependents[p].append(c)

    def key(c: int) -> tuple[int, int, int]:
        return (priority.get(c, 0), LEVEL_RANK.get(catalogue[c].level, 0), c)

    heap = [(key(c), c) for c, d in indegree.items() if d == 0]
    heapq.heapify(heap)
    order: list[int] = []
    while heap:
        _, c = heapq.heappop(heap)
        order.append(c)
        for d in dependents[c]:
            indegree[d] -= 1
            if indegree[d] == 0:
                heapq.heappush(heap, (key(d), d))
    return order


# --- the plan ------------------------------------------------------------------------------------


@dataclass
class PlanStep:
    course_id: int
    title: str
    slug: str
    minutes: int  # what is left to study (less than the course's length when under way)
    reason: str  # goal | prerequisite | level | curated
    first_week: int = 0
    last_week: int = 0


@dataclass
class WeekItem:
    course_id: int
    minutes: int


@dataclass
class Week:
    number: int
    start: date
    minutes: int
    items: list[WeekItem]


@dataclass
class Plan:
    goal: str
    weekly_minutes: int
    start: date
    steps: list[PlanStep]
    weeks: list[Week]
    total_minutes: int
    total_weeks: int
    finish: date | None
    skipped: list[int] = field(default_factory=list)  # completed courses the goal needs
    missing: list[int] = field(default_factory=list)  # prerequisites not in the catalogue
    cycles: list[list[int]] = field(default_factory=list)  # cycles met on the way, broken

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["start"] = self.start.isoformat()
        data["finish"] = self.finish.isoformat() if self.finish else None
        for w in data["weeks"]:
            w["start"] = w["start"].isoformat()
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Plan:
        return cls(
            goal=data["goal"],
            weekly_minutes=int(data["weekly_minutes"]),
            start=date.fromisoformat(data["start"]),
            steps=[PlanStep(**s) for s in data.get("steps", [])],
            weeks=[
                Week(
                    number=w["number"],
                    start=date.fromisoformat(w["start"]),
                    minutes=w["minutes"],
                    items=[WeekItem(**i) for i in w["items"]],
                )
                for w in data.get("weeks", [])
            ],
            total_minutes=int(data["total_minutes"]),
            total_weeks=int(data["total_weeks"]),
            finish=date.fromisoformat(data["finish"]) if data.get("finish") else None,
            skipped=list(data.get("skipped", [])),
            missing=list(data.get("missing", [])),
            cycles=[list(c) for c in data.get("cycles", [])],
        )

    def week_of(self, day: date) -> int:
        """The plan's week number ``day`` falls in (1 on the start day; 0 before)."""
        if day < self.start:
            return 0
        return (day - self.start).days // 7 + 1


def schedule(steps: list[PlanStep], *, weekly_minutes: int, start: date) -> list[Week]:
    """Pack the steps, in order, into weeks of ``weekly_minutes``; fills ``first_week`` and
    ``last_week`` of each step."""
    if weekly_minutes <= 0:
        raise ValueError("weekly_minutes must be positive")
    weeks: list[Week] = []
    number = 1
    left = weekly_minutes
    current: list[WeekItem] = []
    for step in steps:
        remaining = step.minutes
        step.first_week = number
        while remaining > 0:
            if left == 0:
                weeks.append(Week(number, start + timedelta(weeks=number - 1), weekly_minutes, current))
                number, left, current = number + 1, weekly_minutes, []
                if remaining == step.minutes:
                    step.first_week = number
            take = min(left, remaining)
            current.append(WeekItem(step.course_id, take))
            left -= take
            remaining -= take
        step.last_week = number
    if current:
        weeks.append(Week(number, start + timedelta(weeks=number - 1), weekly_minutes - left, current))
    return weeks


def plan_build(
    *,
    goal: Goal,
    catalogue: Mapping[int, CourseNode],
    learner: Learner,
    start: date,
    curated: list[int] | None = None,
) -> Plan:
    """Plan ``goal`` for ``learner`` from ``start``. ``curated`` is the ordered course ids of a
    curated goal (the caller looks the slug up). Raises ``PlanError`` for an unknown or
    unreachable goal."""
    cycles = find_cycles(catalogue)
    graph, _ = break_cycles(catalogue, cycles)
    reasons: dict[int, str] = {}
    priority: dict[int, int] = {}
    if goal.kind == "course":
        if goal.course_id not in graph:
            raise PlanError("unknown_goal", "There is no published course with this id.")
        roots = [goal.course_id]
        reasons[goal.course_id] = "goal"  # type: ignore[index]
    elif goal.kind == "topic":
        roots = _topic_roots(goal, graph, learner, reasons)
    else:
        if not curated:
            raise PlanError("unknown_goal", "There is no published curated path with this name.")
        roots = [c for c in curated if c in graph]
        if not roots:
            raise PlanError("unreachable", "None of this path's courses is published.")
        for pos, cid in enumerate(roots):
            reasons[cid] = "curated"
            priority[cid] = pos
    needed, missing = _closure(graph, roots)
    # A prerequisite inherits the earliest position of the courses that need it.
    if priority:
        for cid in roots:
            sub, _ = _closure(graph, [cid])
            for s in sub:
                priority[s] = min(priority.get(s, priority[cid]), priority[cid])
    order = _topo_order(graph, needed, priority)
    skipped = [c for c in order if c in learner.completed]
    steps = []
    for cid in order:
        if cid in learner.completed:
            continue
        node = graph[cid]
        done = min(99, max(0, learner.progress.get(cid, 0)))
        minutes = max(1, math.ceil(node.minutes * (100 - done) / 100))
        steps.append(PlanStep(cid, node.title, node.slug, minutes, reasons.get(cid, "prerequisite")))
    weekly = max(MIN_WEEKLY_MINUTES, min(MAX_WEEKLY_MINUTES, int(learner.weekly_minutes)))
    weeks = schedule(steps, weekly_minutes=weekly, start=start)
    total_weeks = len(weeks)
    met = [c for c in cycles if set(c) & needed]
    return Plan(
        goal=str(goal),
        weekly_minutes=weekly,
        start=start,
        steps=steps,
        weeks=weeks,
        total_minutes=sum(s.minutes for s in steps),
        total_weeks=total_weeks,
        finish=start + timedelta(days=7 * total_weeks - 1) if total_weeks else None,
        skipped=skipped,
        missing=sorted(missing),
        cycles=met,
    )


def _topic_roots(goal: Goal, graph: Mapping[int, CourseNode], learner: Learner, reasons: dict[int, str]) -> list[int]:
    """One course per level of the topic, from the learner's level up to the goal's: a level
    a completed course already covers needs nothing; otherwise the best fit among that level's
    courses (see ``fit_score``)."""
    in_topic = [n for n in graph.values() if n.topic == goal.topic]
    if not in_topic:
        raise PlanError("unknown_goal", "There is no published course in this topic.")
    target = LEVEL_RANK[goal.level]
    current = LEVEL_RANK.get(learner.levels.get(goal.topic, "beginner"), 0)
    if not any(n.level == goal.level for n in in_topic):
        raise PlanError("unreachable", "No published course of this topic is at this level yet.")
    roots: list[int] = []
    for rank in range(min(current, target), target + 1):
        level = LEVELS[rank]
        candidates = [n for n in in_topic if n.level == level]
        if not candidates or any(n.id in learner.completed for n in candidates):
            continue
        chosen = _choose(candidates, learner, graph)
        roots.append(chosen.id)
        reasons[chosen.id] = "goal" if rank == target else "level"
    if not roots:  # every level already covered: the best course of the goal's level, done or not
        best = _choose([n for n in in_topic if n.level == goal.level], learner, graph)
        roots.append(best.id)
        reasons[best.id] = "goal"
    return roots


def behind(plan: Plan, *, today: date, done: set[int]) -> list[int]:
    """Courses the schedule says should be finished before ``today``'s week and are not."""
    week = plan.week_of(today)
    return [s.course_id for s in plan.steps if s.last_week < week and s.course_id not in done]

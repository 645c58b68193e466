"""The planner on small hand-made graphs (no database)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from lyceum.recommendations.paths import (
    DEFAULT_COURSE_MINUTES,
    CourseNode,
    Goal,
    Learner,
    Plan,
    PlanError,
    behind,
    break_cycles,
    course_minutes,
    find_cycles,
    goal_parse,
    plan_build,
)

START = date(2026, 3, 2)


def node(cid, minutes, *, level="beginner", topic="data", prereqs=(), rating=0.0, count=0, language="", **kw):
    return CourseNode(
        id=cid, title=f"C{cid}", slug=f"c{cid}", level=level, topic=topic, minutes=minutes, rating=rating,
        rating_count=count, language=language, prerequisites=tuple(prereqs), **kw,
    )  # fmt: skip


def catalogue(*nodes):
    return {n.id: n for n in nodes}


# A(1) and B(2) are beginner courses, C(3) needs both, D(4) needs C.
GRAPH = catalogue(
    node(1, 100),
    node(2, 200, topic="prog"),
    node(3, 150, level="intermediate", prereqs=(1, 2)),
    node(4, 300, level="advanced", prereqs=(3,)),
)


def plan(goal, cat=GRAPH, **learner):
    learner.setdefault("weekly_minutes", 250)
    curated = learner.pop("curated", None)
    return plan_build(goal=goal_parse(goal), catalogue=cat, learner=Learner(**learner), start=START, curated=curated)


def test_order_respects_prerequisites_and_packs_weeks_by_hand():
    # Given 250 minutes a week, when planning for D
    p = plan("course:4")
    # then prerequisites come first, ties by id
    assert [s.course_id for s in p.steps] == [1, 2, 3, 4]
    # week 1: A 100 + B 150 | week 2: B 50 + C 150 + D 50 | week 3: D 250
    assert [[(i.course_id, i.minutes) for i in w.items] for w in p.weeks] == [
        [(1, 100), (2, 150)],
        [(2, 50), (3, 150), (4, 50)],
        [(4, 250)],
    ]
    assert [w.minutes for w in p.weeks] == [250, 250, 250]
    assert [(s.first_week, s.last_week) for s in p.steps] == [(1, 1), (1, 2), (2, 2), (2, 3)]
    assert p.total_minutes == 750
    assert p.total_weeks == 3
    assert p.finish == START + timedelta(days=20)
    assert [w.start for w in p.weeks] == [START, START + timedelta(days=7), START + timedelta(days=14)]
    assert [s.reason for s in p.steps] == ["prerequisite", "prerequisite", "prerequisite", "goal"]


def test_a_course_starting_on_a_week_boundary_starts_the_next_week():
    p = plan("course:3", weekly_minutes=300)
    assert [(s.course_id, s.first_week, s.last_week) for s in p.steps] == [(1, 1, 1), (2, 1, 1), (3, 2, 2)]
    assert [w.minutes for w in p.weeks] == [300, 150]
    assert p.total_weeks == 2


def test_completed_courses_are_skipped_and_courses_under_way_count_what_is_left():
    p = plan("course:4", completed=frozenset({2}), progress={3: 60})
    assert [s.course_id for s in p.steps] == [1, 3, 4]
    assert p.skipped == [2]
    assert [s.minutes for s in p.steps] == [100, 60, 300]


def test_a_goal_already_completed_plans_nothing():
    p = plan("course:1", completed=frozenset({1}))
    assert p.steps == [] and p.weeks == [] and p.total_weeks == 0 and p.finish is None


def test_topic_goal_chooses_among_alternatives_by_rating_and_climbs_levels():
    cat = catalogue(
        node(1, 100),
        node(5, 100, rating=3.0, count=40),  # another beginner data course, worse rated
        node(3, 150, level="intermediate", rating=4.8, count=50),
        node(6, 150, level="intermediate", rating=3.1, count=50),
    )
    p = plan("topic:data:intermediate", cat)
    assert [(s.course_id, s.reason) for s in p.steps] == [(1, "level"), (3, "goal")]


def test_topic_goal_prefers_the_learners_language_and_courses_under_way_at_equal_rating():
    cat = catalogue(
        node(3, 150, level="intermediate", rating=4.0, count=10, language="en"),
        node(6, 150, level="intermediate", rating=4.0, count=10, language="zh-hans"),
        node(7, 150, level="intermediate", rating=4.0, count=10, language="en"),
    )
    learner = {"levels": {"data": "intermediate"}}
    assert [s.course_id for s in plan("topic:data:intermediate", cat, language="zh-hans", **learner).steps] == [6]
    chosen = plan("topic:data:intermediate", cat, language="zh-hans", progress={7: 10}, **learner).steps
    assert [s.course_id for s in chosen] == [7]


def test_topic_goal_demotes_alternatives_with_long_missing_prerequisites():
    cat = catalogue(
        node(1, 1200, topic="prog"),
        node(3, 150, level="intermediate", rating=4.4, count=20, prereqs=(1,)),
        node(6, 150, level="intermediate", rating=4.2, count=20),
    )
    learner = {"levels": {"data": "intermediate"}}
    assert [s.course_id for s in plan("topic:data:intermediate", cat, **learner).steps] == [6]
    done = plan("topic:data:intermediate", cat, completed=frozenset({1}), **learner)
    assert [s.course_id for s in done.steps] == [3]


def test_topic_level_covered_by_a_completed_course_needs_no_course():
    cat = catalogue(node(1, 100), node(5, 100), node(3, 150, level="intermediate"))
    p = plan("topic:data:intermediate", cat, completed=frozenset({5}))
    assert [s.course_id for s in p.steps] == [3]


def test_curated_goal_keeps_the_curated_order_and_adds_missing_prerequisites():
    p = plan("curated:x", curated=[4, 1])
    assert [s.course_id for s in p.steps] == [1, 2, 3, 4]
    assert {s.course_id: s.reason for s in p.steps} == {
        1: "curated",
        2: "prerequisite",
        3: "prerequisite",
        4: "curated",
    }
    cat = catalogue(node(1, 10), node(2, 10), node(3, 10))
    assert [s.course_id for s in plan("curated:x", cat, curated=[3, 1, 2]).steps] == [3, 1, 2]


def test_cycles_are_reported_broken_deterministically_and_never_crash():
    # Given 10 ⇄ 11 (both beginner) and 12 requiring itself
    cat = catalogue(
        node(10, 60, prereqs=(11,)),
        node(11, 60, prereqs=(10,)),
        node(12, 60, prereqs=(12, 11)),
        node(13, 60, level="intermediate", prereqs=(12,)),
    )
    assert find_cycles(cat) == [[10, 11], [12]]
    fixed, dropped = break_cycles(cat)
    assert dropped == [(10, 11), (12, 12)]
    assert find_cycles(fixed) == []
    p = plan("course:13", cat)
    assert [s.course_id for s in p.steps] == [10, 11, 12, 13]
    assert p.cycles == [[10, 11], [12]]


def test_a_longer_cycle_keeps_the_lower_level_first():
    cat = catalogue(
        node(20, 60, level="advanced", prereqs=(21,)),
        node(21, 60, level="intermediate", prereqs=(22,)),
        node(22, 60, level="beginner", prereqs=(20,)),
    )
    assert find_cycles(cat) == [[22, 21, 20]]
    p = plan("course:20", cat)
    assert [s.course_id for s in p.steps] == [22, 21, 20]


def test_find_cycles_on_a_deep_chain_does_not_recurse():
    cat = catalogue(*(node(i, 1, prereqs=(i - 1,) if i > 1 else ()) for i in range(1, 5001)))
    assert find_cycles(cat) == []
    assert len(plan("course:5000", cat).steps) == 5000


def test_prerequisites_missing_from_the_catalogue_are_reported():
    cat = catalogue(node(1, 60, prereqs=(77,)))
    p = plan("course:1", cat)
    assert [s.course_id for s in p.steps] == [1]
    assert p.missing == [77]


@pytest.mark.parametrize(
    ("goal", "code"),
    [
        ("course:999", "unknown_goal"),
        ("topic:cooking:beginner", "unknown_goal"),
        ("topic:data:expert", "bad_goal"),
        ("topic:prog:advanced", "unreachable"),
        ("curated:nothing", "unknown_goal"),
    ],
)
def test_unknown_and_unreachable_goals(goal, code):
    with pytest.raises(PlanError) as exc:
        plan(goal)
    assert exc.value.code == code


@pytest.mark.parametrize(
    "text", ["", "course:", "course:0", "course:abc", "topic:data", "curated:", "foo:1", "course:1 "]
)
def test_goal_syntax(text):
    if text == "course:1 ":
        assert goal_parse(text) == Goal(kind="course", course_id=1)
        return
    with pytest.raises(PlanError) as exc:
        goal_parse(text)
    assert exc.value.code == "bad_goal"


def test_plan_round_trips_through_json():
    p = plan("course:4", completed=frozenset({2}))
    data = json.loads(json.dumps(p.to_json()))
    assert Plan.from_json(data) == p


def test_behind_lists_courses_due_before_this_week():
    p = plan("course:4")
    assert behind(p, today=START + timedelta(days=6), done=set()) == []
    assert behind(p, today=START + timedelta(days=7), done=set()) == [1]
    assert behind(p, today=START + timedelta(days=14), done={1}) == [2, 3]


@pytest.mark.parametrize(
    ("seconds", "hours", "minutes"),
    [([600, 0, 0], 0, 40), ([600, 0, 0], 1, 60), ([], 0, DEFAULT_COURSE_MINUTES), ([90], 0, 2), ([], 2.5, 150)],
)
def test_course_minutes(seconds, hours, minutes):
    assert course_minutes(lesson_seconds=seconds, estimated_hours=hours) == minutes

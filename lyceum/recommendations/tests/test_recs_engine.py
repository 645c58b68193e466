"""The hybrid on a small world: cold start, new courses, prerequisites, exclusions, true reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone, translation

from conftest import make_user
from lyceum.accounts.models import Topic
from lyceum.accounts.services import SurveyAnswers, learner_profile_save
from lyceum.core.models import Event
from lyceum.courses.models import Category, Course, CourseStatus
from lyceum.learning.models import Enrollment
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course
from lyceum.recommendations.engine.hybrid import Params
from lyceum.recommendations.engine.train import train
from lyceum.recommendations.models import Recommendation, RecommenderRun, SimilarCourse
from lyceum.recommendations.reasons import reason_lookups, reason_text

FAST = Params(factors=4, iterations=3)


@dataclass
class World:
    prog: Topic
    data: Topic
    c: dict[str, Course]
    learners: list[Any]


def survey(user: Any, interests: dict[str, str], goals: tuple[str, ...] = ("skill_up",)) -> None:
    answers = SurveyAnswers(goals=list(goals), interests=interests, weekly_hours=5, formats=[], study_time="")
    learner_profile_save(actor=user, user=user, answers=answers)


def enroll(user: Any, course: Course, *, completed: bool = False) -> None:
    enrollment_create(user=user, course=course)
    if completed:
        Enrollment.objects.filter(user=user, course=course).update(completed_at=timezone.now(), progress_percent=100)


def build_world() -> World:
    prog = Topic.objects.create(slug="rt-prog", name_en="Programming", name_zh="编程", position=90)
    data = Topic.objects.create(slug="rt-data", name_en="Data analysis", name_zh="数据分析", position=91)
    cat_prog = Category.objects.create(slug="rt-prog", name_en="Programming", name_zh="编程", topic=prog)
    cat_data = Category.objects.create(slug="rt-data", name_en="Data analysis", name_zh="数据分析", topic=data)
    c = {
        "py": make_course(title="Python basics", subtitle="Variables, loops and functions", category=cat_prog),
        "git": make_course(title="Git for beginners", subtitle="Version control with git", category=cat_prog),
        "web": make_course(title="Web pages", subtitle="HTML and CSS for beginners", category=cat_prog),
        "algo": make_course(
            title="Advanced algorithms in Python", subtitle="Graphs and dynamic programming", category=cat_prog,
            level="advanced",
        ),
        "django": make_course(
            title="Django web apps", subtitle="Python web development", category=cat_prog, level="intermediate"
        ),
        "sql": make_course(title="SQL for analysts", subtitle="Querying data with SQL", category=cat_data),
        "excel": make_course(title="Excel charts", subtitle="Data analysis in spreadsheets", category=cat_data),
        "draft": make_course(title="Python secrets", category=cat_prog, status=CourseStatus.DRAFT),
    }  # fmt: skip
    c["algo"].prerequisites.add(c["py"])
    c["django"].prerequisites.add(c["py"])
    learners = []
    for n in range(8):
        user = make_user(f"rt{n}@example.org")
        learners.append(user)
        if n < 5:  # programmers: python, then git; some web
            survey(user, {"rt-prog": "beginner"})
            enroll(user, c["py"], completed=n < 3)
            enroll(user, c["git"])
            if n % 2 == 0:
                enroll(user, c["web"])
        else:  # analysts: sql then excel
            survey(user, {"rt-data": "beginner"})
            enroll(user, c["sql"], completed=True)
            if n != 7:
                enroll(user, c["excel"])
    return World(prog=prog, data=data, c=c, learners=learners)


@pytest.fixture
def world(db) -> World:
    return build_world()


def recs_of(user: Any) -> list[Recommendation]:
    return list(Recommendation.objects.filter(user=user).select_related("course").order_by("rank"))


def test_train_stores_a_run_rows_and_an_event_and_replaces_older_runs(world):
    first = train(params=FAST)
    second = train(params=FAST)
    # then: only the newest run keeps rows; both runs are kept with their stats
    assert set(Recommendation.objects.values_list("run_id", flat=True)) == {second.pk}
    assert set(SimilarCourse.objects.values_list("run_id", flat=True)) == {second.pk}
    assert RecommenderRun.objects.filter(pk__in=[first.pk, second.pk], finished_at__isnull=False).count() == 2
    assert second.stats["learners"] == 8 and second.stats["interactions"] > 0
    event = Event.objects.filter(name="recommender.trained").latest("id")
    assert event.object_id == str(second.pk) and event.props["recommendations"] == second.stats["recommendations"]


def test_enrolled_unpublished_and_far_above_level_courses_are_never_recommended(world):
    train(params=FAST)
    for user in world.learners:
        taken = set(Enrollment.objects.filter(user=user).values_list("course_id", flat=True))
        got = {r.course_id for r in recs_of(user)}
        assert got and not got & taken
        assert world.c["draft"].pk not in got
    # a beginner who has not completed Python basics is never sent to the advanced course
    # that requires it; one who completed it may be
    not_done = world.learners[3]  # enrolled in python basics, not completed
    assert world.c["algo"].pk not in {r.course_id for r in recs_of(not_done)}


def test_one_level_above_with_missing_prerequisites_is_demoted():
    from lyceum.recommendations.engine.data import Item, Learner
    from lyceum.recommendations.engine.hybrid import Hybrid

    hybrid = Hybrid(FAST)
    hybrid.fit_catalog(
        ["basics", "mid", "adv"],
        [
            Item(key="basics", topic=1, level=0),
            Item(key="mid", topic=1, level=1, prerequisites=("basics",)),
            Item(key="adv", topic=1, level=2, prerequisites=("basics",)),
        ],
    )
    beginner = Learner(key=1, levels={1: 0})
    mask, factor = hybrid.candidates(beginner)
    assert mask.tolist() == [True, True, False]  # advanced: excluded
    assert factor.tolist() == [1.0, FAST.demote, 1.0]  # one level above: demoted
    finished = Learner(key=2, history={0: 3.0}, completed=frozenset({0}), levels={1: 0})
    mask, factor = hybrid.candidates(finished)
    assert mask.tolist() == [False, True, True] and factor.tolist() == [1.0, 1.0, 1.0]
    intermediate = Learner(key=3, levels={1: 1})
    mask, factor = hybrid.candidates(intermediate)
    assert mask.tolist() == [True, True, True] and factor.tolist() == [1.0, 1.0, FAST.demote]


def test_cold_start_learner_with_only_survey_answers_gets_their_topic(world):
    newcomer = make_user("newcomer@example.org")
    survey(newcomer, {"rt-data": "beginner"}, goals=("career_change",))
    train(params=FAST)
    got = recs_of(newcomer)
    assert [r.course_id for r in got[:2]] and {r.course_id for r in got[:2]} == {world.c["sql"].pk, world.c["excel"].pk}
    assert got[0].reason["kind"] in ("goal", "popular_topic")
    assert got[0].reason.get("topic") == world.data.pk


def test_a_new_course_nobody_took_is_recommended_in_its_topic(world):
    fresh = make_course(
        title="Python data structures", subtitle="Lists, dicts and sets in Python",
        category=world.c["py"].category,
    )  # fmt: skip
    train(params=FAST)
    programmers = world.learners[:5]
    hits = [u for u in programmers if fresh.pk in {r.course_id for r in recs_of(u)[:3]}]
    assert hits, "a course with no enrollments still reaches learners of its topic"
    reason = next(r.reason for r in recs_of(hits[0]) if r.course_id == fresh.pk)
    # its reason cannot be "learners who took X also took this": nobody took it
    assert reason["kind"] in ("goal", "topic", "similar", "finished")


def test_reasons_are_true(world):
    train(params=FAST)
    completed = set(Enrollment.objects.filter(completed_at__isnull=False).values_list("user_id", "course_id"))
    enrolled = set(Enrollment.objects.values_list("user_id", "course_id"))
    kinds = set()
    for rec in Recommendation.objects.all():
        kind = rec.reason["kind"]
        kinds.add(kind)
        if kind == "finished":
            assert (rec.user_id, rec.reason["course"]) in completed
        if kind in ("also_took", "similar"):
            assert (rec.user_id, rec.reason["course"]) in enrolled
        if kind == "also_took":  # somebody took both
            takers = {u for u, c in enrolled if c == rec.reason["course"]}
            assert any((u, rec.course_id) in enrolled for u in takers)
        if kind == "popular_topic":
            interested = set(
                Topic.objects.get(pk=rec.reason["topic"]).interests.values_list("profile__user_id", flat=True)
            )
            assert any((u, rec.course_id) in enrolled for u in interested)
    assert "finished" in kinds


def test_finished_is_never_said_of_a_course_only_enrolled_in(world):
    train(params=FAST)
    half_way = world.learners[3]  # enrolled in python basics and git, completed neither
    for rec in recs_of(half_way):
        assert rec.reason["kind"] != "finished"


def test_reasons_in_english_and_chinese(world):
    titles = {world.c["py"].pk: "Python basics"}
    with translation.override("en"):
        _titles, topics = reason_lookups([{"kind": "popular_topic", "topic": world.data.pk}])
        assert reason_text({"kind": "finished", "course": world.c["py"].pk}, titles=titles, topics={}) == (
            "Because you finished “Python basics”"
        )
        assert reason_text({"kind": "popular_topic", "topic": world.data.pk}, titles={}, topics=topics) == (
            "Popular with learners interested in Data analysis"
        )
        assert reason_text({"kind": "goal", "goal": "career_change"}, titles={}, topics={}) == (
            "Matches your goal: change career"
        )
        assert reason_text({"kind": "finished", "course": 999999}, titles=titles, topics={}) == "Picked for you"
        assert reason_text("junk", titles={}, topics={}) == "Picked for you"
    with translation.override("zh-hans"):
        _titles, topics = reason_lookups([{"kind": "popular_topic", "topic": world.data.pk}])
        text = reason_text({"kind": "popular_topic", "topic": world.data.pk}, titles={}, topics=topics)
        assert "数据分析" in text  # the topic's Chinese name
        assert "Python basics" in reason_text(
            {"kind": "finished", "course": world.c["py"].pk}, titles=titles, topics={}
        )


def test_commands_print_timings_and_the_table(world, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    from lyceum.recommendations.engine import hybrid
    from lyceum.recommendations.engine import train as train_module

    monkeypatch.setattr(hybrid, "Params", lambda: FAST)  # the commands' defaults, small
    monkeypatch.setattr(train_module, "Params", lambda: FAST)
    out = StringIO()
    call_command("train_recommender", stdout=out)
    assert "fitted the components in" in out.getvalue() and "recommendations for 8 learners" in out.getvalue()
    out = StringIO()
    call_command("eval_recommender", "--k", "3", stdout=out)
    table = out.getvalue()
    for method in ("hybrid", "collaborative", "content", "topic popularity", "popularity (baseline)"):
        assert f"| {method} |" in table
    assert "n/a" not in table.split("\n\n")[0]  # on our data every component runs

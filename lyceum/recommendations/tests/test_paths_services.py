"""Starting, re-planning, stopping and completing paths; curated paths; the replan job."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from conftest import make_user
from lyceum.accounts.models import LearnerProfile, Role
from lyceum.core.errors import NotFound, PermissionDenied, ValidationFailed
from lyceum.core.models import Event
from lyceum.courses.models import CourseStatus
from lyceum.learning.models import Enrollment
from lyceum.learning.services import enrollment_create, lesson_complete
from lyceum.learning.tests.factories import make_course
from lyceum.recommendations import services_paths as svc
from lyceum.recommendations.models import CuratedPath, LearningPath, PathStatus

pytestmark = pytest.mark.django_db


def complete(user, course):
    enrollment_create(user=user, course=course)
    Enrollment.objects.filter(user=user, course=course).update(completed_at=timezone.now(), progress_percent=100)


def test_start_uses_the_survey_budget_and_emits(learner, chain):
    basics, analysis = chain
    LearnerProfile.objects.create(user=learner, weekly_hours=2)
    path = svc.path_start(user=learner, goal=f"course:{analysis.pk}")
    assert path.weekly_minutes == 120
    assert [s["course_id"] for s in path.plan["steps"]] == [basics.pk, analysis.pk]
    assert path.plan["total_weeks"] == 3  # 120 + 180 minutes at 120 a week
    assert Event.objects.filter(name="learning_path.started", actor=learner).count() == 1


def test_without_survey_the_default_budget_applies(learner, chain):
    path = svc.path_start(user=learner, goal=f"course:{chain[1].pk}")
    assert path.weekly_minutes == 180


def test_one_active_path_per_user(learner, chain):
    first = svc.path_start(user=learner, goal=f"course:{chain[1].pk}", weekly_minutes=60)
    second = svc.path_start(user=learner, goal=f"course:{chain[0].pk}", weekly_minutes=60)
    first.refresh_from_db()
    assert first.status == PathStatus.ABANDONED and first.finished_at is not None
    assert LearningPath.objects.filter(user=learner, status=PathStatus.ACTIVE).get() == second
    assert Event.objects.filter(name="learning_path.stopped", actor=learner).count() == 1


@pytest.mark.parametrize("goal", ["course:9999", "topic:nope:beginner", "nonsense", "curated:nope"])
def test_start_refuses_unknown_goals_and_changes_nothing(learner, chain, goal):
    with pytest.raises(ValidationFailed) as exc:
        svc.path_start(user=learner, goal=goal)
    assert exc.value.field == "goal"
    assert not LearningPath.objects.exists()


def test_start_refuses_a_goal_already_reached(learner, chain):
    complete(learner, chain[0])
    with pytest.raises(ValidationFailed):
        svc.path_start(user=learner, goal=f"course:{chain[0].pk}")


def test_unpublished_courses_are_not_goals(learner):
    draft = make_course(status=CourseStatus.DRAFT)
    with pytest.raises(ValidationFailed):
        svc.plan_for(user=learner, goal=f"course:{draft.pk}")


def test_budget_change_replans(learner, chain):
    path = svc.path_start(user=learner, goal=f"course:{chain[1].pk}", weekly_minutes=60)
    assert path.plan["total_weeks"] == 5
    svc.path_replan(path=path, weekly_minutes=300)
    path.refresh_from_db()
    assert path.weekly_minutes == 300 and path.plan["total_weeks"] == 1
    assert path.plan["replans"] == 1 and path.replanned_at is not None
    assert Event.objects.filter(name="learning_path.replanned", props__reason="budget").count() == 1


@pytest.mark.parametrize("bad", [0, 10, 100000, "abc"])
def test_bad_budget_is_refused(learner, chain, bad):
    path = svc.path_start(user=learner, goal=f"course:{chain[1].pk}", weekly_minutes=60)
    with pytest.raises(ValidationFailed) as exc:
        svc.path_replan(path=path, weekly_minutes=bad)
    assert exc.value.field == "weekly_minutes"
    path.refresh_from_db()
    assert path.weekly_minutes == 60


def test_job_replans_paths_that_fell_behind(learner, outsider, chain):
    now = timezone.now()
    # Given a path started 10 days ago whose week-1 course (basics, 120 min at 120/week) is not done
    late = svc.path_start(user=learner, goal=f"course:{chain[1].pk}", weekly_minutes=120, now=now - timedelta(days=10))
    # and a path started today
    fresh = svc.path_start(user=outsider, goal=f"course:{chain[1].pk}", weekly_minutes=120, now=now)
    progress = svc.path_progress(path=late, today=timezone.localdate(now))
    assert [s.course_id for s in progress.behind] == [chain[0].pk]
    # When the job runs
    call_command("replan_paths")
    # Then only the late path starts again from today
    late.refresh_from_db()
    fresh.refresh_from_db()
    assert late.plan["start"] == timezone.localdate().isoformat() and late.plan["first_finish"]
    assert fresh.replanned_at is None
    assert svc.path_progress(path=late).behind == []
    # and running it again changes nothing
    assert svc.paths_replan_behind()["replanned"] == 0


def test_replan_counts_progress_made(learner, chain):
    path = svc.path_start(user=learner, goal=f"course:{chain[1].pk}", weekly_minutes=120)
    complete(learner, chain[0])
    svc.path_replan(path=path)
    path.refresh_from_db()
    assert [s["course_id"] for s in path.plan["steps"]] == [chain[1].pk]
    assert path.plan["skipped"] == [chain[0].pk]


def test_progress_and_completion(learner, chain):
    basics, analysis = chain
    path = svc.path_start(user=learner, goal=f"course:{analysis.pk}", weekly_minutes=120)
    enrollment_create(user=learner, course=basics)
    progress = svc.path_progress(path=path)
    assert [s.status for s in progress.steps] == ["in_progress", "todo"]
    assert progress.next_step.course_id == basics.pk and progress.done == 0
    assert [(s.course_id, m) for s, m in progress.this_week] == [(basics.pk, 120)]
    complete(learner, basics)
    complete(learner, analysis)
    assert svc.path_progress(path=path).complete
    svc.paths_replan_behind()
    path.refresh_from_db()
    assert path.status == PathStatus.COMPLETED
    assert Event.objects.filter(name="learning_path.completed", actor=learner).count() == 1


def test_completing_the_last_course_completes_the_path(learner, django_capture_on_commit_callbacks):
    # Given a one-course path (the course has one lesson)
    course = make_course(lessons=1)
    path = svc.path_start(user=learner, goal=f"course:{course.pk}", weekly_minutes=60)
    enrollment_create(user=learner, course=course)
    # When the learner completes its lesson (course.completed runs after commit)
    with django_capture_on_commit_callbacks(execute=True):
        lesson_complete(user=learner, lesson_id=course.lessons.get().pk)
    # Then the path is completed
    path.refresh_from_db()
    assert path.status == PathStatus.COMPLETED


def test_stop(learner, outsider, chain):
    path = svc.path_start(user=learner, goal=f"course:{chain[1].pk}")
    with pytest.raises(NotFound):
        svc.path_stop(user=outsider, path=path)
    path.refresh_from_db()
    assert path.status == PathStatus.ACTIVE
    svc.path_stop(user=learner, path=path)
    path.refresh_from_db()
    assert path.status == PathStatus.ABANDONED


def test_curated_path_save_permissions_and_event(learner, instructor, operator, chain):
    ids = [chain[1].pk, chain[0].pk]
    with pytest.raises(PermissionDenied):
        svc.curated_path_save(actor=learner, title="Nope", course_ids=ids)
    assert not CuratedPath.objects.exists()
    path = svc.curated_path_save(actor=instructor, title="Become an analyst", course_ids=ids)
    assert path.slug == "become-an-analyst"
    assert list(path.steps.values_list("course_id", flat=True)) == ids
    other = make_user("other@example.org", Role.INSTRUCTOR)
    with pytest.raises(PermissionDenied):
        svc.curated_path_save(actor=other, path=path, title="Mine", course_ids=ids)
    svc.curated_path_save(actor=operator, path=path, title="Analyst", course_ids=[chain[0].pk])
    path.refresh_from_db()
    assert path.title == "Analyst" and path.steps.count() == 1
    assert Event.objects.filter(name="curated_path.saved").count() == 2
    chinese = svc.curated_path_save(actor=operator, title="成为数据分析师", course_ids=ids)
    assert chinese.slug.startswith("path-")


def test_curated_path_refuses_unpublished_and_empty(operator, chain):
    draft = make_course(status=CourseStatus.DRAFT)
    for ids, field in [([draft.pk], "courses"), ([], "courses")]:
        with pytest.raises(ValidationFailed) as exc:
            svc.curated_path_save(actor=operator, title="X", course_ids=ids)
        assert exc.value.field == field
    with pytest.raises(ValidationFailed):
        svc.curated_path_save(actor=operator, title="  ", course_ids=[chain[0].pk])


def test_curated_goal_plans_its_courses_in_order(learner, operator, chain):
    path = svc.curated_path_save(actor=operator, title="P", course_ids=[chain[1].pk])
    plan = svc.plan_for(user=learner, goal=f"curated:{path.slug}", weekly_minutes=60)
    assert [s.course_id for s in plan.steps] == [chain[0].pk, chain[1].pk]
    path.is_published = False
    path.save()
    with pytest.raises(ValidationFailed):
        svc.plan_for(user=learner, goal=f"curated:{path.slug}")


def test_cycles_report(chain):
    basics, analysis = chain
    basics.prerequisites.add(analysis)
    cycles = svc.prerequisite_cycles()
    assert [[c.pk for c in r.courses] for r in cycles] == [[basics.pk, analysis.pk]]
    assert [(a.pk, b.pk) for a, b in cycles[0].dropped] == [(basics.pk, analysis.pk)]

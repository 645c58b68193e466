"""Who a survey asks, and when it is open (selectors.surveys)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.feedback.models import SurveyAudience, SurveyStatus
from lyceum.feedback.selectors.surveys import (
    survey_audience_user_ids,
    survey_is_open,
    survey_phase,
    survey_targets_user,
    surveys_open_for,
)
from lyceum.learning.models import Enrollment
from lyceum.learning.tests.factories import make_course

from .test_surveys_helpers import enrolled, make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort():
    """One course and a learner in each situation (hand-built)."""
    course = make_course()
    other = make_course()
    people = {
        "active": enrolled("active@example.org", course, days_idle=2),
        "never_opened_recent": enrolled("fresh@example.org", course),  # enrolled today, no activity
        "idle_45": enrolled("idle45@example.org", course, days_idle=45),
        "idle_29": enrolled("idle29@example.org", course, days_idle=29),
        "completed": enrolled("done@example.org", course, days_idle=60, completed=True),
        "revoked_idle": enrolled("revoked@example.org", course, days_idle=45, revoked=True),
        "other_course": enrolled("other@example.org", other, days_idle=45),
        "no_course": make_user("nocourse@example.org", Role.LEARNER),
        "instructor_only": make_user("teacher@example.org", Role.INSTRUCTOR),
        "not_a_learner": make_user("staff@example.org", Role.OPERATOR),
    }
    people["not_a_learner"].groups.remove(*people["not_a_learner"].groups.filter(name=Role.LEARNER))
    # a learner who never opened a lesson and enrolled 40 days ago: dropped too
    never = enrolled("never@example.org", course)
    Enrollment.objects.filter(user=never).update(created_at=timezone.now() - timedelta(days=40), last_activity_at=None)
    people["never_opened_old"] = never
    # access that expired: no longer a learner of the course
    expired = enrolled("expired@example.org", course, days_idle=3)
    Enrollment.objects.filter(user=expired).update(access_until=timezone.now() - timedelta(days=1))
    people["expired"] = expired
    return course, people


def _names(ids, people):
    return {name for name, user in people.items() if user.pk in ids}


def test_all_learners_means_active_accounts_with_the_learner_role(cohort):
    _course, people = cohort
    survey = make_survey(audience=SurveyAudience.ALL)
    names = _names(survey_audience_user_ids(survey=survey), people)
    assert names == set(people) - {"not_a_learner"}


def test_deactivated_accounts_are_not_asked(cohort):
    _course, people = cohort
    people["active"].is_active = False
    people["active"].save(update_fields=["is_active"])
    survey = make_survey(audience=SurveyAudience.ALL)
    assert people["active"].pk not in survey_audience_user_ids(survey=survey)
    assert survey_targets_user(survey=survey, user=people["active"]) is False


def test_a_courses_learners_are_its_active_enrollments(cohort):
    course, people = cohort
    survey = make_survey(audience=SurveyAudience.COURSE, course=course)
    assert _names(survey_audience_user_ids(survey=survey), people) == {
        "active",
        "never_opened_recent",
        "idle_45",
        "idle_29",
        "completed",
        "never_opened_old",
    }


def test_completed_means_completed_at_is_set(cohort):
    course, people = cohort
    survey = make_survey(audience=SurveyAudience.COMPLETED, course=course)
    assert _names(survey_audience_user_ids(survey=survey), people) == {"completed"}


def test_dropped_means_not_finished_and_idle_for_30_days_revoked_excluded(cohort):
    course, people = cohort
    survey = make_survey(audience=SurveyAudience.DROPPED, course=course)
    assert _names(survey_audience_user_ids(survey=survey), people) == {"idle_45", "never_opened_old"}


@pytest.mark.parametrize("audience", ["all", "course", "completed", "dropped"])
def test_targets_user_agrees_with_the_audience_list(cohort, audience):
    course, people = cohort
    survey = make_survey(audience=audience, course=None if audience == "all" else course)
    ids = survey_audience_user_ids(survey=survey)
    for user in people.values():
        assert survey_targets_user(survey=survey, user=user) is (user.pk in ids), user.email


def test_audience_list_and_targeting_are_one_query_each(cohort, django_assert_num_queries):
    course, people = cohort
    survey = make_survey(audience=SurveyAudience.DROPPED, course=course)
    with django_assert_num_queries(1):
        survey_audience_user_ids(survey=survey)
    with django_assert_num_queries(1):
        survey_targets_user(survey=survey, user=people["idle_45"])


def test_open_surveys_for_a_learner_in_one_query(cohort, django_assert_num_queries):
    course, people = cohort
    everyone = make_survey(audience=SurveyAudience.ALL, title="Platform")
    dropped = make_survey(audience=SurveyAudience.DROPPED, course=course, title="Why did you stop?")
    make_survey(audience=SurveyAudience.COMPLETED, course=course, title="Finished")
    make_survey(audience=SurveyAudience.ALL, status=SurveyStatus.DRAFT, title="Draft")
    make_survey(audience=SurveyAudience.ALL, status=SurveyStatus.CLOSED, title="Closed")
    make_survey(audience=SurveyAudience.ALL, opens_at=timezone.now() + timedelta(days=1), title="Later")
    make_survey(audience=SurveyAudience.ALL, closes_at=timezone.now() - timedelta(seconds=1), title="Ended")
    with django_assert_num_queries(1):
        found = surveys_open_for(user=people["idle_45"])
    assert {s.pk for s in found} == {everyone.pk, dropped.pk}
    assert all(s.answered is False for s in found)
    assert [s.title for s in surveys_open_for(user=people["instructor_only"])] == ["Platform"]
    assert surveys_open_for(user=people["not_a_learner"]) == []


def test_visitors_have_no_open_surveys_and_cost_nothing(django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    make_survey()
    with django_assert_num_queries(0):
        assert surveys_open_for(user=AnonymousUser()) == []


@pytest.mark.parametrize(
    ("opens", "closes", "status", "is_open", "phase"),
    [
        (-60, None, "scheduled", True, "open"),
        (-60, 60, "scheduled", True, "open"),
        (0, 60, "scheduled", True, "open"),  # opens_at == now: open
        (60, 120, "scheduled", False, "upcoming"),
        (-120, 0, "scheduled", False, "ended"),  # closes_at == now: closed
        (-120, -60, "scheduled", False, "ended"),
        (-60, None, "draft", False, "draft"),
        (-60, 60, "closed", False, "closed"),
    ],
)
def test_scheduling_window(opens, closes, status, is_open, phase):
    now = timezone.now()
    survey = make_survey(
        status=status,
        opens_at=now + timedelta(seconds=opens),
        closes_at=None if closes is None else now + timedelta(seconds=closes),
    )
    assert survey_is_open(survey, now) is is_open
    assert survey_phase(survey, now) == phase

"""profile.py: the interest profile built from behaviour with time decay."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from conftest import make_user
from lyceum.accounts.models import LearnerProfile, Topic, TopicInterest
from lyceum.community.models import Space, SpaceKind, Thread
from lyceum.core import events
from lyceum.courses.models import Category
from lyceum.learning.models import Enrollment
from lyceum.learning.tests.factories import make_course
from lyceum.recommendations.interests import effective_interests
from lyceum.recommendations.models import TopicAffinity
from lyceum.recommendations.profile import Taxonomy, profile_rebuild

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)


def topic(slug: str) -> Topic:
    return Topic.objects.get(slug=slug)


def course_in(slug: str, **fields):
    cat = Category.objects.get_or_create(
        slug=f"cat-{slug}", defaults={"name_en": f"Cat {slug}", "name_zh": slug, "topic": topic(slug)}
    )[0]
    return make_course(category=cat, **fields)


def enroll(user, course, days_ago: float, completed_days_ago: float | None = None) -> Enrollment:
    e = Enrollment.objects.create(user=user, course=course, source="free")
    completed = NOW - timedelta(days=completed_days_ago) if completed_days_ago is not None else None
    Enrollment.objects.filter(pk=e.pk).update(created_at=NOW - timedelta(days=days_ago), completed_at=completed)
    return e


def affinity(user, slug: str) -> TopicAffinity:
    return TopicAffinity.objects.get(user=user, topic=topic(slug))


def test_an_old_enrollment_weighs_less_than_a_recent_one(settings, learner, outsider):
    # given: half-life 45 days; one learner enrolled today, the other 45 and 90 days ago
    settings.LYCEUM_INTEREST_HALF_LIFE_DAYS = 45
    enroll(learner, course_in("data"), days_ago=0)
    enroll(outsider, course_in("data"), days_ago=45)
    enroll(outsider, course_in("design"), days_ago=90)

    # when
    written = profile_rebuild(now=NOW)

    # then: 0.6, 0.6 · ½ = 0.3, 0.6 · ¼ = 0.15
    assert written == 3
    assert affinity(learner, "data").score == pytest.approx(0.6)
    assert affinity(outsider, "data").score == pytest.approx(0.3)
    assert affinity(outsider, "data").sources == {"enrolled": pytest.approx(0.3)}
    assert affinity(outsider, "design").score == pytest.approx(0.15)


def test_hand_computed_small_case(settings, learner):
    # given: survey (intermediate, fresh), a course finished 45 days after enrolling 90 days ago,
    # two lesson views 10 minutes apart today and an 80 % quiz 20 minutes later
    settings.LYCEUM_INTEREST_HALF_LIFE_DAYS = 45
    settings.LYCEUM_INTEREST_SURVEY_HALF_LIFE_DAYS = 180
    profile = LearnerProfile.objects.create(user=learner, completed_at=NOW)
    TopicInterest.objects.create(profile=profile, topic=topic("data"), level="intermediate")
    LearnerProfile.objects.filter(pk=profile.pk).update(updated_at=NOW)
    course = course_in("data")
    enroll(learner, course, days_ago=90, completed_days_ago=45)
    lesson = course.lessons.first()
    t0 = NOW - timedelta(minutes=30)
    events.emit("lesson.viewed", actor=learner, obj=lesson, at=t0, course=course.pk)
    events.emit("lesson.viewed", actor=learner, obj=lesson, at=t0 + timedelta(minutes=10), course=course.pk)
    events.emit("quiz.submitted", actor=learner, at=t0 + timedelta(minutes=30), course=course.pk, percent=80)

    # when
    profile_rebuild(user_ids=[learner.pk], now=NOW)

    # then
    row = affinity(learner, "data")
    expected = {
        "survey": 1.2,  # intermediate, answered now
        "enrolled": 0.15,  # 0.6 · ¼
        "completed": 0.2,  # 0.4 · ½
        "views": 0.06,  # 2 · 0.03
        "study": 0.125,  # 30 minutes · 0.25 per hour
        "quiz": 0.26,  # 0.1 + 0.2 · 0.8
    }
    assert row.sources == pytest.approx(expected)
    assert row.score == pytest.approx(sum(expected.values()))


def test_survey_only_cold_start(learner):
    # given: a brand-new learner who only answered the survey
    profile = LearnerProfile.objects.create(user=learner, completed_at=NOW)
    TopicInterest.objects.create(profile=profile, topic=topic("ai"), level="beginner")
    TopicInterest.objects.create(profile=profile, topic=topic("writing"), level="advanced")

    # when
    profile_rebuild(now=NOW)

    # then
    interests = effective_interests([learner.pk])[learner.pk]
    assert interests == {
        topic("ai").pk: pytest.approx(1.0, abs=1e-3),
        topic("writing").pk: pytest.approx(1.4, abs=1e-3),
    }
    assert affinity(learner, "ai").sources.keys() == {"survey"}


def test_survey_answers_decay_slower_than_behaviour(settings, learner):
    settings.LYCEUM_INTEREST_HALF_LIFE_DAYS = 45
    settings.LYCEUM_INTEREST_SURVEY_HALF_LIFE_DAYS = 180
    profile = LearnerProfile.objects.create(user=learner, completed_at=NOW)
    TopicInterest.objects.create(profile=profile, topic=topic("ai"), level="beginner")

    profile_rebuild(now=NOW + timedelta(days=180))

    assert affinity(learner, "ai").score == pytest.approx(0.5, abs=1e-3)


def test_reviews_searches_and_community_count(learner):
    # given
    course = course_in("design")
    from lyceum.feedback.models import Review

    Review.objects.create(course=course, user=learner, rating=5)
    Review.objects.create(course=course_in("finance"), user=learner, rating=1)  # a bad course, not a topic
    events.emit("catalog.searched", actor=learner, at=NOW, query="Design systems", results=3)
    events.emit("community.searched", actor=learner, at=NOW, query="数据分析 入门", results=1)
    space = Space.objects.create(slug="design-space", name="Design", kind=SpaceKind.COURSE, course=course)
    Thread.objects.create(space=space, author=learner, title="How do I kern?", body="?")

    # when
    profile_rebuild(now=NOW + timedelta(seconds=1))

    # then
    design = affinity(learner, "design").sources
    assert design["review"] == pytest.approx(0.45, abs=1e-3)
    assert design["search"] == pytest.approx(0.15, abs=1e-3)
    assert design["community"] == pytest.approx(0.2, abs=1e-3)
    assert affinity(learner, "data").sources == {"search": pytest.approx(0.15, abs=1e-3)}
    assert not TopicAffinity.objects.filter(user=learner, topic=topic("finance")).exists()


@pytest.mark.parametrize(
    ("query", "slugs"),
    [("python for data", {"data"}), ("Data & analytics", {"data"}), ("学习设计", {"design"}), ("dataset", set())],
)
def test_search_queries_match_topic_words(query, slugs):
    found = Taxonomy.load().topics_named_in(query)
    assert found == {topic(s).pk for s in slugs}


def test_a_bad_quiz_score_still_counts_but_less_than_a_good_one(learner, outsider):
    course = course_in("product")
    events.emit("quiz.submitted", actor=learner, at=NOW, course=course.pk, percent=100)
    events.emit("quiz.submitted", actor=outsider, at=NOW, course=course.pk, percent=0)

    profile_rebuild(now=NOW)

    assert affinity(learner, "product").sources["quiz"] == pytest.approx(0.3)
    assert affinity(outsider, "product").sources["quiz"] == pytest.approx(0.1)


def test_a_rebuild_replaces_old_rows_and_leaves_other_learners_alone(learner, outsider):
    enroll(learner, course_in("data"), days_ago=0)
    enroll(outsider, course_in("data"), days_ago=0)
    profile_rebuild(now=NOW)
    Enrollment.objects.filter(user=learner).delete()

    profile_rebuild(user_ids=[learner.pk], now=NOW)

    assert not TopicAffinity.objects.filter(user=learner).exists()
    assert TopicAffinity.objects.filter(user=outsider).count() == 1


def test_the_job_runs_a_fixed_number_of_queries_whatever_the_number_of_learners(django_assert_max_num_queries):
    # given: 30 learners with enrollments, survey answers and events
    for i in range(30):
        user = make_user(f"many{i}@example.org")
        enroll(user, course_in(["data", "design", "ai"][i % 3]), days_ago=i)
        profile = LearnerProfile.objects.create(user=user, completed_at=NOW)
        TopicInterest.objects.create(profile=profile, topic=topic("career"))
        events.emit("catalog.searched", actor=user, at=NOW, query="career", results=0)

    # when / then: taxonomy (4) + learners + 7 signal queries + delete + insert, inside a savepoint
    with django_assert_max_num_queries(18):
        call_command("build_profiles", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert TopicAffinity.objects.count() == 60


def test_overrides_hide_and_add_topics_in_effective_interests(learner):
    # given: a profile on data (0.6) and design (0.6)
    from lyceum.recommendations.models import InterestOverride, OverrideAction
    from lyceum.recommendations.profile import interests_update

    enroll(learner, course_in("data"), days_ago=0)
    enroll(learner, course_in("design"), days_ago=0)
    profile_rebuild(now=NOW)

    # when: data hidden, ai added, design added too (already there: at least the added score)
    interests_update(actor=learner, user=learner, hide=["data"], add=["ai", "design"])

    # then
    assert effective_interests([learner.pk])[learner.pk] == {topic("ai").pk: 1.0, topic("design").pk: 1.0}
    assert InterestOverride.objects.filter(user=learner, action=OverrideAction.HIDE).count() == 1
    # and a rebuild keeps the corrections (they are the learner's, not the job's)
    profile_rebuild(now=NOW)
    assert topic("data").pk not in effective_interests([learner.pk])[learner.pk]


def test_nobody_corrects_someone_elses_profile(learner, outsider):
    from lyceum.core.errors import PermissionDenied
    from lyceum.recommendations.models import InterestOverride
    from lyceum.recommendations.profile import interests_update

    with pytest.raises(PermissionDenied):
        interests_update(actor=outsider, user=learner, hide=["data"])
    assert not InterestOverride.objects.exists()

"""demo_profile.seed: the demo learner's searches once, every learner's profile built."""

import io
import random
from types import SimpleNamespace

import pytest
from django.utils import timezone

from conftest import make_user
from lyceum.accounts.models import LearnerProfile, Topic, TopicInterest
from lyceum.core.models import Event
from lyceum.recommendations import demo_profile
from lyceum.recommendations.models import TopicAffinity

pytestmark = pytest.mark.django_db


def test_seeding_builds_profiles_and_is_idempotent():
    # given
    learner = make_user("learner@example.com")
    profile = LearnerProfile.objects.create(user=learner, completed_at=timezone.now())
    TopicInterest.objects.create(profile=profile, topic=Topic.objects.get(slug="design"))
    ctx = SimpleNamespace(now=timezone.now(), rng=random.Random(7), stdout=io.StringIO(), data={})

    # when: seeded twice
    demo_profile.seed(ctx)
    first = sorted(TopicAffinity.objects.values_list("topic__slug", "score"))
    demo_profile.seed(ctx)

    # then: design from the survey, data from "pandas 数据分析" (no course tags name python here)
    assert Event.objects.filter(name="catalog.searched").count() == len(demo_profile.SEARCHES)
    assert sorted(TopicAffinity.objects.values_list("topic__slug", "score")) == first
    assert [slug for slug, _score in first] == ["data", "design"]

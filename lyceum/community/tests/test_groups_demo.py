"""The study group demo: deterministic, idempotent, real streaks for the main demo learner."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime

import pytest
from django.core.management.base import OutputWrapper

from conftest import make_user
from lyceum.community import demo_groups
from lyceum.community.models import CheckIn, GroupMembership, GroupPost, StudyGroup
from lyceum.community.selectors.groups import group_page
from lyceum.core.management.commands.seed_demo import DemoContext

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 11, 4, 0, tzinfo=UTC)


def _ctx():
    return DemoContext(users=30, rng=random.Random(2026), now=NOW, stdout=OutputWrapper(io.StringIO()), style=None)


def _counts():
    return (StudyGroup.objects.count(), GroupMembership.objects.count(), CheckIn.objects.count(),
            GroupPost.objects.count())  # fmt: skip


def test_demo_groups_are_idempotent_and_give_the_demo_learner_streaks():
    main = make_user("learner@example.com", display_name="Demo Learner")
    for i in range(1, 31):
        make_user(f"learner{i:04d}@example.com")

    demo_groups.seed(_ctx())
    first = _counts()
    demo_groups.seed(_ctx())

    assert _counts() == first
    assert first[0] == len(demo_groups.SPECS)
    assert first[2] > 100
    roles = dict(GroupMembership.objects.filter(user=main).values_list("group__name", "role"))
    assert roles == {"SQL Night Owls": "owner", "Python 零基础打卡营": "member"}
    owned = StudyGroup.objects.get(name="SQL Night Owls")
    page = group_page(user=main, group_id=owned.pk, now=NOW)
    streaks = [row.streak for row in page.members]
    assert page.my_streak == 6
    assert any(s == 0 for s in streaks)  # some streaks are broken
    assert StudyGroup.objects.filter(visibility="invite").count() == 2

"""The moderation selectors the provider and the workflow read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from lyceum.moderation.models import CommunityRules, RulesAcceptance, Sanction
from lyceum.moderation.selectors import active_sanction, has_accepted_rules, rules_in_force

pytestmark = pytest.mark.django_db


def test_rules_in_force_is_the_newest_published_version(learner):
    assert rules_in_force() is None
    assert has_accepted_rules(learner) is True  # nothing to accept yet
    CommunityRules.objects.create(version=1, body_en="a", body_zh="甲")
    v2 = CommunityRules.objects.create(version=2, body_en="b", body_zh="乙")
    CommunityRules.objects.create(version=3, body_en="c", body_zh="丙", published_at=timezone.now() + timedelta(days=1))

    assert rules_in_force() == v2
    RulesAcceptance.objects.create(user=learner, version=1)
    assert has_accepted_rules(learner) is False
    RulesAcceptance.objects.create(user=learner, version=2)
    assert has_accepted_rules(learner) is True
    assert has_accepted_rules(AnonymousUser()) is False


def test_active_sanction(learner):
    now = timezone.now()
    assert active_sanction(learner) is None
    Sanction.objects.create(user=learner, kind="warn", reason="x")
    assert active_sanction(learner) is None
    short = Sanction.objects.create(user=learner, kind="mute", reason="x", ends_at=now + timedelta(hours=1))
    long = Sanction.objects.create(user=learner, kind="mute", reason="x", ends_at=now + timedelta(days=1))
    assert active_sanction(learner) == long
    assert active_sanction(learner, at=now + timedelta(hours=2)) == long
    assert active_sanction(learner, at=now + timedelta(days=2)) is None
    long.lifted_at = now
    long.save(update_fields=["lifted_at"])
    assert active_sanction(learner) == short

    week = Sanction.objects.create(user=learner, kind="ban", reason="x", ends_at=now + timedelta(days=7))
    assert active_sanction(learner) == week  # a ban comes before a mute
    forever = Sanction.objects.create(user=learner, kind="ban", reason="x")
    assert active_sanction(learner) == forever
    assert active_sanction(AnonymousUser()) is None

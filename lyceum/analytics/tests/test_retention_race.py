"""A double submit of the same campaign form arriving at once (two requests in flight) on PostgreSQL."""

from __future__ import annotations

import importlib
import os

import pytest
from django.apps import apps

from conftest import make_user, run_concurrently
from lyceum.accounts.models import Role
from lyceum.analytics.campaigns import campaign_send
from lyceum.analytics.models import CampaignMember, RetentionCampaign
from lyceum.commerce.models import Coupon
from lyceum.core.models import Event
from lyceum.notifications.models import Notification

from .test_retention_campaigns import make_learners, make_model, score

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL: set DATABASE_URL"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_concurrent_double_submit_sends_once():
    # roles come from a data migration, which transactional tests flush
    importlib.import_module("lyceum.accounts.migrations.0002_roles_and_topics").forwards(apps, None)
    operator = make_user("race-operator@example.org", Role.OPERATOR)
    model = make_model()
    users = make_learners(12, prefix="race")
    for user in users:
        score(model, user, 0.8)
    results: list[int] = []

    def submit(_i: int) -> None:
        campaign = campaign_send(
            actor=operator, name="Race", user_ids=[u.pk for u in users], message_title="Hi",
            coupon_percent_off=10, holdout_percent=0, idempotency_key="same-form",
        )  # fmt: skip
        results.append(campaign.pk)

    errors = run_concurrently(submit, 4)

    assert errors == []
    assert RetentionCampaign.objects.count() == 1 and len(set(results)) == 1
    assert CampaignMember.objects.count() == 12
    assert Coupon.objects.count() == 12 and Notification.objects.count() == 12
    assert Event.objects.filter(name="retention_campaign.sent").count() == 1

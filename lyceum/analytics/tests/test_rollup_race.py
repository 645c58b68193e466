"""Two rollups at once (the scheduler and an operator's manual run) on PostgreSQL."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from conftest import make_user, run_concurrently
from lyceum.analytics import rollup
from lyceum.analytics.models import Watermark
from lyceum.core.models import Event

from .test_rollup import snapshot

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL: set DATABASE_URL"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_concurrent_runs_give_the_tables_of_one_full_recompute():
    users = [make_user(f"r{i}@example.org") for i in range(5)]
    t0 = datetime(2026, 3, 2, 4, tzinfo=UTC)
    for i in range(300):
        Event.objects.create(
            name=["user.signed_in", "lesson.viewed", "order.paid"][i % 3],
            actor=users[i % 5],
            occurred_at=t0 + timedelta(hours=i * 5),
            object_id=str(i),
            props={"total": 100, "currency": "CNY", "course": 1},
        )

    errors = run_concurrently(lambda i: rollup.rollup_run(), 4)

    assert errors == []
    assert Watermark.objects.get().last_event_id == Event.objects.latest("id").pk
    concurrent = snapshot()
    rollup.rollup_run(full=True)
    assert snapshot() == concurrent

"""Study days skip what is already done today: once a member's day is recorded and committed, a
further lesson view or video progress that day costs no query (a per member, per day cache
marker); the marker never claims a day that is not in the database (a rolled back record leaves
none), never covers another member or another day, and a missing marker just means one query."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from lyceum.accounts.models import User
from lyceum.engagement import services
from lyceum.engagement.models import StudyDay

NOON_IN_SHANGHAI = datetime(2026, 5, 1, 4, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_a_day_already_recorded_costs_no_query(learner):
    assert services.study_day_record(user=learner, at=NOON_IN_SHANGHAI) == (date(2026, 5, 1), True)
    with CaptureQueriesContext(connection) as later:
        again = services.study_day_record(user=learner, at=NOON_IN_SHANGHAI + timedelta(hours=3))
    assert again == (date(2026, 5, 1), False)
    assert later.captured_queries == []
    assert StudyDay.objects.filter(user=learner).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_marker_covers_one_member_and_one_day(learner, outsider):
    services.study_day_record(user=learner, at=NOON_IN_SHANGHAI)

    assert services.study_day_record(user=outsider, at=NOON_IN_SHANGHAI)[1] is True
    assert services.study_day_record(user=learner, at=NOON_IN_SHANGHAI + timedelta(days=1))[1] is True
    assert set(StudyDay.objects.values_list("user_id", "day")) == {
        (learner.pk, date(2026, 5, 1)), (outsider.pk, date(2026, 5, 1)), (learner.pk, date(2026, 5, 2)),
    }  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_record_leaves_no_marker(learner):
    with pytest.raises(RuntimeError), transaction.atomic():
        assert services.study_day_record(user=learner, at=NOON_IN_SHANGHAI)[1] is True
        raise RuntimeError("rolled back")

    assert not StudyDay.objects.filter(user=learner).exists()
    assert services.study_day_record(user=learner, at=NOON_IN_SHANGHAI)[1] is True
    assert StudyDay.objects.filter(user=learner).count() == 1


@pytest.mark.django_db(transaction=True)
def test_another_process_uses_the_shared_marker_and_without_it_the_database(learner):
    services.study_day_record(user=learner, at=NOON_IN_SHANGHAI)
    services._studied_here.clear()  # another process: only the shared cache marker knows

    with CaptureQueriesContext(connection) as shared:
        assert services.study_day_record(user=learner, at=NOON_IN_SHANGHAI)[1] is False
    assert shared.captured_queries == []

    services._studied_here.clear()
    cache.clear()  # evicted, or Redis restarted
    with CaptureQueriesContext(connection) as cold:
        assert services.study_day_record(user=learner, at=NOON_IN_SHANGHAI)[1] is False
    assert len(cold.captured_queries) == 1
    with CaptureQueriesContext(connection) as warm:
        assert services.study_day_record(user=learner, at=NOON_IN_SHANGHAI)[1] is False
    assert warm.captured_queries == []


@pytest.mark.django_db(transaction=True)
def test_a_member_recreated_under_the_same_id_is_not_covered(learner):
    services.study_day_record(user=learner, at=NOON_IN_SHANGHAI)
    pk = learner.pk
    learner.delete()
    cache.clear()
    again = User.objects.create_user("again@example.org", "a-long-passphrase", pk=pk)

    assert services.study_day_record(user=again, at=NOON_IN_SHANGHAI)[1] is True
    assert StudyDay.objects.filter(user=again).count() == 1

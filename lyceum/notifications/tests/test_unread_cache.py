"""The bell's unread count from the cache (lyceum/notifications/unread_cache.py): a repeat page
costs no COUNT, and everything that changes a member's unread notifications shows on their very
next page: a new one, a fan-out, a rolled-up notice coming back unread, reading one, reading all,
erasing the account. Members never see each other's count; a change not committed yet is never
cached.

These tests commit (``transaction=True``): inside a test transaction that changed notifications
the cache is bypassed on purpose (the change may still roll back)."""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from lyceum.notifications import services
from lyceum.notifications.models import Kind, Notification
from lyceum.notifications.unread_cache import unread_count

from .helpers import make_notification, send

pytestmark = pytest.mark.django_db(transaction=True)


def _badge(client) -> int:
    page = client.get("/no-such-page/").content.decode()  # every page's header shows the bell
    found = re.search(r"data-notif-count>([^<]+)<", page)
    return int(found.group(1)) if found else 0


def _count_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if "COUNT(" in q["sql"] and "notifications_notification" in q["sql"]]


def test_a_repeat_page_counts_nothing(client_for, learner):
    make_notification(learner)
    client = client_for(learner)
    assert _badge(client) == 1
    with CaptureQueriesContext(connection) as warm:
        assert _badge(client) == 1
    assert _count_queries(warm.captured_queries) == []


def test_a_new_notification_shows_at_once(client_for, learner, outsider):
    client = client_for(learner)
    assert _badge(client) == 0
    send(learner, actor=outsider)
    assert _badge(client) == 1
    make_notification(learner)
    assert _badge(client) == 2


def test_reading_one_and_reading_all_show_at_once(client_for, learner):
    first = make_notification(learner)
    make_notification(learner)
    make_notification(learner)
    client = client_for(learner)
    assert _badge(client) == 3
    services.notification_mark_read(actor=learner, notification_id=first.pk)
    assert _badge(client) == 2
    services.notifications_mark_all_read(actor=learner)
    assert _badge(client) == 0
    assert client.get("/notifications/unread-count/").json() == {"unread": 0}


def test_a_fan_out_and_a_roll_up_show_at_once(learner, outsider, instructor):
    assert unread_count(user_id=learner.pk) == 0 and unread_count(user_id=outsider.pk) == 0
    services.notify_many(
        recipient_ids=[learner.pk, outsider.pk], kind=Kind.GROUP_ACTIVITY, actor=instructor, data={"group": "G"},
        url="/groups/1/", dedupe_key="group:1:day", rollup_source="checkin:1",
    )  # fmt: skip
    assert unread_count(user_id=learner.pk) == 1 and unread_count(user_id=outsider.pk) == 1
    services.notifications_mark_all_read(actor=learner)
    assert unread_count(user_id=learner.pk) == 0

    services.notify_many(
        recipient_ids=[learner.pk, outsider.pk], kind=Kind.GROUP_ACTIVITY, actor=instructor, data={"group": "G"},
        url="/groups/1/", dedupe_key="group:1:day", rollup_source="checkin:2",
    )  # fmt: skip

    assert unread_count(user_id=learner.pk) == 1  # the same notice, unread again
    assert Notification.objects.filter(recipient=learner).count() == 1


def test_members_never_see_each_others_count(client_for, learner, outsider):
    make_notification(learner)
    make_notification(learner)
    make_notification(outsider)
    one, other = client_for(learner), client_for(outsider)
    for _ in range(2):  # cold, then from the cache
        assert _badge(one) == 2
        assert _badge(other) == 1


def test_erasing_the_notifications_shows_at_once(learner):
    make_notification(learner)
    assert unread_count(user_id=learner.pk) == 1
    services.notifications_erase_for_user(user_id=learner.pk)
    assert unread_count(user_id=learner.pk) == 0


def test_a_change_inside_a_transaction_is_counted_there_and_never_cached(learner):
    assert unread_count(user_id=learner.pk) == 0
    with pytest.raises(RuntimeError), transaction.atomic():
        make_notification(learner)
        assert unread_count(user_id=learner.pk) == 1  # this transaction sees its own row
        raise RuntimeError("rolled back")

    assert unread_count(user_id=learner.pk) == 0


def test_the_count_comes_with_the_signed_in_users_row_in_one_round_trip(client_for, learner, monkeypatch):
    from django.core.cache import cache

    make_notification(learner)
    client = client_for(learner)
    assert _badge(client) == 1
    calls: list[list[str]] = []
    real = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys, *a, **k: calls.append(list(keys)) or real(keys, *a, **k))

    assert _badge(client) == 1

    with_count = [keys for keys in calls if f"notifications:unread:{learner.pk}" in keys]
    assert len(with_count) == 1 and f"accounts:user:{learner.pk}:v" in with_count[0]  # the user's version


def test_a_count_fetched_before_a_change_in_the_same_request_is_not_shown(learner):
    from django.core.cache import cache

    from lyceum.notifications import unread_cache

    assert unread_count(user_id=learner.pk) == 0  # stored
    keys, stamp = unread_cache._viewer_keys(learner.pk)
    fetched = (stamp, cache.get_many(keys))  # what the request fetched with its user's row
    assert unread_count(user_id=learner.pk, prefetched=fetched) == 0

    make_notification(learner)  # then the view itself adds one

    assert unread_count(user_id=learner.pk, prefetched=fetched) == 1

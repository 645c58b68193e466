"""The notifications router. Until ``lyceum.api`` mounts it, the handlers are called directly;
the HTTP tests run once it is mounted at ``/api/v1``."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from lyceum.core.errors import NotFound
from lyceum.notifications import api
from lyceum.notifications.models import Kind, Notification

from .helpers import make_notification

pytestmark = pytest.mark.django_db


def test_list_handler(learner, outsider):
    make_notification(learner, actor=outsider, kind=Kind.MENTION, data={"thread": "Joins"})
    newest = make_notification(learner, data={"thread": "Newest"})
    make_notification(outsider)
    out = api.notification_list(SimpleNamespace(auth=learner), api.ListQuery(limit=1))
    assert out.unread == 2 and out.count == 2 and [i.id for i in out.items] == [newest.pk]
    assert out.items[0].text == "Someone replied to “Newest”"
    older = api.notification_list(SimpleNamespace(auth=learner), api.ListQuery(limit=5, offset=1))
    assert [i.text for i in older.items] == ["Otto Outsider mentioned you in “Joins”"]


def test_read_handlers_own_only(learner, outsider):
    mine = make_notification(learner)
    theirs = make_notification(outsider)
    assert api.notification_read(SimpleNamespace(auth=learner), mine.pk).read_at is not None
    with pytest.raises(NotFound):
        api.notification_read(SimpleNamespace(auth=learner), theirs.pk)
    assert api.notifications_read_all(SimpleNamespace(auth=outsider)).marked == 1


def test_http_api(client, client_for, learner, outsider, api_token):
    mine = make_notification(learner, actor=outsider, data={"thread": "SQL"})
    theirs = make_notification(outsider)
    headers = {"Authorization": f"Bearer {api_token(learner)}"}
    listed = client.get("/api/v1/notifications?limit=5", headers=headers)
    assert listed.status_code == 200
    body = listed.json()
    assert body["unread"] == 1 and [i["id"] for i in body["items"]] == [mine.pk]
    assert body["items"][0]["text"] == "Otto Outsider replied to “SQL”"
    assert client.get("/api/v1/notifications").status_code == 401
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read", headers=headers).status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    read = client.post(f"/api/v1/notifications/{mine.pk}/read", headers=headers)
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert client.post("/api/v1/notifications/read-all", headers=headers).json() == {"marked": 0, "unread": 0}
    assert client.get("/api/v1/notifications?limit=500", headers=headers).status_code == 422

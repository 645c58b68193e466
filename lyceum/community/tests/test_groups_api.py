"""The study group API router, mounted here on a bare NinjaAPI with the house error shape.

(The integrator mounts ``api_groups.router`` on ``/api/v1``; this module does not import
the API assembly, which the import contracts forbid.)
"""

from __future__ import annotations

import pytest
from django.urls import path
from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.security import django_auth

from lyceum.community.api_groups import router
from lyceum.community.models import CheckIn
from lyceum.community.services.groups import checkin_create, group_create, group_join, group_post
from lyceum.core.errors import ApplicationError
from lyceum.learning.tests.factories import make_course

api = NinjaAPI(urls_namespace="groups-api-test", auth=django_auth)
api.add_router("/", router)


@api.exception_handler(ApplicationError)
def _app_error(request, exc):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def _validation_error(request, exc):
    field = ".".join(str(p) for p in exc.errors[0]["loc"][2:]) if exc.errors else "body"
    return api.create_response(request, {"detail": "invalid", "code": "validation_error", "field": field}, status=422)


urlpatterns = [path("api/", api.urls)]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def group(learner, instructor):
    return group_create(actor=learner, name="API group", course=make_course(instructor=instructor))


def test_list_needs_auth(client):
    assert client.get("/api/groups").status_code == 401


def test_list_public_and_mine(client_for, learner, outsider, group):
    group_create(actor=learner, name="Hidden", visibility="invite")

    data = client_for(outsider).get("/api/groups").json()
    assert [g["name"] for g in data["items"]] == ["API group"]
    assert data["items"][0]["is_member"] is False
    assert data["items"][0]["course"] == group.course.slug

    names = {g["name"] for g in client_for(learner).get("/api/groups").json()["items"]}
    assert names == {"API group", "Hidden"}


def test_detail_member_gets_feed_and_stats_outsider_does_not(client_for, learner, outsider, group):
    checkin_create(actor=learner, group=group, minutes=40, note="lesson 3")
    group_post(actor=learner, group=group, body="**hi**")

    mine = client_for(learner).get(f"/api/groups/{group.pk}").json()
    assert [i["kind"] for i in mine["feed"]] == ["post", "checkin"]
    assert mine["feed"][0]["body_html"] == "<p><strong>hi</strong></p>"
    assert mine["members"][0]["streak"] == 1 and mine["week_minutes"] == 40

    theirs = client_for(outsider).get(f"/api/groups/{group.pk}").json()
    assert theirs["feed"] is None
    assert theirs["members"][0]["streak"] is None
    assert theirs["week_minutes"] is None


def test_invite_only_group_is_404_for_non_members(client_for, learner, outsider):
    hidden = group_create(actor=learner, name="Hidden", visibility="invite")

    client = client_for(outsider)
    assert client.get(f"/api/groups/{hidden.pk}").status_code == 404
    response = client.post(f"/api/groups/{hidden.pk}/checkins", {"minutes": 10}, content_type="application/json")
    assert response.status_code == 404
    assert CheckIn.objects.count() == 0


def test_checkin_created_then_merged(client_for, learner, group):
    client = client_for(learner)
    lesson = group.course.lessons.order_by("position")[2]

    first = client.post(
        f"/api/groups/{group.pk}/checkins",
        {"minutes": 40, "note": "finished lesson 3", "lesson": lesson.pk},
        content_type="application/json",
    )
    second = client.post(f"/api/groups/{group.pk}/checkins", {"minutes": 20}, content_type="application/json")

    assert first.status_code == 201
    assert first.json()["streak"] == 1 and first.json()["lesson"] == lesson.pk
    assert second.status_code == 200
    assert second.json()["minutes"] == 60 and second.json()["created"] is False


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"minutes": 0}, "minutes"), ({"minutes": 2000}, "minutes"), ({"minutes": "abc"}, "minutes"),
     ({"minutes": 10, "note": "n" * 281}, "note"), ({"minutes": 10, "lesson": 999999}, "lesson")],
)  # fmt: skip
def test_checkin_bad_input_is_422_with_the_field(client_for, learner, group, payload, field):
    response = client_for(learner).post(f"/api/groups/{group.pk}/checkins", payload, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert CheckIn.objects.count() == 0


def test_checkin_by_public_group_outsider_is_403(client_for, learner, outsider, group):
    response = client_for(outsider).post(
        f"/api/groups/{group.pk}/checkins", {"minutes": 10}, content_type="application/json"
    )

    assert response.status_code == 403
    assert CheckIn.objects.count() == 0
    group_join(actor=outsider, group=group)
    assert (
        client_for(outsider)
        .post(f"/api/groups/{group.pk}/checkins", {"minutes": 10}, content_type="application/json")
        .status_code
        == 201
    )

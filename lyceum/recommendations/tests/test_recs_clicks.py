"""Click-through on recommendation links: recorded for members, never an open redirect."""

from __future__ import annotations

import pytest
from django.test import Client

from lyceum.core.models import Event
from lyceum.courses.models import CourseStatus
from lyceum.recommendations.engine.train import train
from lyceum.recommendations.models import RecommenderRun

from .test_recs_engine import FAST, build_world


@pytest.fixture
def trained(db):
    world = build_world()
    train(params=FAST)
    return world


def clicks():
    return list(Event.objects.filter(name="recommendation.clicked").order_by("id"))


def test_home_links_go_through_the_click_address_and_it_records_then_redirects(trained, client_for):
    me = trained.learners[0]
    client = client_for(me)
    home = client.get("/").content.decode()
    assert "/recommended/" in home and "from=home&amp;rank=1" in home

    course = trained.c["sql"]
    response = client.get(f"/recommended/{course.pk}/?from=home&rank=2")

    assert response.status_code == 302 and response["Location"] == f"/courses/{course.slug}/"
    [event] = clicks()
    assert event.actor_id == me.pk and event.object_id == str(course.pk)
    assert event.props == {"placement": "home", "rank": 2, "run": RecommenderRun.objects.latest("id").pk}


def test_course_page_also_took_links_record_their_placement(trained, client_for):
    me = trained.learners[0]
    page = client_for(me).get(f"/courses/{trained.c['py'].slug}/").content.decode()
    assert f"/recommended/{trained.c['git'].pk}/?from=course&amp;rank=" in page  # also took: Git
    response = client_for(me).get(f"/recommended/{trained.c['git'].pk}/?from=course&rank=1")
    assert response.status_code == 302 and clicks()[0].props["placement"] == "course"


@pytest.mark.parametrize(
    "query", ["?from=elsewhere&rank=1", "?rank=1", "?from=home&rank=9999", "?from=home&rank=-1", "?from=home&rank=x"]
)
def test_tampered_parameters_still_redirect_and_never_500(trained, client_for, query):
    course = trained.c["sql"]
    response = client_for(trained.learners[0]).get(f"/recommended/{course.pk}/{query}")
    assert response.status_code == 302 and response["Location"] == f"/courses/{course.slug}/"
    for event in clicks():  # a bad rank is dropped, an unknown placement records nothing
        assert event.props["placement"] == "home" and event.props["rank"] is None


def test_visitors_are_redirected_without_a_record_and_hidden_courses_404(trained, client_for):
    course = trained.c["sql"]
    assert Client().get(f"/recommended/{course.pk}/?from=home&rank=1").status_code == 302
    assert clicks() == []
    assert client_for(trained.learners[0]).get(f"/recommended/{trained.c['draft'].pk}/?from=home").status_code == 404
    assert client_for(trained.learners[0]).get("/recommended/999999/?from=home").status_code == 404
    assert client_for(trained.learners[0]).post(f"/recommended/{course.pk}/").status_code == 405
    assert trained.c["draft"].status != CourseStatus.PUBLISHED

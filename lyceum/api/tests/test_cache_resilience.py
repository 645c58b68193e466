"""Redis going away never breaks the site: pages, sign-in, the API and rate-limited actions
still answer (rate limits fail open), and the cache works again when Redis returns."""

from __future__ import annotations

import logging
import os

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from conftest import PASSWORD
from lyceum.core import cache as resilient
from lyceum.core.cache import ResilientRedisCache
from lyceum.feedback.models import Review
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course

# Nothing listens on port 1: every connection is refused at once.
DOWN_URL = "redis://127.0.0.1:1/6"
DOWN_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
DOWN = {"default": {"BACKEND": "lyceum.core.cache.ResilientRedisCache", "LOCATION": DOWN_URL, "OPTIONS": DOWN_OPTIONS}}
REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.fixture
def redis_down(settings):
    settings.CACHES = DOWN
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    return settings


@pytest.fixture
def course(instructor):
    return make_course(instructor=instructor, title="Resilient Python")


@pytest.mark.django_db
def test_pages_and_the_api_answer_while_redis_is_down(redis_down, client, course):
    catalog = client.get("/courses/")
    page = client.get(f"/courses/{course.slug}/")
    api = client.get("/api/v1/courses")

    assert catalog.status_code == 200 and "Resilient Python" in catalog.content.decode()
    assert page.status_code == 200 and "Resilient Python" in page.content.decode()
    assert api.status_code == 200 and [item["title"] for item in api.json()["items"]] == ["Resilient Python"]
    assert not page.has_header("ETag")  # no version key without the cache: no conditional GET either


@pytest.mark.django_db
def test_signing_in_and_staying_signed_in_work_while_redis_is_down(redis_down, client, learner, course):
    response = client.post("/accounts/login/", {"login": learner.email, "password": PASSWORD})
    assert response.status_code == 302

    page = client.get(f"/courses/{course.slug}/")  # the session comes back from the database

    assert page.status_code == 200
    assert "Lena Learner" in page.content.decode()


@pytest.mark.django_db
def test_rate_limits_fail_open_while_redis_is_down(redis_down, client_for, learner, course):
    redis_down.LYCEUM_FEEDBACK_REVIEW_RATE = "1/h"
    enrollment_create(user=learner, course=course)
    client = client_for(learner)

    first = client.post(f"/courses/{course.slug}/reviews/write/", {"rating": "4", "text": "Good"})
    second = client.post(f"/courses/{course.slug}/reviews/write/", {"rating": "5", "text": "Even better"})

    assert (first.status_code, second.status_code) == (302, 302)  # the second is not refused
    assert Review.objects.get().text == "Even better"


def test_an_outage_is_logged_once_per_interval_and_calls_answer_as_a_miss(caplog):
    backend = ResilientRedisCache(DOWN_URL, {"OPTIONS": DOWN_OPTIONS})

    with caplog.at_level(logging.WARNING, logger="lyceum.core.cache"):
        backend.set("k", 1)  # dropped, not raised
        answers = [
            backend.get("k", "default"),
            backend.get_many(["a", "b"]),
            backend.add("k", 1),
            backend.incr("k"),
            backend.delete("k"),
            backend.has_key("k"),
        ]

    assert answers == ["default", {}, True, 1, False, False]
    assert len([r for r in caplog.records if "Redis unavailable" in r.getMessage()]) == 1


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="needs Redis: set REDIS_URL")
def test_values_round_trip_through_the_real_server():
    backend = ResilientRedisCache(REDIS_URL, {"KEY_PREFIX": "lyceum-test-resilient"})
    backend.clear()

    backend.set("course", {"title": "Python", "price": 19900}, timeout=60)
    assert backend.get("course") == {"title": "Python", "price": 19900}
    assert backend.add("hits", 1, timeout=60) is True
    assert backend.add("hits", 1, timeout=60) is False
    assert backend.incr("hits") == 2
    assert backend.get_many(["course", "hits", "nothing"]) == {"course": {"title": "Python", "price": 19900}, "hits": 2}
    assert backend.delete("course") is True
    assert backend.get("course", "gone") == "gone"
    backend.clear()


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="needs Redis: set REDIS_URL")
def test_the_cache_works_again_when_redis_returns(monkeypatch):
    backend = ResilientRedisCache(REDIS_URL, {"KEY_PREFIX": "lyceum-test-resilient"})
    backend.set("kept", "value", timeout=60)
    client = backend._cache  # type: ignore[attr-defined]
    real_get_client = client.get_client

    def refused(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(client, "get_client", refused)  # Redis goes away
    assert backend.get("kept", "miss") == "miss"
    monkeypatch.setattr(client, "get_client", real_get_client)  # ...and comes back
    assert backend.get("kept", "miss") == "miss"  # still resting: no connection attempt yet

    now = resilient.time.monotonic()
    monkeypatch.setattr(resilient.time, "monotonic", lambda: now + backend.RETRY_AFTER + 1)
    assert backend.get("kept", "miss") == "value"
    backend.delete("kept")

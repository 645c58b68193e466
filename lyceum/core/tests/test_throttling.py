"""API rate limits: one counter per client and window (``core.throttling``), atomic on Redis."""

from __future__ import annotations

import os
import threading

import pytest
from django.core.cache import caches
from django.test import RequestFactory

from lyceum.core import throttling
from lyceum.core.cache import window_hit

REDIS_URL = os.environ.get("REDIS_URL", "")


def _request(user=None, addr="10.0.0.1"):
    request = RequestFactory().post("/api/v1/lessons/1/progress", REMOTE_ADDR=addr)
    if user is not None:
        request.user = user
    else:
        from django.contrib.auth.models import AnonymousUser

        request.user = AnonymousUser()
    return request


@pytest.fixture(autouse=True)
def _clear_cache():
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.mark.django_db
def test_a_member_gets_the_limit_then_429_with_the_time_left_in_the_window(learner, outsider, monkeypatch):
    monkeypatch.setattr(throttling.time, "time", lambda: 1_000_000.0)  # 40 s into a minute
    limit = throttling.UserWindowThrottle("3/min")

    answers = [limit.allow_request(_request(learner)) for _ in range(4)]

    assert answers == [True, True, True, False]
    assert limit.wait() == pytest.approx(20.0)  # sent as Retry-After
    assert limit.allow_request(_request(outsider)) is True  # another member has their own counter


@pytest.mark.django_db
def test_the_next_window_starts_from_zero(learner, monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(throttling.time, "time", lambda: now[0])
    limit = throttling.UserWindowThrottle("2/min")
    assert [limit.allow_request(_request(learner)) for _ in range(3)] == [True, True, False]

    now[0] += 60

    assert limit.allow_request(_request(learner)) is True


def test_anonymous_calls_are_counted_per_address():
    limit = throttling.AnonWindowThrottle("1/min")

    assert limit.allow_request(_request(addr="10.0.0.1")) is True
    assert limit.allow_request(_request(addr="10.0.0.1")) is False
    assert limit.allow_request(_request(addr="10.0.0.2")) is True


@pytest.mark.django_db
def test_the_api_answers_429_json_with_retry_after_once_the_member_limit_is_spent(api, learner, monkeypatch):
    from lyceum.api.api import api as ninja_api

    for throttle in ninja_api.throttle:  # the API-wide throttles every operation checks
        if isinstance(throttle, throttling.UserWindowThrottle):
            monkeypatch.setattr(throttle, "num_requests", 2)
    client = api(learner)

    statuses = [client("get", "/me").status_code for _ in range(2)]
    limited = client("get", "/me")

    assert statuses == [200, 200] and limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 61


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="needs Redis: set REDIS_URL")
def test_on_redis_concurrent_hits_each_get_their_own_count_and_the_window_expires(settings):
    settings.CACHES = {
        "default": {"BACKEND": "lyceum.core.cache.ResilientRedisCache", "LOCATION": REDIS_URL,
                    "KEY_PREFIX": "lyceum-test-window"}
    }  # fmt: skip
    backend = caches["default"]
    backend.delete("hits")
    counts: list[int] = []
    lock = threading.Lock()

    def hit() -> None:
        for _ in range(25):
            n = window_hit("hits", 30)
            with lock:
                counts.append(n)

    threads = [threading.Thread(target=hit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(counts) == list(range(1, 101))  # no lost or doubled increments
    client = backend._cache.get_client()
    assert 0 < client.ttl(backend.make_and_validate_key("hits")) <= 30  # never a counter without expiry
    backend.delete("hits")


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="needs Redis: set REDIS_URL")
def test_while_redis_is_down_every_hit_counts_as_the_first(settings):
    settings.CACHES = {
        "default": {"BACKEND": "lyceum.core.cache.ResilientRedisCache", "LOCATION": "redis://127.0.0.1:1/0",
                    "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}
    }  # fmt: skip

    assert [window_hit("hits", 60) for _ in range(3)] == [1, 1, 1]

import os

import pytest
from django.db import OperationalError


def test_health_is_200_with_database_and_cache_ok(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["cache"] == "ok"
    assert body["status"] == "ok"


def test_health_is_503_when_the_database_is_unreachable(client, db, monkeypatch):
    class Unreachable:
        vendor = "postgresql"

        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr("lyceum.core.views.connection", Unreachable())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert response.json()["status"] == "down"


def test_health_reports_degraded_not_500_when_the_cache_fails(client, db, monkeypatch):
    from django.core.cache import cache

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "set", broken)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["cache"] == "unavailable"
    assert response.json()["status"] == "degraded"


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis: set REDIS_URL")
def test_health_uses_redis_when_configured(client, db):
    body = client.get("/healthz").json()

    assert body["cache_backend"] == "redis"
    assert body["cache"] == "ok"

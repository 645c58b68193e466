"""The benchmark's ``hello`` view exists only when LYCEUM_BENCH_HELLO is on."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from django.test import override_settings
from django.urls import clear_url_caches

import config.urls


@pytest.fixture
def reload_urls() -> Iterator[None]:
    """Re-read config/urls.py under the test's settings, and again (defaults) afterwards."""
    yield
    importlib.reload(config.urls)
    clear_url_caches()


def _mount(enabled: bool) -> None:
    with override_settings(LYCEUM_BENCH_HELLO=enabled):
        importlib.reload(config.urls)
    clear_url_caches()


@pytest.mark.django_db
def test_hello_is_not_mounted_by_default(client, settings) -> None:
    assert settings.LYCEUM_BENCH_HELLO is False
    response = client.get("/bench/hello")
    assert response.status_code == 404


@pytest.mark.django_db
def test_hello_answers_through_the_middleware_when_enabled(client, reload_urls) -> None:
    _mount(True)
    response = client.get("/bench/hello")
    assert response.status_code == 200
    assert response.content == b"hello"
    assert response["Content-Type"].startswith("text/plain")
    # the full middleware stack ran: security and clickjacking headers are set
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_hello_has_one_spelling_and_unmounts_again(client, reload_urls) -> None:
    _mount(True)
    assert client.get("/bench/hello/").status_code == 404  # no other spelling of it
    assert client.get("/bench/hello").status_code == 200
    _mount(False)
    assert client.get("/bench/hello").status_code == 404

"""The web process loads its URLconf, catalogues and templates up front (``core.warmup``), without
touching the database or the cache: gunicorn's master does it once and forks workers from it."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.urls import get_resolver

from lyceum.core.warmup import warm_up


def test_warm_up_loads_the_urlconf_every_language_and_the_templates_without_any_connection(monkeypatch):
    # No django_db mark: any query raises here. Any cache call would be counted.
    calls = []
    backend = caches["default"]
    for name in ("get", "get_many", "set", "add", "incr"):
        monkeypatch.setattr(backend, name, lambda *a, _n=name, **k: calls.append(_n))

    loaded = warm_up()

    assert loaded["languages"] == len(settings.LANGUAGES)
    assert loaded["templates"] > 100  # every page and partial compiled, not just a few
    resolver = get_resolver()
    assert "url_patterns" in resolver.__dict__  # the URL modules (views, the API) are imported
    assert all(code in resolver._reverse_dict for code, _ in settings.LANGUAGES)
    assert calls == []


def test_the_wsgi_application_is_created_warm():
    import config.wsgi

    assert callable(config.wsgi.application)
    assert "url_patterns" in get_resolver().__dict__

"""The benchmark's ceiling: a view that does nothing, behind the full middleware stack.

``make bench-web`` (bench/web.py) measures every page against ``GET /bench/hello``, served by
the same gunicorn with the same middleware (sessions, CSRF, locale, analytics visits...), so a
page's throughput can be read as a fraction of what the framework alone allows. Mounted only
when ``LYCEUM_BENCH_HELLO`` is on (config/urls.py); production leaves it off.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("hello", content_type="text/plain; charset=utf-8")

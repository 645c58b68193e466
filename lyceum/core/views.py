from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    from lyceum.core import hooks

    sections = hooks.collect("home_page.sections", user=request.user)
    return render(request, "core/home.html", {"sections": sections})


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness: 200 when the database answers, 503 when it does not."""
    result: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        result["database"] = "ok"
    except DatabaseError:
        logger.exception("health check: database unreachable")
        result["database"] = "unavailable"
    try:
        cache.set("healthz", "1", 5)
        result["cache"] = "ok" if cache.get("healthz") == "1" else "unavailable"
    except Exception:  # any cache client error means "unavailable", never a 500
        logger.exception("health check: cache unreachable")
        result["cache"] = "unavailable"
    result["cache_backend"] = "redis" if "redis" in str(settings.CACHES["default"]["BACKEND"]).lower() else "local"
    result["database_backend"] = connection.vendor
    healthy = result["database"] == "ok"
    result["status"] = "ok" if healthy and result["cache"] == "ok" else ("degraded" if healthy else "down")
    return JsonResponse(result, status=200 if healthy else 503)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def public_media(request: HttpRequest, path: str) -> HttpResponseBase:
    """Public uploads (avatars) in the embedded runtime; a web server or S3 does this at scale."""
    from django.views.static import serve

    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from lyceum.core.cache_pages import anonymous_page_cache

logger = logging.getLogger(__name__)


@anonymous_page_cache
def home(request: HttpRequest) -> HttpResponse:
    """Visitors get a cached copy (the upcoming events section is the only part that varies: it is
    retired by event.created/updated/cancelled, seat counts may lag by LYCEUM_PAGE_CACHE_SECONDS)."""
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
    """Public uploads (avatars, course covers) at their stable ``/media/`` address.

    On the local disk the app sends the file (nginx does in production). In the media bucket, a
    redirect to a signed URL: pages, even those the anonymous page cache keeps, only ever carry
    this address, and the redirect may be cached for half the signed URL's lifetime.
    """
    import mimetypes

    from django.core.files.storage import FileSystemStorage, default_storage
    from django.http import Http404

    if isinstance(default_storage, FileSystemStorage):
        from django.views.static import serve

        served = serve(request, path, document_root=str(default_storage.location))
        served["Cache-Control"] = "public, max-age=86400"
        served["X-Content-Type-Options"] = "nosniff"
        return served

    from lyceum.core.http import signed_url
    from lyceum.core.storage import can_sign, is_public_name

    if not is_public_name(path) or not can_sign(default_storage) or not default_storage.exists(path):
        raise Http404
    seconds = settings.LYCEUM_MEDIA_PUBLIC_SECONDS
    keep = seconds // 2
    content_type = mimetypes.guess_type(path)[0] or ""
    is_image = content_type.startswith("image/")
    url = signed_url(
        default_storage,
        path,
        content_type=content_type if is_image else "application/octet-stream",
        disposition="inline" if is_image else "attachment",
        seconds=seconds,
        cache_control=f"public, max-age={keep}",
    )
    response = HttpResponse(status=302)
    response["Location"] = url
    response["Cache-Control"] = f"public, max-age={keep}"
    response["Referrer-Policy"] = "no-referrer"
    return response

"""Assembles ``/api/v1``: auth, throttling, the error shape, and every app's router.

Every error answers ``{"detail": message, "code": code}`` (plus ``field`` when one
input is at fault, and ``errors`` for schema validation) with its HTTP status.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from lyceum.accounts.api import router as accounts_router
from lyceum.analytics.api import router as analytics_router
from lyceum.commerce.api import router as commerce_router
from lyceum.community.api import router as community_router
from lyceum.community.api_events import router as events_router
from lyceum.community.api_groups import router as groups_router
from lyceum.core.errors import ApplicationError
from lyceum.core.throttling import AnonWindowThrottle, UserWindowThrottle
from lyceum.courses.api import router as courses_router
from lyceum.engagement.api import router as engagement_router
from lyceum.feedback.api import router as feedback_router
from lyceum.learning.api import router as learning_router
from lyceum.moderation.api import router as moderation_router
from lyceum.notifications.api import router as notifications_router
from lyceum.recommendations.api import router as recommendations_router

from .auth import default_auth

api = NinjaAPI(
    title="Lyceum API",
    version="1",
    urls_namespace="api-v1",
    auth=default_auth,
    throttle=[AnonWindowThrottle(settings.LYCEUM_API_RATE_ANON), UserWindowThrottle(settings.LYCEUM_API_RATE_USER)],
    docs_url="/docs",
)

api.add_router("/", accounts_router)
api.add_router("/", courses_router)
api.add_router("/", learning_router)
api.add_router("/", commerce_router)
api.add_router("/", community_router)
api.add_router("/", groups_router)
api.add_router("/", events_router)
api.add_router("/", notifications_router)
api.add_router("/", feedback_router)
api.add_router("/", analytics_router)
api.add_router("/", recommendations_router)
api.add_router("/", moderation_router)
api.add_router("/", engagement_router)


def _error(request: HttpRequest, status: int, payload: dict[str, object]) -> HttpResponse:
    return api.create_response(request, payload, status=status)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return _error(request, exc.status, exc.as_dict())


def _field_name(loc: list[object] | tuple[object, ...]) -> str:
    # ninja locations look like ("body", "payload", "weekly_hours") or ("query", "page").
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form", "file"}:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in {"payload", "data", "body"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [{"field": _field_name(e.get("loc", ())), "message": str(e.get("msg", ""))} for e in exc.errors]
    first = errors[0] if errors else {"field": "body", "message": "invalid"}
    return _error(
        request,
        422,
        {
            "detail": f"{first['field']}: {first['message']}",
            "code": "validation_error",
            "field": first["field"],
            "errors": errors,
        },
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ValueError):  # JSON (or encoding) the parser could not read
        return _error(
            request,
            422,
            {"detail": _("The request body is not valid JSON."), "code": "malformed_body", "field": "body"},
        )
    return _error(request, exc.status_code, {"detail": str(exc.message), "code": "http_error"})


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request,
        401,
        {"detail": _("Authentication credentials were not provided or are invalid."), "code": "not_authenticated"},
    )


@api.exception_handler(Throttled)
def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    response = _error(request, 429, {"detail": _("Too many requests. Please slow down."), "code": "rate_limited"})
    if exc.wait:
        response["Retry-After"] = str(int(exc.wait) + 1)
    return response


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, {"detail": _("Not found."), "code": "not_found"})


def not_found_view(request: HttpRequest, path: str = "") -> HttpResponse:
    """Unknown paths under /api/v1 answer in the API's error shape, not an HTML page."""
    from django.http import JsonResponse

    return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)

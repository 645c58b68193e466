"""Visit tracking for the funnel's first step (visit → sign-up → enroll → purchase → complete).

``visit.started`` is emitted once per browser session and platform day, on the first GET of an
HTML page (200) by someone not signed in: the funnel's top is prospects, so members moving
around the site are not "visits" (their activity is counted by UPT/DAU instead). No session
is created for it: a session cookie holds the day and a random token, and the event carries
only a hash of that token (no user, no IP, no user agent). Requests without a browser user
agent (bots, crawlers, scripts) and non-page paths are skipped.

Cost: one INSERT on the first page of the day of a visitor's browser, none otherwise.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from lyceum.core import events

from .rollup import platform_tz

COOKIE = "lyceum_visit"
SKIP_PREFIXES = ("/static/", "/media/", "/api/", "/healthz", "/admin/", "/favicon", "/robots.txt")
BOT = re.compile(r"bot|crawl|spider|slurp|curl|wget|python|headless|monitor|preview", re.IGNORECASE)


def visit_hash(token: str) -> str:
    return hashlib.sha256(f"visit:{token}".encode()).hexdigest()[:16]


class VisitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self._counts(request, response):
            today = timezone.now().astimezone(platform_tz()).date().isoformat()
            day, _, token = request.COOKIES.get(COOKIE, "").partition(".")
            if day != today:
                token = token if re.fullmatch(r"[0-9a-f]{32}", token) else secrets.token_hex(16)
                events.emit("visit.started", actor=None, visitor=visit_hash(token), landing=request.path[:200])
                response.set_cookie(
                    COOKIE, f"{today}.{token}", samesite="Lax", httponly=True, secure=request.is_secure()
                )
        return response

    @staticmethod
    def _counts(request: HttpRequest, response: HttpResponse) -> bool:
        if request.method != "GET" or response.status_code != 200 or getattr(request, "user", None) is None:
            return False
        if request.user.is_authenticated or request.path.startswith(SKIP_PREFIXES):
            return False
        if not response.get("Content-Type", "").startswith("text/html"):
            return False
        agent = request.headers.get("User-Agent", "")
        return bool(agent) and "Mozilla/" in agent and not BOT.search(agent)

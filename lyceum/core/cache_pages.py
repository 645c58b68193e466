"""Whole-page caching for anonymous visitors, and conditional GET, behind one version key.

* ``pages_version()`` is a random token kept in the cache. Event handlers (registered in
  ``CoreConfig.ready``) replace it whenever something a public page shows changes: a course
  published, updated or archived, a product's price, a review posted, edited or hidden...
  (``INVALIDATING_EVENTS``). Every cached copy and every ETag includes the token, so one bump
  retires them all; old copies simply expire. Handlers run after commit, so a page rendered
  before the bump is stored under the old token and never served again. An emit-time hook
  (``events.on_emit``) marks the emitting transaction: until it commits, ``changes_pending()``
  is true and the stored API answers are bypassed, since that transaction already sees its own
  writes while the token is still the old one.
* ``anonymous_page_cache`` (views): for a GET by a visitor who is not signed in and has no
  pending flash messages, answers ``If-None-Match`` with 304 and serves or stores the rendered
  200 response, keyed by language + absolute URL and stamped with the token (one ``get_many``
  reads both the token and the copy; a copy with an older token is a miss). Signed-in users never read or write
  the cache (their pages carry personal sections and offers). The CSRF tokens in a stored copy
  are replaced by a placeholder and each visitor gets their own on the way out.
* ``api_etag`` (django-ninja operations): ETag and 304 for public, non-personal API lists;
  with ``store=ItemSchema`` the JSON of each answer is kept too (byte-identical to ninja's).

What changes with time alone (a sale that ends, an event that passes) is bounded by
``LYCEUM_PAGE_CACHE_SECONDS``; a deploy that changes templates should run
``manage.py pages_invalidate`` (else browsers may keep revalidating old markup with 304s).
While the cache is unavailable (Redis down) nothing is cached and no ETag is sent: pages
render as without this module.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.csrf import get_token
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import get_language
from ninja.responses import NinjaJSONEncoder

from lyceum.core import events
from lyceum.core.cache import after_commit, cache_token, cache_token_retire, changed_in_transaction

logger = logging.getLogger(__name__)

VERSION_KEY = "pages:version"
_T = TypeVar("_T")

# Everything whose handlers retire every cached public page (home, catalog, course pages, course API).
INVALIDATING_EVENTS = (
    "course.published",
    "course.updated",
    "course.archived",
    "product.updated",
    "review.posted",
    "review.edited",
    "review.hidden",
    "review.replied",
    # the home page's upcoming events (seat counts are bounded by LYCEUM_PAGE_CACHE_SECONDS)
    "event.created",
    "event.updated",
    "event.cancelled",
)

_CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")([A-Za-z0-9]{32,64})(")')
_CSRF_PLACEHOLDER = b"__lyceum_csrf_token__"


# --- the version key ---------------------------------------------------------------------------


def pages_version() -> str | None:
    """The current token; None while the cache is unavailable (then nothing is cached)."""
    return cache_token(VERSION_KEY)


def pages_invalidate() -> None:
    """Retire every cached page and ETag."""
    cache_token_retire(VERSION_KEY)


# Edits of a course nobody outside its authors can see (a draft, a course in review) change no
# public page: they leave the cached copies alone, so authors at work do not empty the cache.
PRIVATE_COURSE_STATUSES = ("draft", "in_review")


def _on_change(event: Any) -> None:
    if event.name == "course.updated" and event.object_type == "courses.course" and event.object_id:
        from django.apps import apps  # core sits below courses: the model is looked up, not imported

        status = apps.get_model("courses", "Course").objects.filter(pk=event.object_id).values_list("status").first()
        if status is not None and status[0] in PRIVATE_COURSE_STATUSES:
            return
    pages_invalidate()


PENDING_TAG = "pages"


def _on_emit(event: Any) -> None:
    # Until the emitting transaction commits, this process must not trust the stored copies,
    # whose version is bumped only after the commit (a rollback drops the mark).
    after_commit(PENDING_TAG)


def changes_pending(using: str = DEFAULT_DB_ALIAS) -> bool:
    """True inside a transaction that emitted an invalidating event not yet committed: what it
    wrote is visible to this connection but the cached copies still carry the old token."""
    return changed_in_transaction(PENDING_TAG, using)


def register_handlers() -> None:
    for name in INVALIDATING_EVENTS:
        events.on(name)(_on_change)
        events.on_emit(name)(_on_emit)


def kept(key: str, build: Callable[[], _T]) -> _T:
    """``build()``, kept in the cache under the version token: for public, non-personal data that
    only ``INVALIDATING_EVENTS`` change (e.g. the catalog's category and tag counts). One round
    trip reads the token and the value; rebuilt (not stored) while the cache is unavailable or the
    current transaction has uncommitted invalidating changes (``changes_pending``)."""
    timeout = settings.LYCEUM_PAGE_CACHE_SECONDS
    if timeout <= 0 or changes_pending():
        return build()
    full = f"kept:{key}"
    version, stored = _lookup(full)
    if version is None:
        return build()
    if stored is not None:
        return stored["value"]  # type: ignore[no-any-return]
    value = build()
    cache.set(full, {"version": version, "value": value}, timeout=timeout)
    return value


# --- keys and ETags ----------------------------------------------------------------------------


def _digest(request: HttpRequest, version: str) -> str:
    raw = f"{version}|{get_language()}|{request.build_absolute_uri()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def etag_for(request: HttpRequest, version: str) -> str:
    # Weak: two copies are equivalent, not byte-identical (each visitor gets their own CSRF token).
    return f'W/"{_digest(request, version)}"'


def _matches(request: HttpRequest, etag: str) -> bool:
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    wanted = etag.removeprefix("W/")
    return any(tag == "*" or tag.removeprefix("W/") == wanted for tag in parse_etags(header))


def _not_modified(etag: str, vary: tuple[str, ...]) -> HttpResponseNotModified:
    response = HttpResponseNotModified()
    response["ETag"] = etag
    patch_vary_headers(response, vary)
    patch_cache_control(response, no_cache=True)
    return response


# --- pages -------------------------------------------------------------------------------------

PAGE_VARY = ("Cookie", "Accept-Language")


def _anonymous_and_clean(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if getattr(request, "user", None) is None or request.user.is_authenticated:
        return False
    if request.COOKIES.get("messages"):  # a flash message waits in the cookie storage...
        return False
    session = getattr(request, "session", None)
    return not (session is not None and session.get("_messages"))  # ...or in the session


# A view sets this attribute on its response to have ``replay(request, note)`` called whenever the
# stored copy is served instead of the view (the note is stored with the copy; a JSON-able dict).
NOTE_ATTRIBUTE = "page_cache_note"


def anonymous_page_cache(
    view: Callable[..., HttpResponse] | None = None,
    *,
    unless: Callable[[HttpRequest], bool] | None = None,
    replay: Callable[[HttpRequest, dict[str, Any]], None] | None = None,
) -> Any:
    """Decorate a public page view; ``unless(request)`` True skips the cache for that request.

    ``replay(request, note)``: what the view does besides rendering and must still do when the
    stored copy answers (e.g. record a search): the view puts ``note`` on its response as
    ``response.page_cache_note``, it is stored with the copy and handed to ``replay`` on each hit
    (and on each 304, which is then only answered while the copy and its note are stored)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            timeout = settings.LYCEUM_PAGE_CACHE_SECONDS
            usable = timeout > 0 and _anonymous_and_clean(request) and not (unless and unless(request))
            key = f"page:{_digest(request, '')}" if usable else ""
            version, stored = _lookup(key) if usable else (None, None)
            if version is None:
                response = view(request, *args, **kwargs)
                patch_vary_headers(response, PAGE_VARY)
                return response

            etag = etag_for(request, version)
            if _matches(request, etag) and (replay is None or stored is not None):
                _replay(replay, request, stored)
                return _not_modified(etag, PAGE_VARY)
            if stored is not None:
                _replay(replay, request, stored)
                response = HttpResponse(
                    stored["content"].replace(_CSRF_PLACEHOLDER, get_token(request).encode()),
                    content_type=stored["content_type"],
                )
            else:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                _store(request, key, version, response, timeout)
            if response.status_code == 200:
                response["ETag"] = etag
            patch_vary_headers(response, PAGE_VARY)
            # ``private``: a shared cache must not hand one visitor's CSRF token to another
            patch_cache_control(response, private=True, no_cache=True)
            return response

        return wrapper

    return decorate(view) if view is not None else decorate


def _replay(
    replay: Callable[[HttpRequest, dict[str, Any]], None] | None, request: HttpRequest, stored: dict[str, Any] | None
) -> None:
    note = stored.get("note") if stored is not None else None
    if replay is not None and note:
        replay(request, note)


def _lookup(key: str) -> tuple[str | None, dict[str, Any] | None]:
    """The current token and the stored copy of a page, in one round trip: a copy stored under an
    older token is ignored (and overwritten by the next render)."""
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    if version is None:
        return pages_version(), None
    stored = found.get(key)
    if stored is None or stored.get("version") != str(version):
        return str(version), None
    return str(version), stored


def _store(request: HttpRequest, key: str, version: str, response: HttpResponse, timeout: int) -> None:
    if response.status_code != 200 or response.streaming or response.cookies:
        return
    content = response.content
    content, replaced = _CSRF_INPUT.subn(rb"\1" + _CSRF_PLACEHOLDER + rb"\3", content)
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") and not replaced:
        return  # the token went somewhere we cannot find: do not share it
    stored = {"version": version, "content": content, "content_type": response["Content-Type"]}
    note = getattr(response, NOTE_ATTRIBUTE, None)
    if note:
        stored["note"] = note
    cache.set(key, stored, timeout=timeout)


# --- API ---------------------------------------------------------------------------------------

API_VARY = ("Accept-Language",)


def api_etag(func: Callable[..., Any] | None = None, *, store: Any = None) -> Any:
    """ETag and 304 for a public django-ninja GET operation whose output depends only on the URL,
    the language and what ``INVALIDATING_EVENTS`` announce. Put it between ``@router.get`` and
    ``@paginate``; the operation must accept ``response: HttpResponse`` (ninja's temporal one).

    ``store=ItemSchema`` (a paginated operation): the JSON of each answer is also kept under the
    version token, keyed like the pages, so a repeat costs no query and no serialisation. The
    items are dumped through ``ItemSchema`` and rendered as ninja's JSON renderer does (the same
    bytes). Inside a transaction that has emitted an invalidating event not yet committed
    (``changes_pending``) the stored copies are neither read nor written: the token is bumped
    only after the commit, and that transaction already sees its own writes."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(request: HttpRequest, **kwargs: Any) -> Any:
            version = pages_version()
            if version is None:
                return func(request, **kwargs)
            etag = etag_for(request, version)
            if _matches(request, etag):
                return _not_modified(etag, API_VARY)
            temporal = kwargs.get("response")
            if not isinstance(temporal, HttpResponse):
                return func(request, **kwargs)
            temporal["ETag"] = etag
            patch_vary_headers(temporal, API_VARY)
            patch_cache_control(temporal, no_cache=True)
            if store is None or changes_pending():
                return func(request, **kwargs)
            key = f"api:{_digest(request, version)}"
            content = cache.get(key)
            if content is None:
                result = func(request, **kwargs)
                if not (isinstance(result, dict) and set(result) == {"items", "count"}):
                    return result  # not a page of items (an error answer...): ninja renders it
                data = {
                    "items": [store.from_orm(item).model_dump() for item in result["items"]],
                    "count": result["count"],
                }
                content = json.dumps(data, cls=NinjaJSONEncoder).encode()
                cache.set(key, content, timeout=settings.LYCEUM_PAGE_CACHE_SECONDS)
            temporal.content = content
            return temporal

        return wrapper

    return decorate(func) if func is not None else decorate

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from lyceum.accounts.mfa_cache import connect as _connect_mfa_cache
from lyceum.accounts.roles_cache import connect as _connect_roles_cache
from lyceum.accounts.roles_cache import user_roles_prime
from lyceum.accounts.selectors import user_must_enable_mfa
from lyceum.accounts.user_cache import connect as _connect_user_cache
from lyceum.accounts.user_cache import session_user

_connect_roles_cache()  # also done in AccountsConfig.ready; connecting twice is a no-op (dispatch_uid)
_connect_user_cache()
_connect_mfa_cache()


def _session_user(request: HttpRequest) -> object:
    if not hasattr(request, "_cached_user"):
        request._cached_user = session_user(request)  # type: ignore[attr-defined]
    return request._cached_user  # type: ignore[attr-defined]


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, with the user's row from the cache (``lyceum.accounts.user_cache``): the same
    session checks (active, auth hash, fallback keys) without a query per request."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _session_user(request))  # type: ignore[assignment]


class UserPreferencesMiddleware:
    """Signed-in users see pages in their own language and timezone.

    The language cookie (set by the switcher) still wins, so a one-off switch works
    before the profile is saved; with no cookie the profile's locale beats the
    browser's Accept-Language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            if user.locale and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
                translation.activate(user.locale)
                request.LANGUAGE_CODE = translation.get_language()
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


# Paths a staff member without two-factor sign-in may still reach.
_MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/healthz", "/media/")


class StaffMFARequiredMiddleware:
    """Staff roles must turn on two-factor sign-in before they use anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The roles once per request, from the cache (no query on a hit): this check and the
        # navigation's context processor both read them from the user object.
        user_roles_prime(getattr(request, "user", None))
        if request.path.startswith(_MFA_EXEMPT_PREFIXES) or not user_must_enable_mfa(user=request.user):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Turn on two-factor sign-in to use this account."), "code": "mfa_required"},
                status=403,
            )
        messages.warning(request, _("Your role requires two-factor sign-in. Please set it up to continue."))
        return redirect("mfa_activate_totp")

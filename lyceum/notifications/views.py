"""The notification centre, preferences, one-click unsubscribe and the bell's unread count.

Opening a notification is a GET (``/notifications/<pk>/open/``) that marks it read and
redirects to its target, so list links and e-mail links are plain links; marking read is
idempotent and harmless. The unsubscribe URL applies on GET (a human's one click) and on
POST (RFC 8058 one-click from mail clients, without a CSRF token: the signed token is the
credential); both show the same confirmation page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lyceum.core.errors import ApplicationError, NotFound
from lyceum.core.forms import form_add_application_error

from . import selectors, services
from .forms import PreferencesForm
from .kinds import notification_text
from .models import Kind

PER_PAGE = 20


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notification_list_for_user(user=request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    items = [(n, notification_text(n)) for n in page.object_list]
    return render(request, "notifications/notification_list.html", {"page": page, "items": items})


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        notification = services.notification_mark_read(actor=request.user, notification_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect("notifications:list")
    return redirect(target)


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(actor=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")


@never_cache
@require_GET
def unread_count(request: HttpRequest) -> JsonResponse:
    """``{"unread": n}`` for the header bell (polled by ``static/js/notifications.js``)."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": _("Sign in to see your notifications."), "code": "not_authenticated"},
                            status=401)  # fmt: skip
    return JsonResponse({"unread": selectors.unread_count(user=request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial: dict[str, object] = dict(selectors.channels_for_user(user_id=user.pk))
    initial["daily_digest"] = selectors.delivery_settings_for_user(user_id=user.pk).daily_digest
    form = PreferencesForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_save(
                actor=user, channels=form.channels(), daily_digest=form.cleaned_data["daily_digest"]
            )
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences_form.html", {"form": form})


@csrf_exempt  # RFC 8058 one-click POST from mail clients; the signed token is the credential
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        result = services.unsubscribe(token=token)
    except ApplicationError as exc:
        return render(request, "notifications/unsubscribe.html", {"error": exc.message}, status=400)
    kind_names = [str(Kind(kind).label) for kind in result.kinds]
    response = render(request, "notifications/unsubscribe.html", {"result": result, "kind_names": kind_names})
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    return response

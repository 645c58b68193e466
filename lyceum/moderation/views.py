"""Moderation pages for members and visitors: the community rules, reporting, a member's own
moderation notices and appeals, and the copyright (侵权) complaint form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lyceum.core.errors import ApplicationError, NotFound, PermissionDenied, RateLimited
from lyceum.core.forms import form_add_application_error
from lyceum.core.ratelimit import client_ip

from .forms import AppealForm, ReportForm, RulesAcceptForm, TakedownForm
from .models import Action, Report, TakedownRequest
from .selectors import has_accepted_rules, rules_in_force
from .selectors_queue import active_sanctions, member_notices, my_reports
from .services import appeals, reports, rules, takedowns
from .services.appeals import action_appealable
from .targets import REPORTABLE, target_get, target_readable


def safe_next(request: HttpRequest, value: str, default: str) -> str:
    """``value`` when it is an address on this site, else ``default``."""
    if value and url_has_allowed_host_and_scheme(value, {request.get_host()}, require_https=request.is_secure()):
        return value
    return default


# --- the community rules ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def rules_page(request: HttpRequest) -> HttpResponse:
    current = rules_in_force()
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next", ""), "")
    form = None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(reverse("moderation:rules"))
        form = RulesAcceptForm(request.POST)
        if form.is_valid():
            try:
                rules.rules_accept(actor=request.user, version=form.cleaned_data["version"])
            except ApplicationError as exc:
                if isinstance(exc, NotFound):
                    raise Http404(exc.message) from exc
                messages.error(request, exc.message)
                return redirect(request.get_full_path())
            messages.success(request, _("Thank you: you accepted the community rules."))
            return redirect(next_url or reverse("moderation:rules"))
    accepted = request.user.is_authenticated and has_accepted_rules(request.user)
    zh = (get_language() or "").startswith("zh")
    if current is not None and request.user.is_authenticated and not accepted and form is None:
        form = RulesAcceptForm(initial={"version": current.version, "next": next_url})
    return render(
        request,
        "moderation/rules.html",
        {
            "rules": current,
            "body_html": (current.body_zh_html if zh else current.body_en_html) if current else "",
            "accepted": accepted,
            "form": form,
            "next": next_url,
        },
    )


# --- reports ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind not in REPORTABLE:
        raise Http404
    try:
        target = target_get(kind=kind, target_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if not target_readable(request.user, target):
        raise Http404
    if target.author is not None and target.author.pk == request.user.pk:
        raise DjangoPermissionDenied
    default_next = safe_next(request, request.GET.get("next", ""), target.url)
    form = ReportForm(request.POST or None, initial={"next": default_next})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            reports.report_file(
                actor=request.user, kind=kind, target_id=pk,
                reason=form.cleaned_data["reason"], note=form.cleaned_data["note"],
            )  # fmt: skip
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            raise DjangoPermissionDenied from exc
        except ApplicationError as exc:
            form_add_application_error(form, exc)
            status = 429 if isinstance(exc, RateLimited) else 422
        else:
            messages.success(request, _("Thank you. The moderators will look at it."))
            return redirect(safe_next(request, form.cleaned_data.get("next", ""), target.url))
    elif request.method == "POST":
        status = 422
    already = Report.objects.filter(reporter=request.user, target_kind=kind, target_id=pk).exists()
    return render(
        request, "moderation/report.html", {"target": target, "form": form, "already": already}, status=status
    )


# --- a member's own notices and appeals ---------------------------------------------------------


@login_required
def my_notices(request: HttpRequest) -> HttpResponse:
    actions = member_notices(user=request.user)
    rows = [{"action": a, "appeal": getattr(a, "appeal", None), "appealable": action_appealable(a)} for a in actions]
    return render(
        request,
        "moderation/my_notices.html",
        {
            "rows": rows,
            "sanctions": active_sanctions(user=request.user),
            "reports": my_reports(user=request.user),
            "form": AppealForm(),
        },
    )


@login_required
@require_POST
def appeal(request: HttpRequest, action_id: int) -> HttpResponse:
    action = Action.objects.filter(pk=action_id, subject_id=request.user.pk).first()
    if action is None:
        raise Http404
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            appeals.appeal_file(actor=request.user, action=action, text=form.cleaned_data["text"])
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(f"{reverse('moderation:my-notices')}#action-{action.pk}")
        messages.success(request, _("Your appeal was sent. A moderator will decide."))
    else:
        messages.error(request, _("Say why the decision should change."))
    return redirect(f"{reverse('moderation:my-notices')}#action-{action.pk}")


# --- copyright complaints -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def copyright_form(request: HttpRequest) -> HttpResponse:
    form = TakedownForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                made = takedowns.takedown_request(
                    actor=request.user, client_key=client_ip(request), **form.cleaned_data
                )
            except ApplicationError as exc:
                form_add_application_error(form, exc)
                status = 429 if isinstance(exc, RateLimited) else 422
            else:
                return redirect(f"{reverse('moderation:copyright')}?sent={made.pk}")
        else:
            status = 422
    sent = request.GET.get("sent", "")
    mine = (
        list(TakedownRequest.objects.filter(submitted_by=request.user).order_by("-created_at")[:20])
        if request.user.is_authenticated
        else []
    )
    return render(
        request,
        "moderation/copyright.html",
        {"form": form, "sent": sent if sent.isdigit() else "", "mine": mine},
        status=status,
    )

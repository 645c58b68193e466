from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lyceum.core import hooks
from lyceum.core.errors import ApplicationError, NotFound
from lyceum.core.forms import form_add_application_error

from . import selectors, services
from .decorators import role_required
from .forms import DeleteAccountForm, ProfileForm, SurveyForm
from .models import Role


@login_required
def survey(request: HttpRequest) -> HttpResponse:
    profile = selectors.learner_profile_for_user(user=request.user)
    topics = list(selectors.topic_list())
    form = SurveyForm(request.POST or None, topics=topics, profile=profile)
    if request.method == "POST" and form.is_valid():
        answers = services.SurveyAnswers(
            goals=form.cleaned_data["goals"],
            interests=form.interests(),
            weekly_hours=form.cleaned_data["weekly_hours"],
            formats=form.cleaned_data["formats"],
            study_time=form.cleaned_data["study_time"],
        )
        try:
            services.learner_profile_save(actor=request.user, user=request.user, answers=answers)
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("Thanks! We will use your answers to suggest courses and groups."))
            return redirect(_next_url(request, settings.LOGIN_REDIRECT_URL))
    first_time = profile is None or not profile.is_answered
    return render(request, "accounts/survey_form.html", {"form": form, "first_time": first_time})


@require_POST
@login_required
def survey_skip(request: HttpRequest) -> HttpResponse:
    services.learner_profile_skip(user=request.user)
    messages.info(request, _("You can answer the survey any time from your profile."))
    return redirect(settings.LOGIN_REDIRECT_URL)


@login_required
def member_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    """A member's public page: for signed-in members only (a paid community's people are not
    public); apps add sections through the ``member_profile.sections`` hook."""
    try:
        page = selectors.member_page_get(viewer=request.user, user_id=user_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    sections = hooks.collect("member_profile.sections", member=page.member, viewer=request.user)
    return render(request, "accounts/member_detail.html", {"page": page, "member": page.member, "sections": sections})


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm.for_user(user, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update_profile(
                actor=user,
                user=user,
                display_name=data["display_name"],
                bio=data["bio"],
                locale=data["locale"],
                timezone_name=data["timezone"],
                avatar=data.get("avatar") or None,
                remove_avatar=data["remove_avatar"],
            )
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("Your profile was saved."))
            response = redirect("accounts:profile")
            if data["locale"]:
                response.set_cookie("django_language", data["locale"], samesite="Lax", max_age=365 * 86400)
            return response
    profile = selectors.learner_profile_for_user(user=user)
    return render(request, "accounts/profile_form.html", {"form": form, "learner_profile": profile})


@login_required
def privacy(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(user=request.user)
    return render(request, "accounts/privacy.html", {"form": form})


@require_POST
@login_required
def data_export(request: HttpRequest) -> HttpResponse:
    data = services.user_export_data(user=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="lyceum-my-data.json"'
    return response


@require_POST
@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(request, "accounts/privacy.html", {"form": form}, status=400)
    user = request.user
    logout(request)
    services.user_erase(actor=user, user=user)
    messages.success(request, _("Your account was deleted. Thank you for learning with us."))
    return redirect("core:home")


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    new_key = None
    if request.method == "POST":
        try:
            if "revoke" in request.POST:
                services.token_revoke(actor=request.user, token_id=int(request.POST["revoke"]))
                messages.success(request, _("The token was revoked."))
                return redirect("accounts:tokens")
            _token, new_key = services.token_create(user=request.user, name=request.POST.get("name", ""))
        except ValueError:
            messages.error(request, _("Invalid request."))
        except ApplicationError as exc:
            messages.error(request, exc.message)
    token_list = selectors.tokens_for_user(user=request.user)
    return render(request, "accounts/token_list.html", {"tokens": token_list, "new_key": new_key})


@role_required(Role.OPERATOR)
def needs_overview(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/needs_overview.html", {"summary": selectors.survey_aggregate()})


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default)


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's set_language, plus remembering the choice on the signed-in user's profile."""
    from django.views.i18n import set_language

    response = set_language(request)
    lang = request.POST.get("language", "")
    if request.user.is_authenticated and lang in dict(settings.LANGUAGES):
        services.user_set_locale(user=request.user, locale=lang)
    return response

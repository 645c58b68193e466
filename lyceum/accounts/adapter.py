"""Hooks into django-allauth so sign-up and sign-in go through our services."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation

from lyceum.core.mail import mail_send

from . import services
from .selectors import user_needs_survey


def _request_locale(request: HttpRequest) -> str:
    lang = getattr(request, "LANGUAGE_CODE", "") or translation.get_language() or ""
    return lang if lang in dict(settings.LANGUAGES) else ""


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.LYCEUM_SIGNUP_OPEN)

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=False)
        user.display_name = (form.cleaned_data.get("display_name") or "").strip()[:80]
        if commit:
            services.user_signup_complete(user=user, method="password", locale=_request_locale(request))
        return user

    def login(self, request: HttpRequest, user: Any) -> None:
        super().login(request, user)
        services.user_record_sign_in(user=user, method="web")

    def logout(self, request: HttpRequest) -> None:
        user = request.user
        if user.is_authenticated:
            services.user_record_sign_out(user=user)  # type: ignore[arg-type]
        super().logout(request)

    def confirm_email(self, request: HttpRequest, email_address: Any) -> bool:
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            services.user_record_email_verified(user=email_address.user, email=email_address.email)
        return confirmed

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's e-mails (address confirmation, password reset, security notices): rendered
        here, in the request's language, then sent off the request by ``core.mail.mail_send``
        (a Celery task when a broker is configured; in-process in the embedded runtime)."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        mail_send(self.render_mail(template_prefix, email, ctx))

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if user_needs_survey(user=request.user):
            return reverse("accounts:survey")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        if request.user.is_authenticated:
            return reverse("accounts:survey")
        return super().get_signup_redirect_url(request)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def save_user(self, request: HttpRequest, sociallogin: Any, form: Any = None) -> Any:
        user = sociallogin.user
        if not user.display_name:
            extra = sociallogin.account.extra_data or {}
            user.display_name = str(extra.get("name") or extra.get("nickname") or extra.get("login") or "")[:80]
        user = super().save_user(request, sociallogin, form)
        services.user_signup_complete(
            user=user, method=f"social:{sociallogin.account.provider}", locale=_request_locale(request)
        )
        return user

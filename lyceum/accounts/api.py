from __future__ import annotations

from datetime import datetime

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.throttling import AnonRateThrottle

from lyceum.core.errors import NotAuthenticated, PermissionDenied, ValidationFailed
from lyceum.core.markdown import render_markdown

from . import selectors, services
from .models import ApiToken, LearnerProfile, Role, User

router = Router(tags=["accounts"])


# --- Schemas --------------------------------------------------------------------------------


class TokenIn(Schema):
    email: str = Field(..., max_length=254)
    password: str = Field(..., max_length=4096)
    name: str = Field("", max_length=80)
    otp: str = Field("", max_length=32, description="Authenticator or recovery code, for accounts with 2FA.")
    expires_in_days: int | None = Field(None, ge=1, le=3650)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="The bearer key. Shown once; store it safely.")


class MeOut(Schema):
    id: int
    email: str
    display_name: str
    bio: str
    bio_html: str
    avatar_url: str | None
    locale: str
    timezone: str
    roles: list[str]
    date_joined: datetime
    two_factor: bool


class TopicOut(Schema):
    slug: str
    name: str


class InterestSchema(Schema):
    topic: str = Field(..., max_length=50)
    level: str = Field("beginner", max_length=16)


class ProfileIn(Schema):
    goals: list[str] = Field(default_factory=list, max_length=10)
    interests: list[InterestSchema] = Field(default_factory=list, max_length=50)
    weekly_hours: int | None = None
    formats: list[str] = Field(default_factory=list, max_length=10)
    study_time: str = Field("", max_length=16)


class ProfileOut(Schema):
    goals: list[str]
    interests: list[InterestSchema]
    weekly_hours: int | None
    formats: list[str]
    study_time: str
    completed_at: datetime | None
    skipped_at: datetime | None


# --- Helpers -----------------------------------------------------------------------------------


def _token_out(token: ApiToken) -> dict[str, object]:
    return {f: getattr(token, f) for f in TokenOut.model_fields}


def _profile_out(profile: LearnerProfile | None) -> dict[str, object]:
    if profile is None:
        return {
            "goals": [], "interests": [], "weekly_hours": None, "formats": [],
            "study_time": "", "completed_at": None, "skipped_at": None,
        }  # fmt: skip
    return {
        "goals": [g.goal for g in profile.goals.all()],
        "interests": [{"topic": i.topic.slug, "level": i.level} for i in profile.interests.all()],
        "weekly_hours": profile.weekly_hours,
        "formats": [f.format for f in profile.formats.all()],
        "study_time": profile.study_time,
        "completed_at": profile.completed_at,
        "skipped_at": profile.skipped_at,
    }


def _check_second_factor(user: User, code: str) -> None:
    authenticators = list(Authenticator.objects.filter(user=user))
    if not authenticators:
        required = set(settings.LYCEUM_MFA_REQUIRED_ROLES)
        if required and (user.is_staff or required & user.roles):
            raise PermissionDenied(_("Turn on two-factor sign-in before creating API tokens."), code="mfa_required")
        return
    if not code:
        raise ValidationFailed(_("This account uses two-factor sign-in: send the code as otp."), field="otp")
    for authenticator in authenticators:
        if authenticator.wrap().validate_code(code.strip()):
            return
    raise NotAuthenticated(_("The two-factor code is not correct."), code="invalid_otp")


# --- Endpoints ------------------------------------------------------------------------------------


@router.post(
    "/auth/token",
    auth=None,
    response={201: TokenCreatedOut},
    throttle=[AnonRateThrottle(settings.LYCEUM_API_RATE_TOKEN_ISSUE)],
    summary="Exchange e-mail and password for a bearer token",
)
def token_issue(request: HttpRequest, payload: TokenIn) -> Status:
    user = authenticate(request, email=payload.email.strip().lower(), password=payload.password)
    if user is None or not user.is_active:
        raise NotAuthenticated(_("E-mail or password is not correct."), code="invalid_credentials")
    _check_second_factor(user, payload.otp)
    token, key = services.token_create(user=user, name=payload.name, expires_in_days=payload.expires_in_days)
    return Status(201, {**_token_out(token), "token": key})


@router.get("/auth/tokens", response=list[TokenOut], summary="Your tokens")
def token_list(request: HttpRequest) -> list[dict[str, object]]:
    return [_token_out(t) for t in selectors.tokens_for_user(user=request.auth)]


@router.delete("/auth/tokens/{token_id}", response=TokenOut, summary="Revoke one of your tokens")
def token_revoke(request: HttpRequest, token_id: int) -> dict[str, object]:
    return _token_out(services.token_revoke(actor=request.auth, token_id=token_id))


@router.get("/me", response=MeOut, summary="The signed-in user")
def me(request: HttpRequest) -> dict[str, object]:
    user: User = request.auth
    return {
        "id": user.pk,
        "email": user.email,
        "display_name": user.display_name,
        "bio": user.bio,
        "bio_html": str(render_markdown(user.bio)),
        "avatar_url": user.avatar.url if user.avatar else None,
        "locale": user.locale,
        "timezone": user.timezone,
        "roles": sorted(user.roles | ({Role.OPERATOR.value} if user.is_superuser else set())),
        "date_joined": user.date_joined,
        "two_factor": Authenticator.objects.filter(user=user).exists(),
    }


@router.get("/me/profile", response=ProfileOut, summary="Your needs-survey answers")
def profile_get(request: HttpRequest) -> dict[str, object]:
    return _profile_out(selectors.learner_profile_for_user(user=request.auth))


@router.put("/me/profile", response=ProfileOut, summary="Replace your needs-survey answers")
def profile_put(request: HttpRequest, payload: ProfileIn) -> dict[str, object]:
    user: User = request.auth
    interests = {i.topic: i.level for i in payload.interests}
    if len(interests) != len(payload.interests):
        raise ValidationFailed(_("Each topic may appear once."), field="interests")
    answers = services.SurveyAnswers(
        goals=payload.goals,
        interests=interests,
        weekly_hours=payload.weekly_hours,
        formats=payload.formats,
        study_time=payload.study_time,
    )
    services.learner_profile_save(actor=user, user=user, answers=answers)
    return _profile_out(selectors.learner_profile_for_user(user=user))


@router.get("/topics", response=list[TopicOut], auth=None, summary="Interest topics for the survey")
def topics(request: HttpRequest) -> list[dict[str, str]]:
    return [{"slug": t.slug, "name": t.name} for t in selectors.topic_list()]

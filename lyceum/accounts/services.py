"""Every write to accounts data goes through these functions."""

from __future__ import annotations

import hashlib
import secrets
import uuid
import zoneinfo
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.core import events, screening
from lyceum.core.errors import PermissionDenied, ValidationFailed

from .models import (
    MAX_WEEKLY_HOURS,
    ApiToken,
    Format,
    Goal,
    LearnerFormat,
    LearnerGoal,
    LearnerProfile,
    Level,
    Role,
    StudyTime,
    Topic,
    TopicInterest,
    User,
)

# Pillow's format name -> the extension we store. SVG is never accepted (it can carry script).
ALLOWED_AVATAR_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


# --- Sign-up, sign-in, roles -------------------------------------------------------------


@transaction.atomic
def user_signup_complete(*, user: User, method: str = "password", locale: str = "") -> User:
    """Finish a sign-up started by the sign-up form (or a social login): save, role, event."""
    if locale and not user.locale and locale in dict(settings.LANGUAGES):
        user.locale = locale
    if not user.display_name:
        user.display_name = user.email.split("@")[0][:80]
    user.save()
    role_grant(actor=None, user=user, role=Role.LEARNER)
    events.emit("user.signed_up", actor=user, obj=user, at=user.date_joined, method=method)
    return user


@transaction.atomic
def user_create(
    *,
    email: str,
    display_name: str,
    password: str | None = None,
    password_hash: str | None = None,
    roles: tuple[str, ...] = (Role.LEARNER,),
    locale: str = "",
    timezone_name: str = "Asia/Shanghai",
    joined_at: Any = None,
    method: str = "admin",
) -> User:
    """Create an account with a verified e-mail (operators' invitations, imports, the demo)."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationFailed(_("An account with this e-mail already exists."), field="email")
    user = User(email=email, display_name=display_name[:80], locale=_validate_locale(locale))
    user.timezone = _validate_timezone(timezone_name)
    if joined_at is not None:
        user.date_joined = joined_at
    if password_hash:
        user.password = password_hash
    else:
        user.set_password(password)
    user_signup_complete(user=user, method=method)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    for role in roles:
        if role != Role.LEARNER:
            role_grant(actor=None, user=user, role=role)
    return user


def user_record_sign_in(*, user: User, method: str = "password") -> None:
    events.emit("user.signed_in", actor=user, obj=user, method=method)


def user_record_sign_out(*, user: User) -> None:
    events.emit("user.signed_out", actor=user, obj=user)


def user_record_email_verified(*, user: User, email: str) -> None:
    events.emit("user.email_verified", actor=user, obj=user)


@transaction.atomic
def role_grant(*, actor: User | None, user: User, role: str) -> None:
    if role not in Role.values:
        raise ValidationFailed(_("Unknown role."), field="role")
    if actor is not None and not actor.has_role(Role.OPERATOR):
        raise PermissionDenied(_("Only operators can change roles."))
    group, _created = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    if role == Role.OPERATOR and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.__dict__.pop("roles", None)


@transaction.atomic
def role_revoke(*, actor: User, user: User, role: str) -> None:
    if not actor.has_role(Role.OPERATOR):
        raise PermissionDenied(_("Only operators can change roles."))
    user.groups.remove(*Group.objects.filter(name=role))
    if role == Role.OPERATOR and not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    user.__dict__.pop("roles", None)


# --- Profile ------------------------------------------------------------------------------


def _validate_locale(locale: str) -> str:
    if locale and locale not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Unsupported language."), field="locale")
    return locale


def _validate_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(_("Unknown time zone."), field="timezone") from exc
    return name


def _validate_avatar(avatar: UploadedFile) -> str:
    """Check size and real content; returns the extension to store the image under."""
    from PIL import Image, UnidentifiedImageError

    if avatar.size is None or avatar.size > settings.LYCEUM_MAX_AVATAR_BYTES:
        limit_mb = settings.LYCEUM_MAX_AVATAR_BYTES // (1024 * 1024)
        raise ValidationFailed(_("The image is larger than %(mb)s MB.") % {"mb": limit_mb}, field="avatar")
    try:
        avatar.seek(0)
        with Image.open(avatar) as image:
            image.verify()
            kind = image.format
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationFailed(_("Upload a valid PNG, JPEG, WebP or GIF image."), field="avatar") from exc
    if kind not in ALLOWED_AVATAR_FORMATS:
        raise ValidationFailed(_("Upload a valid PNG, JPEG, WebP or GIF image."), field="avatar")
    avatar.seek(0)
    return ALLOWED_AVATAR_FORMATS[kind]


@transaction.atomic
def user_update_profile(
    *,
    actor: User,
    user: User,
    display_name: str | None = None,
    bio: str | None = None,
    locale: str | None = None,
    timezone_name: str | None = None,
    avatar: UploadedFile | None = None,
    remove_avatar: bool = False,
) -> User:
    if actor.pk != user.pk:
        raise PermissionDenied(_("You can only edit your own profile."))
    changed: list[str] = []
    before = (user.display_name, user.bio)
    if display_name is not None:
        display_name = display_name.strip()
        if not display_name:
            raise ValidationFailed(_("Display name cannot be empty."), field="display_name")
        if len(display_name) > 80:
            raise ValidationFailed(_("Display name is at most 80 characters."), field="display_name")
    if bio is not None and len(bio) > 2000:
        raise ValidationFailed(_("Bio is at most 2000 characters."), field="bio")
    locale = _validate_locale(locale) if locale is not None else None
    timezone_name = _validate_timezone(timezone_name) if timezone_name is not None else None
    extension = _validate_avatar(avatar) if avatar is not None else ""
    new_name = display_name if display_name is not None else before[0]
    new_bio = bio if bio is not None else before[1]
    verdict = screening.Verdict()
    if (new_name, new_bio) != before:
        # moderation's look at the public text (a provider may refuse with an ApplicationError)
        verdict = screening.screen(author=actor, kind="profile", text=f"{new_name}\n\n{new_bio}", obj=user)
    if display_name is not None:
        user.display_name = display_name
        changed.append("display_name")
    if bio is not None:
        user.bio = bio
        changed.append("bio")
    if locale is not None:
        user.locale = locale
        changed.append("locale")
    if timezone_name is not None:
        user.timezone = timezone_name
        changed.append("timezone")
    if avatar is not None:
        old_avatar = user.avatar.name
        user.avatar.save(f"{uuid.uuid4().hex}.{extension}", avatar, save=False)
        changed.append("avatar")
        if old_avatar:  # the replaced file goes once the new one is committed (on disk or in the bucket)
            storage = user.avatar.storage
            transaction.on_commit(lambda: storage.delete(old_avatar))
    elif remove_avatar and user.avatar:
        user.avatar.delete(save=False)
        changed.append("avatar")
    if verdict.held and user.profile_hidden_at is None:
        # the bio is stored, but others see neither it nor the avatar until a moderator approves
        user.profile_hidden_at = timezone.now()
        user.save(update_fields=["profile_hidden_at"])
    if changed:
        user.save(update_fields=changed)
        events.emit("user.profile_updated", actor=actor, obj=user, fields=sorted(changed), screen=verdict.as_props())
    return user


@transaction.atomic
def profile_set_hidden(*, actor: User | None, user: User, hidden: bool, note: str = "") -> User:
    """Hide a member's bio and avatar from others after moderation (or show them again).
    ``actor``: a moderator or operator, or None when the system acts (member reports)."""
    if actor is not None and not (actor.has_role(Role.MODERATOR) or actor.has_role(Role.OPERATOR)):
        raise PermissionDenied(_("Only moderators and operators can hide profiles."))
    locked = User.objects.select_for_update().get(pk=user.pk)
    if (locked.profile_hidden_at is not None) == hidden:
        return locked
    locked.profile_hidden_at = timezone.now() if hidden else None
    locked.save(update_fields=["profile_hidden_at"])
    events.emit("profile.hidden" if hidden else "profile.unhidden", actor=actor, obj=locked, note=str(note)[:200])
    return locked


def user_set_locale(*, user: User, locale: str) -> None:
    _validate_locale(locale)
    if user.locale != locale:
        user.locale = locale
        user.save(update_fields=["locale"])
        events.emit("user.locale_changed", actor=user, obj=user, locale=locale)


# --- Needs survey ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyAnswers:
    goals: list[str]
    interests: dict[str, str]  # topic slug -> level
    weekly_hours: int | None
    formats: list[str]
    study_time: str


def _clean_survey(answers: SurveyAnswers) -> SurveyAnswers:
    goals = list(dict.fromkeys(answers.goals))
    if bad := [g for g in goals if g not in Goal.values]:
        raise ValidationFailed(_("Unknown goal: %(v)s") % {"v": ", ".join(bad)}, field="goals")
    formats = list(dict.fromkeys(answers.formats))
    if bad := [f for f in formats if f not in Format.values]:
        raise ValidationFailed(_("Unknown format: %(v)s") % {"v": ", ".join(bad)}, field="formats")
    if answers.study_time and answers.study_time not in StudyTime.values:
        raise ValidationFailed(_("Unknown study time."), field="study_time")
    hours = answers.weekly_hours
    if hours is not None and (
        isinstance(hours, bool) or not isinstance(hours, int) or not 0 <= hours <= MAX_WEEKLY_HOURS
    ):
        raise ValidationFailed(
            _("Weekly hours must be a whole number from 0 to %(max)s.") % {"max": MAX_WEEKLY_HOURS},
            field="weekly_hours",
        )
    if bad := [lvl for lvl in answers.interests.values() if lvl not in Level.values]:
        raise ValidationFailed(_("Unknown level: %(v)s") % {"v": ", ".join(bad)}, field="interests")
    return SurveyAnswers(goals, dict(answers.interests), hours, formats, answers.study_time)


@transaction.atomic
def learner_profile_save(*, actor: User, user: User, answers: SurveyAnswers, at: Any = None) -> LearnerProfile:
    """Store the needs survey answers (first time or later edits); emits ``survey.completed``."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("You can only answer the survey for yourself."))
    answers = _clean_survey(answers)
    topics = {t.slug: t for t in Topic.objects.filter(slug__in=answers.interests)}
    if missing := sorted(set(answers.interests) - set(topics)):
        raise ValidationFailed(_("Unknown topic: %(v)s") % {"v": ", ".join(missing)}, field="interests")

    profile, _created = LearnerProfile.objects.select_for_update().get_or_create(user=user)
    first_time = profile.completed_at is None
    profile.weekly_hours = answers.weekly_hours
    profile.study_time = answers.study_time
    profile.completed_at = profile.completed_at or at or timezone.now()
    profile.skipped_at = None
    profile.save()

    profile.goals.exclude(goal__in=answers.goals).delete()
    LearnerGoal.objects.bulk_create(
        [LearnerGoal(profile=profile, goal=g) for g in answers.goals], ignore_conflicts=True
    )
    profile.formats.exclude(format__in=answers.formats).delete()
    LearnerFormat.objects.bulk_create(
        [LearnerFormat(profile=profile, format=f) for f in answers.formats], ignore_conflicts=True
    )
    profile.interests.all().delete()
    TopicInterest.objects.bulk_create(
        [TopicInterest(profile=profile, topic=topics[slug], level=lvl) for slug, lvl in answers.interests.items()]
    )
    events.emit(
        "survey.completed",
        actor=actor,
        obj=profile,
        at=at,
        first_time=first_time,
        goals=answers.goals,
        topics=sorted(answers.interests),
        weekly_hours=answers.weekly_hours,
        formats=answers.formats,
    )
    return profile


@transaction.atomic
def learner_profile_skip(*, user: User, at: Any = None) -> LearnerProfile:
    profile, _created = LearnerProfile.objects.select_for_update().get_or_create(user=user)
    if profile.completed_at is None and profile.skipped_at is None:
        profile.skipped_at = at or timezone.now()
        profile.save(update_fields=["skipped_at", "updated_at"])
        events.emit("survey.skipped", actor=user, obj=profile, at=at)
    return profile


# --- Personal data: export and erase ---------------------------------------------------------


def user_export_data(*, user: User) -> dict[str, Any]:
    """Everything Lyceum stores about the user, as JSON-ready data."""
    from lyceum.core.models import Event

    from .selectors import learner_profile_for_user

    profile = learner_profile_for_user(user=user)
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "id": user.pk,
            "email": user.email,
            "display_name": user.display_name,
            "bio": user.bio,
            "locale": user.locale,
            "timezone": user.timezone,
            "avatar": user.avatar.url if user.avatar else None,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "roles": sorted(user.roles),
            "emails": [
                {"email": e.email, "verified": e.verified, "primary": e.primary}
                for e in EmailAddress.objects.filter(user=user)
            ],
            "social_accounts": [
                {"provider": s.provider, "uid": s.uid} for s in SocialAccount.objects.filter(user=user)
            ],
            "two_factor": sorted(Authenticator.objects.filter(user=user).values_list("type", flat=True)),
        },
        "learner_profile": None,
        "activity": [
            {
                "name": e.name,
                "at": e.occurred_at.isoformat(),
                "object": f"{e.object_type}:{e.object_id}",
                "props": e.props,
            }
            for e in Event.objects.filter(actor=user).order_by("occurred_at", "id")
        ],
    }
    if profile is not None:
        data["learner_profile"] = {
            "goals": [g.goal for g in profile.goals.all()],
            "interests": {i.topic.slug: i.level for i in profile.interests.all()},
            "weekly_hours": profile.weekly_hours,
            "formats": [f.format for f in profile.formats.all()],
            "study_time": profile.study_time,
            "completed_at": profile.completed_at.isoformat() if profile.completed_at else None,
        }
    events.emit("user.data_exported", actor=user, obj=user)
    return data


@transaction.atomic
def user_erase(*, actor: User, user: User) -> None:
    """Delete the account: personal data erased, the row kept anonymised.

    Events and (later) orders keep pointing at the anonymised row, so financial and
    aggregate records stay correct without naming anyone.
    """
    if actor.pk != user.pk and not actor.has_role(Role.OPERATOR):
        raise PermissionDenied(_("You can only delete your own account."))
    if user.erased_at is not None:
        return
    events.emit("user.erased", actor=user, obj=user)
    if user.avatar:
        user.avatar.delete(save=False)
    LearnerProfile.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    user.email = f"erased-{user.pk}-{uuid.uuid4().hex[:8]}@erased.invalid"
    user.display_name = _("Deleted user")
    user.bio = ""
    user.avatar = ""
    user.locale = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.erased_at = timezone.now()
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()


# --- API tokens ------------------------------------------------------------------------------

TOKEN_PREFIX = "lyc_"
MAX_TOKENS_PER_USER = 20


def _token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str = "", expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """Issue a bearer token; the plain key is returned once and only its hash is stored."""
    name = (name or "").strip()[:80] or _("API token")
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise ValidationFailed(_("Expiry must be between 1 and 3650 days."), field="expires_in_days")
    live = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    if live.count() >= MAX_TOKENS_PER_USER:
        raise ValidationFailed(
            _("You have %(n)s active tokens; revoke one first.") % {"n": MAX_TOKENS_PER_USER}, field="name"
        )
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=_token_hash(key),
        prefix=key[: len(TOKEN_PREFIX) + 6],
        expires_at=timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    events.emit("token.created", actor=user, obj=token)
    return token, key


@transaction.atomic
def token_revoke(*, actor: User, token_id: int) -> ApiToken:
    from lyceum.core.errors import NotFound

    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=actor).first()
    if token is None:  # another user's token looks exactly like a missing one
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        events.emit("token.revoked", actor=actor, obj=token)
    return token


# The user behind each bearer key is cached for a short while, so an API call does not query
# the database to authenticate. The entry is deleted when the token is revoked or saved and when
# the user is saved (deactivated, erased, edited in the admin); expiry is checked on every call.
TOKEN_CACHE_SECONDS = 60


def _token_cache_key(key_hash: str) -> str:
    return f"apitoken:{key_hash}"


def token_cache_forget(*, key_hashes: list[str]) -> None:
    """Drop cached authentications now and again after the current transaction commits (a
    call in between may have cached the row as it was before the commit)."""
    keys = [_token_cache_key(h) for h in key_hashes]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def token_authenticate(*, key: str) -> User | None:
    """The active user behind a bearer key, or None; records when the token was last used."""
    if not key.startswith(TOKEN_PREFIX) or len(key) > 100:
        return None
    now = timezone.now()
    key_hash = _token_hash(key)
    cache_key = _token_cache_key(key_hash)
    entry = cache.get(cache_key)
    if entry is None:
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=key_hash, revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if token is None:
            return None
        entry = {"token_id": token.pk, "expires_at": token.expires_at, "last_used_at": token.last_used_at}
        entry["user"] = token.user
        cache.set(cache_key, entry, timeout=TOKEN_CACHE_SECONDS)
    if entry["expires_at"] is not None and entry["expires_at"] <= now:
        return None
    if entry["last_used_at"] is None or now - entry["last_used_at"] > timedelta(minutes=1):
        ApiToken.objects.filter(pk=entry["token_id"]).update(last_used_at=now)
        entry["last_used_at"] = now
        cache.set(cache_key, entry, timeout=TOKEN_CACHE_SECONDS)
    user: User = entry["user"]
    return user


def _user_saved(sender: Any, instance: User, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # every sign-in saves last_login; nothing a token call reads
    token_cache_forget(key_hashes=list(ApiToken.objects.filter(user=instance).values_list("key_hash", flat=True)))


def _token_saved(sender: Any, instance: ApiToken, **kwargs: Any) -> None:
    token_cache_forget(key_hashes=[instance.key_hash])


post_save.connect(_user_saved, sender=User, dispatch_uid="lyceum.accounts.token_cache.user")
post_save.connect(_token_saved, sender=ApiToken, dispatch_uid="lyceum.accounts.token_cache.token")
post_delete.connect(_token_saved, sender=ApiToken, dispatch_uid="lyceum.accounts.token_cache.token_deleted")


# --- Role permissions --------------------------------------------------------------------------

# Model permissions (app_label.codename) each role gets in the admin. Operators run the
# community; the other roles work in the site's own pages, not the admin.
_COMMUNITY_MODELS = (
    "space", "communitytag", "thread", "reply", "revision", "vote", "mention", "threadfollow", "bookmark",
    "studygroup", "groupmembership", "grouppost", "checkin", "liveevent", "registration",
)  # fmt: skip
_FEEDBACK_MODELS = ("review", "reviewhelpful", "survey", "surveyquestion", "surveyresponse", "surveyanswer")
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OPERATOR: [
        "accounts.view_user",
        "accounts.change_user",
        "accounts.view_learnerprofile",
        "accounts.view_topic",
        "accounts.add_topic",
        "accounts.change_topic",
        "accounts.view_apitoken",
        "core.view_event",
        # courses: the catalog's data; workflow fields stay read-only there (courses.admin)
        "courses.view_category",
        "courses.add_category",
        "courses.change_category",
        "courses.view_tag",
        "courses.add_tag",
        "courses.change_tag",
        "courses.view_course",
        "courses.change_course",
        "courses.view_courseinstructor",
        "courses.add_courseinstructor",
        "courses.change_courseinstructor",
        "courses.view_module",
        "courses.change_module",
        "courses.view_lesson",
        "courses.change_lesson",
        "courses.view_quiz",
        "courses.view_question",
        "courses.view_choice",
        "courses.view_coursereview",
        "courses.view_coursechange",
        "courses.change_coursechange",
        # commerce: prices, coupons and shares are edited; money records are read-only
        "commerce.view_product",
        "commerce.add_product",
        "commerce.change_product",
        "commerce.view_coupon",
        "commerce.add_coupon",
        "commerce.change_coupon",
        "commerce.view_order",
        "commerce.view_payment",
        "commerce.view_webhookevent",
        "commerce.view_refund",
        "commerce.view_membership",
        "commerce.view_revenueshare",
        "commerce.add_revenueshare",
        "commerce.change_revenueshare",
        "commerce.view_ledgerentry",
        # community: spaces' settings are edited; posts change through the services
        *[f"community.view_{m}" for m in _COMMUNITY_MODELS],
        "community.change_space",
        "community.change_communitytag",
        "community.change_liveevent",
        "community.change_studygroup",
        "notifications.view_notification",
        # feedback: reviews are hidden or shown (admin action through the service); surveys are read
        *[f"feedback.view_{m}" for m in _FEEDBACK_MODELS],
        "feedback.change_review",
    ],
    Role.MODERATOR: [
        *[f"community.view_{m}" for m in _COMMUNITY_MODELS],
        "feedback.view_review",
        "feedback.change_review",
    ],
}


@transaction.atomic
def roles_sync_permissions() -> dict[str, int]:
    from django.contrib.auth.models import Permission

    counts: dict[str, int] = {}
    for role in Role.values:
        group, _created = Group.objects.get_or_create(name=role)
        wanted = ROLE_PERMISSIONS.get(role, [])
        perms: list[Permission] = []
        for dotted in wanted:
            app_label, codename = dotted.split(".")
            perms.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(perms)
        counts[role] = len(perms)
    return counts


# --- Two-factor ---------------------------------------------------------------------------------


@transaction.atomic
def mfa_totp_enable(*, user: User, secret: str) -> None:
    """Turn on authenticator-app sign-in (plus recovery codes) with a known secret.

    The sign-in pages use allauth's own flow; this is for operators' tooling and the demo.
    """
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from lyceum.core.errors import NotFound

from .models import (
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


def learner_profile_for_user(*, user: User) -> LearnerProfile | None:
    return LearnerProfile.objects.filter(user=user).prefetch_related("goals", "formats", "interests__topic").first()


def user_needs_survey(*, user: User | AnonymousUser) -> bool:
    """A learner who has neither answered nor skipped the needs survey yet."""
    if not user.is_authenticated:
        return False
    return not LearnerProfile.objects.filter(
        Q(completed_at__isnull=False) | Q(skipped_at__isnull=False), user=user
    ).exists()


def user_must_enable_mfa(*, user: User | AnonymousUser) -> bool:
    """Staff roles must have an authenticator app before they may use the site."""
    if not user.is_authenticated:
        return False
    required = set(settings.LYCEUM_MFA_REQUIRED_ROLES)
    if not required:
        return False
    is_staff_role = user.is_staff or user.is_superuser or bool(required & user.roles)
    if not is_staff_role:
        return False
    from .mfa_cache import has_totp

    return not has_totp(user_id=user.pk)


def topic_list() -> QuerySet[Topic]:
    return Topic.objects.all()


def tokens_for_user(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def survey_aggregate() -> dict[str, Any]:
    """Counts of needs-survey answers for operators: the start of needs analysis."""
    learners = User.objects.filter(is_active=True, groups__name=Role.LEARNER)
    profiles = LearnerProfile.objects.filter(user__in=learners)
    totals = profiles.aggregate(
        completed=Count("id", filter=Q(completed_at__isnull=False)),
        skipped=Count("id", filter=Q(completed_at__isnull=True, skipped_at__isnull=False)),
    )
    answered = LearnerProfile.objects.filter(user__in=learners, completed_at__isnull=False)
    goal_counts = dict(
        LearnerGoal.objects.filter(profile__in=answered).values_list("goal").annotate(n=Count("id")).order_by()
    )
    format_counts = dict(
        LearnerFormat.objects.filter(profile__in=answered).values_list("format").annotate(n=Count("id")).order_by()
    )
    time_counts = dict(answered.exclude(study_time="").values_list("study_time").annotate(n=Count("id")).order_by())
    level_rows = (
        TopicInterest.objects.filter(profile__in=answered)
        .values_list("topic_id", "level")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_topic: dict[int, dict[str, int]] = {}
    for topic_id, level, n in level_rows:
        by_topic.setdefault(topic_id, {})[level] = n
    hours = answered.aggregate(
        h0_2=Count("id", filter=Q(weekly_hours__lte=2)),
        h3_5=Count("id", filter=Q(weekly_hours__gte=3, weekly_hours__lte=5)),
        h6_10=Count("id", filter=Q(weekly_hours__gte=6, weekly_hours__lte=10)),
        h11_plus=Count("id", filter=Q(weekly_hours__gte=11)),
    )
    topics: list[dict[str, Any]] = []
    for topic in Topic.objects.all():
        levels = by_topic.get(topic.pk, {})
        topics.append(
            {
                "slug": topic.slug,
                "name": topic.name,
                "total": sum(levels.values()),
                "levels": {lvl: levels.get(lvl, 0) for lvl in Level.values},
            }
        )
    topics.sort(key=lambda row: (-row["total"], row["slug"]))
    return {
        "learners": learners.count(),
        "completed": totals["completed"],
        "skipped": totals["skipped"],
        "goals": [{"key": k, "label": label, "count": goal_counts.get(k, 0)} for k, label in Goal.choices],
        "formats": [{"key": k, "label": label, "count": format_counts.get(k, 0)} for k, label in Format.choices],
        "study_times": [{"key": k, "label": label, "count": time_counts.get(k, 0)} for k, label in StudyTime.choices],
        "weekly_hours": hours,
        "topics": topics,
        "levels": [{"key": k, "label": label} for k, label in Level.choices],
    }


# --- the public member page ----------------------------------------------------------------------


@dataclass(frozen=True)
class MemberPage:
    member: User
    profile_visible: bool  # bio and avatar: hidden by the moderators, except to the member and staff
    is_self: bool
    is_staff: bool


def member_page_get(*, viewer: Any, user_id: int) -> MemberPage:
    """A member's public page for a signed-in ``viewer``; erased or deactivated accounts are NotFound."""
    member = (
        User.objects.filter(pk=user_id, is_active=True, erased_at__isnull=True)
        .only("pk", "email", "display_name", "bio", "avatar", "date_joined", "profile_hidden_at", "is_superuser")
        .first()
    )
    if member is None:
        raise NotFound(_("No such member."))
    is_self = getattr(viewer, "is_authenticated", False) and viewer.pk == member.pk
    is_staff = bool(getattr(viewer, "is_authenticated", False)) and (
        viewer.has_role(Role.MODERATOR) or viewer.has_role(Role.OPERATOR)
    )
    visible = member.profile_hidden_at is None or is_self or is_staff
    return MemberPage(member=member, profile_visible=visible, is_self=bool(is_self), is_staff=is_staff)

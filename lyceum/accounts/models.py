from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as tz
from django.utils.translation import gettext_lazy as _

from lyceum.core.models import BilingualNamed, TimeStampedModel


class Role(models.TextChoices):
    LEARNER = "learner", _("Learner")
    INSTRUCTOR = "instructor", _("Instructor")
    MODERATOR = "moderator", _("Moderator")
    OPERATOR = "operator", _("Operator")


class UserQuerySet(models.QuerySet["User"]):
    """Bulk writes send no signals: they retire every cached user row (``user_cache``)."""

    def update(self, **kwargs: object) -> int:
        from .user_cache import users_forget_all

        count = super().update(**kwargs)
        users_forget_all()
        return count

    def delete(self) -> tuple[int, dict[str, int]]:
        from .user_cache import users_forget_all

        result = super().delete()
        users_forget_all()
        return result


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/%Y/%m/", blank=True)
    bio = models.TextField(_("bio"), max_length=2000, blank=True, help_text=_("Markdown is supported."))
    locale = models.CharField(_("language"), max_length=16, choices=settings.LANGUAGES, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("can use the admin"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=tz.now)
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)
    # bio and avatar out of sight after moderation (the account itself keeps working)
    profile_hidden_at = models.DateTimeField(_("profile hidden"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []  # Django reads this class attribute

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_short_name(self) -> str:
        return self.display_name or self.email.split("@")[0]

    def get_full_name(self) -> str:
        return self.get_short_name()

    @cached_property
    def roles(self) -> frozenset[str]:
        """Role names from the user's groups (one query, cached on the instance)."""
        if not self.pk:
            return frozenset()
        names = set(self.groups.filter(name__in=Role.values).values_list("name", flat=True))
        return frozenset(names)

    def has_role(self, role: str) -> bool:
        return self.is_superuser or role in self.roles


class Topic(BilingualNamed):
    """An interest topic learners pick in the needs survey; course categories map to it."""

    class Meta(BilingualNamed.Meta):
        verbose_name = _("topic")
        verbose_name_plural = _("topics")


class Goal(models.TextChoices):
    CAREER_CHANGE = "career_change", _("Change career")
    SKILL_UP = "skill_up", _("Level up at work")
    EXAM = "exam", _("Pass an exam or certification")
    HOBBY = "hobby", _("Personal interest")


class Level(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class Format(models.TextChoices):
    VIDEO = "video", _("Video")
    TEXT = "text", _("Text")
    AUDIO = "audio", _("Audio")
    LIVE = "live", _("Live sessions")


class StudyTime(models.TextChoices):
    MORNING = "morning", _("Mornings")
    LUNCH = "lunch", _("Lunch break")
    EVENING = "evening", _("Evenings")
    NIGHT = "night", _("Late night")
    WEEKEND = "weekend", _("Weekends")
    FLEXIBLE = "flexible", _("Whenever I can")


MAX_WEEKLY_HOURS = 80


class LearnerProfile(TimeStampedModel):
    """The learner's answers to the onboarding needs survey (editable later)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner_profile")
    weekly_hours = models.PositiveSmallIntegerField(
        _("hours per week"), null=True, blank=True, validators=[MaxValueValidator(MAX_WEEKLY_HOURS)]
    )
    study_time = models.CharField(_("preferred study time"), max_length=16, choices=StudyTime.choices, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    skipped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("learner profile")
        verbose_name_plural = _("learner profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekly_hours__isnull=True) | models.Q(weekly_hours__lte=MAX_WEEKLY_HOURS),
                name="accounts_profile_weekly_hours_range",
            )
        ]

    def __str__(self) -> str:
        return f"profile of {self.user_id}"

    @property
    def is_answered(self) -> bool:
        return self.completed_at is not None


class LearnerGoal(models.Model):
    profile = models.ForeignKey(LearnerProfile, on_delete=models.CASCADE, related_name="goals")
    goal = models.CharField(max_length=16, choices=Goal.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["profile", "goal"], name="accounts_goal_unique")]

    def __str__(self) -> str:
        return self.goal


class LearnerFormat(models.Model):
    profile = models.ForeignKey(LearnerProfile, on_delete=models.CASCADE, related_name="formats")
    format = models.CharField(max_length=16, choices=Format.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["profile", "format"], name="accounts_format_unique")]

    def __str__(self) -> str:
        return self.format


class TopicInterest(models.Model):
    profile = models.ForeignKey(LearnerProfile, on_delete=models.CASCADE, related_name="interests")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="interests")
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, default=Level.BEGINNER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["profile", "topic"], name="accounts_interest_unique")]

    def __str__(self) -> str:
        return f"{self.topic_id}:{self.level}"


class ApiToken(models.Model):
    """A personal bearer token for ``/api/v1``; only the SHA-256 of the key is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > tz.now())

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, LearnerFormat, LearnerGoal, LearnerProfile, Topic, TopicInterest, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["-date_joined"]
    list_display = ["email", "display_name", "is_active", "is_staff", "date_joined", "last_login"]
    list_filter = ["is_active", "is_staff", "groups"]
    search_fields = ["email", "display_name"]
    readonly_fields = ["date_joined", "last_login", "erased_at"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["display_name", "avatar", "bio", "locale", "timezone"]}),
        (
            _("Roles and permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["date_joined", "last_login", "erased_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]})]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_en", "name_zh", "position"]
    list_editable = ["position"]
    search_fields = ["slug", "name_en", "name_zh"]


class GoalInline(admin.TabularInline):
    model = LearnerGoal
    extra = 0


class FormatInline(admin.TabularInline):
    model = LearnerFormat
    extra = 0


class InterestInline(admin.TabularInline):
    model = TopicInterest
    extra = 0
    autocomplete_fields = ["topic"]


@admin.register(LearnerProfile)
class LearnerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "weekly_hours", "study_time", "completed_at", "skipped_at"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__display_name"]
    inlines = [GoalInline, FormatInline, InterestInline]
    raw_id_fields = ["user"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    readonly_fields = ["key_hash", "prefix", "created_at", "last_used_at"]
    search_fields = ["user__email", "name", "prefix"]
    raw_id_fields = ["user"]

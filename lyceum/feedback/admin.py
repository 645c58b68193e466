"""Operators' view of feedback: for looking things up. Reviews change only through the services
(the course's rating counters and the events depend on it), so the admin shows them read-only
and hides or shows them with actions that call ``review_hide``. Surveys are built on their own
pages; responses and answers are the learners' and never edited here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from lyceum.core.errors import ApplicationError

from .models import Review, ReviewHelpful, Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from .services.reviews import review_hide


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _set_hidden(request: HttpRequest, queryset: QuerySet[Review], hidden: bool) -> None:
    changed = 0
    for review in queryset:
        try:
            review_hide(actor=request.user, review=review, hidden=hidden, reason="admin")
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return
        changed += 1
    messages.success(request, _("%(n)d reviews updated.") % {"n": changed})


@admin.action(description=_("Hide the selected reviews"))
def hide_reviews(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Review]) -> None:
    _set_hidden(request, queryset, True)


@admin.action(description=_("Show the selected reviews again"))
def show_reviews(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Review]) -> None:
    _set_hidden(request, queryset, False)


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["course", "user", "rating", "helpful_count", "created_at", "edited_at", "replied_at", "hidden_at"]
    list_filter = ["rating", ("hidden_at", admin.EmptyFieldListFilter)]
    list_select_related = ["course", "user"]
    search_fields = ["text", "instructor_reply", "course__title", "course__slug", "user__email"]
    date_hierarchy = "created_at"
    actions = [hide_reviews, show_reviews]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Needed for the hide/show actions; every field stays read-only.
        return super(ReadOnlyAdmin, self).has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]


@admin.register(ReviewHelpful)
class ReviewHelpfulAdmin(ReadOnlyAdmin):
    list_display = ["review", "user", "created_at"]
    list_select_related = ["review", "user"]
    raw_id_fields = ["review", "user"]


class SurveyQuestionInline(admin.TabularInline):
    model = SurveyQuestion
    extra = 0
    fields = ["position", "kind", "text", "options", "required"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    list_display = ["title", "status", "audience", "course", "opens_at", "closes_at", "response_count"]
    list_filter = ["status", "audience"]
    list_select_related = ["course"]
    search_fields = ["title"]
    raw_id_fields = ["course", "created_by"]
    readonly_fields = ["response_count", "created_by"]
    inlines = [SurveyQuestionInline]


@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(ReadOnlyAdmin):
    list_display = ["text", "survey", "kind", "position", "required"]
    list_filter = ["kind"]
    list_select_related = ["survey"]
    search_fields = ["text", "survey__title"]


class SurveyAnswerInline(admin.TabularInline):
    model = SurveyAnswer
    extra = 0
    fields = ["question", "choices", "number", "text"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdmin):
    list_display = ["survey", "user", "submitted_at"]
    list_select_related = ["survey", "user"]
    search_fields = ["survey__title", "user__email"]
    inlines = [SurveyAnswerInline]


@admin.register(SurveyAnswer)
class SurveyAnswerAdmin(ReadOnlyAdmin):
    list_display = ["question", "response", "number", "text"]
    list_select_related = ["question", "response"]
    search_fields = ["text"]

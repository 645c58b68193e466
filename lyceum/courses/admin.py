"""Operators' view of courses. Authoring and the review decisions happen in the studio
(``/studio/``, ``/studio/reviews/``), where services check permissions, files and the
workflow; here the workflow fields, counters and uploaded media are read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Category,
    Choice,
    Course,
    CourseChange,
    CourseInstructor,
    CourseReview,
    Lesson,
    Module,
    Question,
    Quiz,
    Tag,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_en", "name_zh", "topic", "position"]
    list_editable = ["position"]
    list_select_related = ["topic"]
    search_fields = ["slug", "name_en", "name_zh"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]


class CourseInstructorInline(admin.TabularInline):
    model = CourseInstructor
    extra = 0
    raw_id_fields = ["user"]


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0
    fields = ["title", "position", "release_at", "release_after_days"]
    show_change_link = True


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "status", "version", "language", "published_at", "enrollment_count"]
    list_filter = ["status", "language", "level", "category", "is_free"]
    search_fields = ["title", "subtitle", "slug"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["tags", "prerequisites", "category"]
    readonly_fields = [
        "status",
        "version",
        "submitted_at",
        "published_at",
        "archived_at",
        "content_updated_at",
        "enrollment_count",
        "rating_count",
        "rating_avg",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "subtitle", "slug", "description", "objectives", "cover"]}),
        (
            _("Catalog"),
            {
                "fields": [
                    "category",
                    "tags",
                    "level",
                    "language",
                    "estimated_hours",
                    "prerequisites",
                    "is_free",
                    "downloads_allowed",
                ]
            },
        ),
        (
            _("Workflow (changed in the studio and the review queue)"),
            {
                "fields": [
                    "status",
                    "version",
                    "submitted_at",
                    "published_at",
                    "archived_at",
                    "content_updated_at",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
        (_("Counters"), {"fields": ["enrollment_count", "rating_count", "rating_avg"]}),
    ]
    inlines = [CourseInstructorInline, ModuleInline]


class LessonInline(admin.TabularInline):
    model = Lesson
    extra = 0
    fields = ["title", "kind", "position", "is_preview", "is_required"]
    readonly_fields = ["kind"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):  # lessons get their files and quizzes in the studio
        return False


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "position", "release_at", "release_after_days"]
    list_select_related = ["course"]
    search_fields = ["title", "course__title"]
    raw_id_fields = ["course"]
    inlines = [LessonInline]


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "module", "kind", "position", "is_preview", "duration_seconds", "media_type"]
    list_filter = ["kind", "is_preview", "is_required"]
    list_select_related = ["course", "module"]
    search_fields = ["title", "course__title"]
    raw_id_fields = ["course", "module"]
    # Uploads are checked (size, real type, duration) only in the studio.
    readonly_fields = ["kind", "media", "media_type", "media_size", "duration_seconds", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    fields = ["kind", "prompt", "points", "position"]
    show_change_link = True


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ["lesson", "pass_percent", "max_attempts"]
    list_select_related = ["lesson"]
    raw_id_fields = ["lesson"]
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "quiz", "kind", "points", "position"]
    list_filter = ["kind"]
    list_select_related = ["quiz__lesson"]
    raw_id_fields = ["quiz"]
    inlines = [ChoiceInline]


@admin.register(CourseReview)
class CourseReviewAdmin(admin.ModelAdmin):
    """The review record is kept as it was decided; decisions are made in /studio/reviews/."""

    list_display = ["course", "submitted_by", "submitted_at", "decision", "reviewer", "decided_at"]
    list_filter = ["decision"]
    list_select_related = ["course", "submitted_by", "reviewer"]
    search_fields = ["course__title", "submitted_by__email", "reviewer__email"]
    readonly_fields = [
        "course",
        "submitted_by",
        "submitted_at",
        "note",
        "reviewer",
        "decision",
        "checklist",
        "comments",
        "decided_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CourseChange)
class CourseChangeAdmin(admin.ModelAdmin):
    list_display = ["course", "version", "created_at", "author"]
    list_select_related = ["course", "author"]
    search_fields = ["course__title", "summary"]
    readonly_fields = ["course", "version", "author", "created_at"]

    def has_add_permission(self, request):
        return False

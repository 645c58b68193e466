from django.contrib import admin

from .models import Certificate, Enrollment, LessonProgress, QuizAttempt


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "course",
        "source",
        "progress_percent",
        "created_at",
        "access_until",
        "completed_at",
        "revoked_at",
    ]
    list_filter = ["source"]
    list_select_related = ["user", "course"]
    search_fields = ["user__email", "course__title", "course__slug"]
    raw_id_fields = ["user", "course", "last_lesson"]
    readonly_fields = ["progress_percent", "last_activity_at", "completed_at"]


@admin.register(LessonProgress)
class LessonProgressAdmin(admin.ModelAdmin):
    list_display = ["user", "lesson", "percent", "completed_at", "updated_at"]
    list_select_related = ["user", "lesson"]
    search_fields = ["user__email", "lesson__title"]
    raw_id_fields = ["user", "lesson", "course"]


@admin.register(QuizAttempt)
class QuizAttemptAdmin(admin.ModelAdmin):
    list_display = ["user", "quiz", "number", "percent", "passed", "submitted_at"]
    list_select_related = ["user", "quiz__lesson"]
    raw_id_fields = ["user", "quiz"]
    readonly_fields = ["answers", "score", "max_score", "percent", "passed"]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["code", "learner_name", "course_title", "issued_at", "revoked_at"]
    search_fields = ["code", "learner_name", "user__email", "course_title"]
    raw_id_fields = ["user", "course"]
    readonly_fields = ["code", "learner_name", "course_title", "issued_at"]

from django.urls import path

from .views import authoring, catalog

app_name = "courses"

urlpatterns = [
    # --- catalog and search (views/catalog.py) ---
    path("courses/", catalog.catalog, name="catalog"),
    # --- authoring and review (views/authoring.py) ---
    path("studio/", authoring.studio_home, name="studio"),
    path("studio/courses/new/", authoring.course_create, name="course-create"),
    path("studio/courses/<int:course_id>/", authoring.course_studio, name="course-studio"),
    path("studio/courses/<int:course_id>/edit/", authoring.course_edit, name="course-edit"),
    path("studio/courses/<int:course_id>/instructors/", authoring.course_instructor_add, name="course-instructor-add"),
    path(
        "studio/courses/<int:course_id>/instructors/<int:user_id>/remove/",
        authoring.course_instructor_remove,
        name="course-instructor-remove",
    ),
    path("studio/courses/<int:course_id>/submit/", authoring.course_submit, name="course-submit"),
    path("studio/courses/<int:course_id>/archive/", authoring.course_archive, name="course-archive"),
    path("studio/courses/<int:course_id>/unarchive/", authoring.course_unarchive, name="course-unarchive"),
    path("studio/courses/<int:course_id>/changes/", authoring.course_change_create, name="course-change-create"),
    path("studio/courses/<int:course_id>/modules/new/", authoring.module_create, name="module-create"),
    path("studio/courses/<int:course_id>/modules/order/", authoring.module_reorder, name="module-reorder"),
    path("studio/modules/<int:module_id>/edit/", authoring.module_edit, name="module-edit"),
    path("studio/modules/<int:module_id>/delete/", authoring.module_delete, name="module-delete"),
    path("studio/modules/<int:module_id>/move/", authoring.module_move, name="module-move"),
    path("studio/modules/<int:module_id>/lessons/new/", authoring.lesson_create, name="lesson-create"),
    path("studio/modules/<int:module_id>/lessons/order/", authoring.lesson_reorder, name="lesson-reorder"),
    path("studio/lessons/<int:lesson_id>/edit/", authoring.lesson_edit, name="lesson-edit"),
    path("studio/lessons/<int:lesson_id>/delete/", authoring.lesson_delete, name="lesson-delete"),
    path("studio/lessons/<int:lesson_id>/move/", authoring.lesson_move, name="lesson-move"),
    path("studio/lessons/<int:lesson_id>/media/", authoring.lesson_media, name="lesson-media"),
    path("studio/lessons/<int:lesson_id>/quiz/", authoring.quiz_edit, name="quiz-edit"),
    path("studio/questions/<int:question_id>/edit/", authoring.question_edit, name="question-edit"),
    path("studio/questions/<int:question_id>/delete/", authoring.question_delete, name="question-delete"),
    path("studio/questions/<int:question_id>/move/", authoring.question_move, name="question-move"),
    path("studio/preview/", authoring.markdown_preview, name="markdown-preview"),
    path("studio/reviews/", authoring.review_queue, name="review-queue"),
    path("studio/reviews/<int:review_id>/", authoring.review_detail, name="review-detail"),
    path("courses/<slug:slug>/changes/", authoring.changelog, name="changelog"),
]

"""Survey pages (included by feedback/urls.py at the site root, namespace ``feedback``)."""

from django.urls import path

from .views import surveys as views

urlpatterns: list = [
    # operators
    path("operator/surveys/", views.survey_list, name="survey-list"),
    path("operator/surveys/new/", views.survey_create, name="survey-create"),
    path("operator/surveys/<int:survey_id>/", views.survey_edit, name="survey-edit"),
    path("operator/surveys/<int:survey_id>/publish/", views.survey_publish, name="survey-publish"),
    path("operator/surveys/<int:survey_id>/close/", views.survey_close, name="survey-close"),
    path("operator/surveys/<int:survey_id>/questions/", views.survey_question_add, name="survey-question-add"),
    path(
        "operator/surveys/<int:survey_id>/questions/reorder/",
        views.survey_questions_reorder,
        name="survey-questions-reorder",
    ),
    path(
        "operator/surveys/<int:survey_id>/questions/<int:question_id>/",
        views.survey_question_edit,
        name="survey-question-edit",
    ),
    path(
        "operator/surveys/<int:survey_id>/questions/<int:question_id>/remove/",
        views.survey_question_remove,
        name="survey-question-remove",
    ),
    path(
        "operator/surveys/<int:survey_id>/questions/<int:question_id>/move/",
        views.survey_question_move,
        name="survey-question-move",
    ),
    path("operator/surveys/<int:survey_id>/results/", views.survey_results, name="survey-results"),
    path(
        "operator/surveys/<int:survey_id>/results/questions/<int:question_id>/",
        views.survey_text_answers,
        name="survey-text-answers",
    ),
    path("operator/surveys/<int:survey_id>/results.csv", views.survey_results_csv, name="survey-results-csv"),
    # learners
    path("surveys/", views.my_surveys, name="survey-mine"),
    path("surveys/<int:survey_id>/", views.survey_answer, name="survey-answer"),
]

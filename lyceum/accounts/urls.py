from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("welcome/", views.survey, name="survey"),
    path("welcome/skip/", views.survey_skip, name="survey-skip"),
    path("settings/profile/", views.profile_edit, name="profile"),
    path("members/<int:user_id>/", views.member_detail, name="member"),
    path("settings/privacy/", views.privacy, name="privacy"),
    path("settings/privacy/export/", views.data_export, name="data-export"),
    path("settings/privacy/delete/", views.account_delete, name="account-delete"),
    path("settings/tokens/", views.tokens, name="tokens"),
    path("operator/needs/", views.needs_overview, name="needs-overview"),
]

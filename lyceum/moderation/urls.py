"""Moderation pages: the rules, reports, a member's notices and appeals, copyright complaints
(members and visitors); the queue, log, appeals, rules editor and takedowns (``/operator/moderation/``)."""

from django.urls import path

from . import views, views_operator

app_name = "moderation"

urlpatterns = [
    path("community/rules/", views.rules_page, name="rules"),
    path("report/<str:kind>/<int:pk>/", views.report, name="report"),
    path("me/moderation/", views.my_notices, name="my-notices"),
    path("me/moderation/<int:action_id>/appeal/", views.appeal, name="appeal"),
    path("copyright/", views.copyright_form, name="copyright"),
    path("operator/moderation/", views_operator.queue, name="queue"),
    path("operator/moderation/cases/<int:pk>/", views_operator.case_detail, name="case"),
    path("operator/moderation/cases/<int:pk>/decide/", views_operator.case_decide, name="case-decide"),
    path("operator/moderation/sanctions/<int:pk>/lift/", views_operator.sanction_lift, name="sanction-lift"),
    path("operator/moderation/log/", views_operator.log, name="log"),
    path("operator/moderation/appeals/", views_operator.appeal_list, name="appeals"),
    path("operator/moderation/appeals/<int:pk>/decide/", views_operator.appeal_decide, name="appeal-decide"),
    path("operator/moderation/rules/", views_operator.rules_edit, name="rules-edit"),
    path("operator/moderation/takedowns/", views_operator.takedown_list, name="takedowns"),
    path("operator/moderation/takedowns/<int:pk>/", views_operator.takedown_detail, name="takedown"),
    path("operator/moderation/takedowns/<int:pk>/<str:step>/", views_operator.takedown_step, name="takedown-step"),
]

from django.urls import path

from . import views, views_me, views_retention

app_name = "analytics"

urlpatterns: list = [
    path("operator/analytics/", views.dashboard, name="dashboard"),
    path("operator/analytics/courses.csv", views.courses_csv, name="courses-csv"),
    path("operator/analytics/learners.csv", views_me.learners_csv, name="learners-csv"),
    path("operator/retention/", views_retention.at_risk, name="retention"),
    path("operator/retention/model/", views_retention.model_report, name="retention-model"),
    path("operator/retention/campaigns/", views_retention.campaign_list, name="campaigns"),
    path("operator/retention/campaigns/new/", views_retention.campaign_new, name="campaign-new"),
    path("operator/retention/campaigns/<int:pk>/", views_retention.campaign_detail, name="campaign"),
    path("me/messages/<int:pk>/", views_retention.offer, name="offer"),
    path("me/activity/", views_me.my_activity, name="me-activity"),
    path("me/activity.csv", views_me.my_activity_csv, name="me-activity-csv"),
    path("studio/analytics/", views.instructor_home, name="instructor"),
    path("studio/analytics/<slug:slug>/", views.instructor_course, name="instructor-course"),
]

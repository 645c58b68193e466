from django.urls import path

from . import views

app_name = "analytics"

urlpatterns: list = [
    path("operator/analytics/", views.dashboard, name="dashboard"),
    path("operator/analytics/courses.csv", views.courses_csv, name="courses-csv"),
    path("studio/analytics/", views.instructor_home, name="instructor"),
    path("studio/analytics/<slug:slug>/", views.instructor_course, name="instructor-course"),
]

from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "learning"

urlpatterns = [
    path("courses/<slug:slug>/", views.course_detail, name="course-detail"),
    path("courses/<slug:slug>/enroll/", views.course_enroll, name="course-enroll"),
    path("courses/<slug:slug>/lessons/<int:lesson_id>/", views.lesson_detail, name="lesson-detail"),
    path("courses/<slug:slug>/lessons/<int:lesson_id>/complete/", views.lesson_complete, name="lesson-complete"),
    path("courses/<slug:slug>/lessons/<int:lesson_id>/quiz/", views.quiz_submit, name="quiz-submit"),
    path("media/lessons/<int:lesson_id>/<str:token>", views.lesson_media, name="lesson-media"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("learning/", RedirectView.as_view(pattern_name="learning:dashboard", permanent=False), name="my-learning"),
    path("certificates/<str:code>/", views.certificate_detail, name="certificate-detail"),
    path("certificates/<str:code>/pdf/", views.certificate_download, name="certificate-pdf"),
]

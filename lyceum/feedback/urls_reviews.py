"""Course review pages and the feedback analysis pages (namespace ``feedback``)."""

from django.urls import path

from .views import reviews as views

urlpatterns = [
    path("courses/<slug:slug>/reviews/", views.course_reviews, name="course-reviews"),
    path("courses/<slug:slug>/reviews/write/", views.review_write, name="review-write"),
    path("reviews/<int:pk>/helpful/", views.review_helpful, name="review-helpful"),
    path("reviews/<int:pk>/reply/", views.review_reply, name="review-reply"),
    path("reviews/<int:pk>/hide/", views.review_hide, name="review-hide"),
    path("operator/feedback/", views.analysis, name="analysis"),
    path("operator/feedback/<slug:slug>/", views.analysis_course, name="analysis-course"),
]

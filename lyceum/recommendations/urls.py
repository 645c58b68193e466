"""Pages of personalisation. Each area appends its routes here (one list, one namespace)."""

from django.urls import path

from . import views_clicks, views_interests, views_paths

app_name = "recommendations"

urlpatterns: list = [
    path("me/interests/", views_interests.interests, name="interests"),
    path("me/path/", views_paths.my_path, name="path"),
    path("paths/", views_paths.path_list, name="path-list"),
    path("paths/<slug:slug>/", views_paths.curated_detail, name="curated"),
    path("studio/paths/", views_paths.curated_manage, name="curated-manage"),
    path("operator/paths/cycles/", views_paths.prerequisite_cycles, name="cycles"),
    path("recommended/<int:course_id>/", views_clicks.clicked, name="clicked"),
]

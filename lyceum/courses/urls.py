from django.urls import path  # noqa: F401

from .views import authoring, catalog  # noqa: F401

app_name = "courses"

urlpatterns = [
    # --- catalog and search (views/catalog.py) ---
    # --- authoring and review (views/authoring.py) ---
]

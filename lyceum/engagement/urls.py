"""Engagement pages (points, badges, leaderboards, rewards)."""

from django.urls import path  # noqa: F401 - routes are added by the engagement pages

app_name = "engagement"

urlpatterns: list = []

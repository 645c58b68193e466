"""Moderation pages (the queue, reports, rules, appeals, takedowns)."""

from django.urls import path  # noqa: F401 - routes are added by the moderation pages

app_name = "moderation"

urlpatterns: list = []

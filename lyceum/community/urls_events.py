"""``/events/``: live events (app_name ``events``). Other apps link to these names."""

from django.urls import path

from .views import events as views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_new, name="new"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
    path("<slug:slug>/", views.event_detail, name="detail"),
    path("<slug:slug>/edit/", views.event_edit, name="edit"),
    path("<slug:slug>/register/", views.event_register, name="register"),
    path("<slug:slug>/cancel-registration/", views.registration_cancel, name="cancel-registration"),
    path("<slug:slug>/cancel/", views.event_cancel, name="cancel"),
    path("<slug:slug>/attendance/", views.attendance, name="attendance"),
    path("<slug:slug>/event.ics", views.event_ics_download, name="ics"),
]

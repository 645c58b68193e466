from django.urls import path

from .views import groups as views

app_name = "groups"

urlpatterns = [
    path("", views.group_list, name="list"),
    path("new/", views.group_new, name="new"),
    path("join/<str:code>/", views.group_invite, name="invite"),
    path("<int:pk>/", views.group_detail, name="detail"),
    path("<int:pk>/join/", views.group_join, name="join"),
    path("<int:pk>/leave/", views.group_leave, name="leave"),
    path("<int:pk>/checkin/", views.group_checkin, name="checkin"),
    path("<int:pk>/post/", views.group_post, name="post"),
    path("<int:pk>/edit/", views.group_edit, name="edit"),
    path("<int:pk>/goal/", views.group_goal, name="goal"),
    path("<int:pk>/invite/rotate/", views.group_invite_rotate, name="invite-rotate"),
    path("<int:pk>/members/<int:user_id>/remove/", views.group_remove_member, name="remove-member"),
]

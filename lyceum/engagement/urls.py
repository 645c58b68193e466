"""Engagement pages (points, badges, leaderboards, rewards)."""

from django.urls import path

from . import views

app_name = "engagement"

urlpatterns = [
    path("me/points/", views.points_page, name="points"),
    path("me/points/checkin/", views.checkin, name="checkin"),
    path("rewards/", views.reward_list, name="rewards"),
    path("rewards/<int:pk>/redeem/", views.reward_redeem_view, name="reward-redeem"),
    path("leaderboards/", views.leaderboards, name="leaderboards"),
    path("operator/rewards/", views.operator_rewards, name="operator-rewards"),
    path("operator/rewards/new/", views.operator_reward_edit, name="operator-reward-new"),
    path("operator/rewards/<int:pk>/", views.operator_reward_edit, name="operator-reward-edit"),
]

"""``/api/v1``: my points, check-in, rewards, redeem, leaderboards."""

import pytest

from lyceum.engagement.models import DailyCheckIn, PointBalance, Redemption

from .helpers import give_points, make_reward


def test_my_points(api, learner):
    give_points(learner, 60)

    response = api(learner)("get", "/me/points")

    body = response.json()
    assert response.status_code == 200
    assert (body["balance"], body["level"]["slug"], body["next_level"]["slug"]) == (60, "apprentice", "scholar")
    assert body["checked_in_today"] is False and body["ledger"] == []


def test_check_in_twice(api, learner, django_capture_on_commit_callbacks):
    call = api(learner)
    with django_capture_on_commit_callbacks(execute=True):
        first = call("post", "/me/checkin")
        second = call("post", "/me/checkin")

    assert (first.status_code, second.status_code) == (201, 200)
    assert (first.json()["created"], second.json()["created"]) == (True, False)
    assert first.json()["streak"] == 1  # today counts at once
    assert DailyCheckIn.objects.filter(user=learner).count() == 1
    assert PointBalance.objects.get(user=learner).balance == 5


@pytest.mark.parametrize(("method", "url"), [("get", "/me/points"), ("post", "/me/checkin"), ("get", "/rewards"),
                                             ("get", "/leaderboards"), ("post", "/rewards/1/redeem")])  # fmt: skip
def test_visitors_are_refused(api, db, method, url):
    response = api(None)(method, url)

    assert response.status_code in (401, 403)
    assert not DailyCheckIn.objects.exists()


def test_rewards_and_redeem(api, learner):
    give_points(learner, 120)
    reward = make_reward(points_cost=100, stock=1)
    make_reward(is_active=False, title_en="Hidden")
    call = api(learner)

    listed = call("get", "/rewards").json()
    redeemed = call("post", f"/rewards/{reward.pk}/redeem")
    again = call("post", f"/rewards/{reward.pk}/redeem")

    assert [r["id"] for r in listed] == [reward.pk]
    assert redeemed.status_code == 201
    assert redeemed.json()["balance"] == 20 and redeemed.json()["coupon"]
    assert again.status_code == 409 and again.json()["code"] == "out_of_stock"
    assert Redemption.objects.count() == 1


def test_redeem_without_points_is_409_and_changes_nothing(api, learner):
    reward = make_reward(points_cost=100)

    response = api(learner)("post", f"/rewards/{reward.pk}/redeem")

    assert response.status_code == 409 and response.json()["code"] == "not_enough_points"
    assert not Redemption.objects.exists()


@pytest.mark.parametrize("reward_id", ["999999", "abc"])
def test_redeem_unknown_reward(api, learner, reward_id):
    response = api(learner)("post", f"/rewards/{reward_id}/redeem")

    assert response.status_code in (404, 422)
    assert not Redemption.objects.exists()


def test_leaderboards(api, learner, outsider):
    from lyceum.engagement import services

    services.points_award(user=outsider, action="course_completed", source_key="course:1")

    body = api(learner)("get", "/leaderboards?period=month").json()

    assert body["scope"] == "global" and body["period"] == "month"
    assert [(r["user"], r["points"]) for r in body["rows"]] == [(outsider.pk, 100)]


@pytest.mark.parametrize("query", ["period=decade", "course=abc", "course=1&group=1"])
def test_bad_leaderboard_filters_are_422(api, learner, query):
    assert api(learner)("get", f"/leaderboards?{query}").status_code == 422


def test_group_leaderboard_for_members_only(api, learner, outsider):
    from lyceum.community.models import GroupMembership, StudyGroup

    group = StudyGroup.objects.create(name="Owls", owner=learner, invite_code="owls-api")
    GroupMembership.objects.create(group=group, user=learner)

    assert api(learner)("get", f"/leaderboards?group={group.pk}").status_code == 200
    assert api(outsider)("get", f"/leaderboards?group={group.pk}").status_code == 403

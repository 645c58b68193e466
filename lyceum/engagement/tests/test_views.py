"""Pages: points, check-in, rewards, leaderboards, operator rewards, the profile and dashboard sections."""

import pytest
from django.utils import timezone

from lyceum.core import hooks
from lyceum.engagement import services
from lyceum.engagement.models import DailyCheckIn, PointEntry, Redemption, Reward

from .helpers import give_points, make_reward

PAGES = ["/me/points/", "/rewards/", "/leaderboards/", "/leaderboards/?period=month"]


@pytest.mark.parametrize("url", [*PAGES, "/operator/rewards/"])
def test_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_member_pages_render_in_both_languages(client_for, learner, url, lang):
    give_points(learner, 60)
    services.badge_award(user=learner, badge="first_course")
    make_reward()

    response = client_for(learner).get(url, HTTP_ACCEPT_LANGUAGE=lang)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}">' in html


def test_the_points_page_shows_balance_level_ledger_badges_and_heatmap(
    client_for, learner, django_assert_max_num_queries
):
    services.points_award(user=learner, action="lesson_completed", source_key="lesson:1")
    services.badge_award(user=learner, badge="first_review")
    client = client_for(learner)

    with django_assert_max_num_queries(12):
        response = client.get("/me/points/")

    html = response.content.decode()
    assert 'data-testid="balance">10<' in html
    assert "Lesson completed" in html
    assert 'data-testid="badge-first_review"' in html
    assert html.count('class="heatmap-week"') == 26
    assert 'data-testid="checkin-button"' in html


def test_the_level_name_is_chinese_for_chinese_readers(client_for, learner):
    html = client_for(learner).get("/me/points/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "新人" in html


def test_checking_in_from_the_page_awards_once(client_for, learner, django_capture_on_commit_callbacks):
    client = client_for(learner)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/me/points/checkin/")
        second = client.post("/me/points/checkin/")

    assert first.status_code == second.status_code == 302
    assert DailyCheckIn.objects.filter(user=learner).count() == 1
    assert PointEntry.objects.get(user=learner).points == 5
    page = client.get("/me/points/").content.decode()
    assert 'data-testid="checked-in"' in page


def test_check_in_needs_post_and_csrf(client_for, learner):
    from django.test import Client

    assert client_for(learner).get("/me/points/checkin/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner)
    assert strict.post("/me/points/checkin/").status_code == 403
    assert not DailyCheckIn.objects.exists()


def test_redeeming_from_the_page_shows_the_code(client_for, learner):
    give_points(learner, 150)
    reward = make_reward(points_cost=100)
    client = client_for(learner)

    response = client.post(f"/rewards/{reward.pk}/redeem/", follow=True)

    redemption = Redemption.objects.get(user=learner)
    assert redemption.coupon.code in response.content.decode()


def test_redeeming_without_enough_points_explains_and_changes_nothing(client_for, learner):
    give_points(learner, 50)
    reward = make_reward(points_cost=100)

    response = client_for(learner).post(f"/rewards/{reward.pk}/redeem/", follow=True)

    assert "You need 100 points; you have 50." in response.content.decode()
    assert not Redemption.objects.exists()
    assert Reward.objects.get(pk=reward.pk).stock == reward.stock


def test_redeeming_an_unknown_or_inactive_reward_is_404(client_for, learner):
    give_points(learner, 500)
    hidden = make_reward(is_active=False)
    client = client_for(learner)

    assert client.post("/rewards/999999/redeem/").status_code == 404
    assert client.post(f"/rewards/{hidden.pk}/redeem/").status_code == 404
    assert not Redemption.objects.exists()


def test_the_rewards_page_has_bounded_queries(client_for, learner, django_assert_max_num_queries):
    give_points(learner, 500)
    for i in range(10):
        make_reward(title_en=f"Reward {i}")
    client = client_for(learner)

    with django_assert_max_num_queries(10):
        response = client.get("/rewards/")

    assert response.content.decode().count("reward-card") == 10


def test_leaderboard_page_shows_the_ranking(client_for, learner, outsider, django_assert_max_num_queries):
    services.points_award(user=outsider, action="course_completed", source_key="course:1")
    services.points_award(user=learner, action="lesson_completed", source_key="lesson:1")
    client = client_for(learner)

    with django_assert_max_num_queries(10):
        response = client.get("/leaderboards/?period=week")

    board = response.content.decode().split('data-testid="leaderboard"')[1]
    assert board.index(outsider.get_short_name()) < board.index(learner.get_short_name())


@pytest.mark.parametrize("query", ["period=year", "course=abc", "group=-1"])
def test_bad_leaderboard_filters_are_422(client_for, learner, query):
    assert client_for(learner).get(f"/leaderboards/?{query}").status_code == 422


def test_a_group_leaderboard_is_for_members(client_for, learner, outsider):
    from lyceum.community.models import GroupMembership, StudyGroup

    group = StudyGroup.objects.create(name="Owls", owner=learner, invite_code="owls-code")
    GroupMembership.objects.create(group=group, user=learner)

    member_page = client_for(learner).get(f"/leaderboards/?group={group.pk}")
    assert member_page.status_code == 200
    assert f'?period=week&amp;group={group.pk}" aria-current="page"' in member_page.content.decode()
    assert client_for(outsider).get(f"/leaderboards/?group={group.pk}").status_code == 403
    assert client_for(outsider).get("/leaderboards/?group=999999").status_code == 404


# --------------------------------------------------------------------------- operator rewards


def test_learners_cannot_manage_rewards(client_for, learner):
    client = client_for(learner)

    assert client.get("/operator/rewards/").status_code == 403
    assert client.post("/operator/rewards/new/", {"title_en": "Free", "points_cost": 1}).status_code == 403
    assert not Reward.objects.exists()


def test_operators_create_a_reward(client_for, operator, django_assert_max_num_queries):
    client = client_for(operator)
    data = {"title_en": "20% off", "title_zh": "八折", "points_cost": "200", "percent_off": "20", "valid_days": "30",
            "stock": "5", "is_active": "on"}  # fmt: skip

    response = client.post("/operator/rewards/new/", data)

    assert response.status_code == 302
    reward = Reward.objects.get()
    assert (reward.title_zh, reward.points_cost, reward.percent_off, reward.created_by) == ("八折", 200, 20, operator)
    with django_assert_max_num_queries(10):
        listing = client.get("/operator/rewards/")
    assert "20% off" in listing.content.decode()


def test_operators_edit_a_reward(client_for, operator):
    reward = make_reward(stock=5)
    data = {"title_en": "Changed", "points_cost": "80", "amount_off": "500", "currency": "CNY", "valid_days": "7",
            "stock": "0"}  # fmt: skip

    response = client_for(operator).post(f"/operator/rewards/{reward.pk}/", data)

    assert response.status_code == 302
    reward.refresh_from_db()
    assert (reward.title_en, reward.amount_off, reward.percent_off, reward.stock, reward.is_active) == (
        "Changed", 500, None, 0, False,
    )  # fmt: skip


@pytest.mark.parametrize(
    "data",
    [
        {"title_en": "", "points_cost": "10", "percent_off": "10", "valid_days": "30", "stock": "1"},
        {"title_en": "X", "points_cost": "ten", "percent_off": "10", "valid_days": "30", "stock": "1"},
        {"title_en": "X", "points_cost": "10", "valid_days": "30", "stock": "1"},
        {
            "title_en": "X",
            "points_cost": "10",
            "percent_off": "10",
            "amount_off": "5",
            "valid_days": "30",
            "stock": "1",
        },
        {
            "title_en": "X",
            "points_cost": "10",
            "amount_off": "5",
            "currency": "DOLLARS",
            "valid_days": "30",
            "stock": "1",
        },
    ],
)
def test_bad_reward_forms_show_errors(client_for, operator, data):
    response = client_for(operator).post("/operator/rewards/new/", data)

    assert response.status_code == 422
    assert 'class="field-errors' in response.content.decode() or "form-errors" in response.content.decode()
    assert not Reward.objects.exists()


def test_editing_an_unknown_reward_is_404(client_for, operator):
    assert client_for(operator).get("/operator/rewards/999999/").status_code == 404


# --------------------------------------------------------------------------- sections on other pages


def test_the_member_profile_section_shows_level_badges_and_heatmap(
    rf, learner, outsider, django_assert_max_num_queries
):
    from django.template.loader import render_to_string

    from lyceum.engagement.hooks_sections import profile_section

    give_points(learner, 250)
    services.badge_award(user=learner, badge="helpful")
    services.study_day_record(user=learner, at=timezone.now())

    with django_assert_max_num_queries(5):
        sections = profile_section(member=learner, viewer=outsider)

    html = "".join(render_to_string(s["template"], {"section": s}) for s in sections)
    assert profile_section in hooks._providers["member_profile.sections"]
    assert "Scholar" in html
    assert 'data-testid="badge-helpful"' in html
    assert "heat heat-1" in html or "heat heat-2" in html
    assert "ledger" not in html  # the ledger is private


def test_the_dashboard_shows_the_check_in_strip(client_for, learner):
    html = client_for(learner).get("/dashboard/").content.decode()

    assert 'data-testid="daily-checkin-section"' in html


def test_the_member_page_shows_our_section(client_for, learner, outsider, monkeypatch):
    from lyceum.engagement.hooks_sections import profile_section

    monkeypatch.setitem(hooks._providers, "member_profile.sections", [profile_section])  # ours alone
    give_points(learner, 700)
    services.badge_award(user=learner, badge="event_regular")

    response = client_for(outsider).get(f"/members/{learner.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="profile-points"' in html and "Mentor" in html
    assert 'data-testid="badge-event_regular"' in html

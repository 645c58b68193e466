"""The ``content.screen`` provider end to end through ``core.screening.screen``."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings
from django.utils import timezone

from conftest import make_user
from lyceum.community.models import Thread
from lyceum.community.tests.spaces_helpers import global_space, make_thread
from lyceum.core.errors import PermissionDenied, RateLimited, ValidationFailed
from lyceum.core.screening import screen
from lyceum.moderation.detection import classifier, limits
from lyceum.moderation.models import CommunityRules, RulesAcceptance, Sanction

pytestmark = pytest.mark.django_db

SPAM = "全套考研资料免费领，加微信 kaoyan_666 备注资料"
NORMAL = "第三课讲的装饰器我还是没太懂，为什么要在函数里面再定义一个函数？"


@pytest.fixture(autouse=True)
def _trust(monkeypatch):
    """Members are at trust level 2 unless a test says otherwise (engagement owns the levels)."""
    levels: dict[int, int] = {}
    monkeypatch.setattr(limits, "trust_level", lambda user: levels.get(user.pk, 2))
    classifier.forget()
    return levels


@pytest.fixture
def member(db):
    return make_user("member@example.org", joined_at=timezone.now() - timedelta(days=90), timezone_name="Europe/Berlin")


def rules_published(version: int = 1) -> CommunityRules:
    return CommunityRules.objects.create(version=version, body_en="Be kind.", body_zh="友善交流。")


def signal_rules(verdict) -> set[str]:
    return {s["rule"] for s in verdict.signals}


def test_spam_is_held_and_ordinary_posts_published(member):
    held = screen(author=member, kind="thread", text=SPAM, where="space:python")
    published = screen(author=member, kind="reply", text=NORMAL, where="space:python")

    assert held.action == "hold" and held.held
    assert "contact_id" in signal_rules(held)
    assert held.as_props()["score"] >= 0.8
    assert published.action == "publish" and published.score < 0.5


@pytest.mark.parametrize("kind", ["thread", "reply", "group", "group_post", "review", "profile"])
def test_every_kind_is_screened(member, kind):
    assert screen(author=member, kind=kind, text="V信 xyz888").action == "hold"


def test_a_short_link_from_a_day_old_account_is_held(_trust):
    newcomer = make_user("new@example.org", joined_at=timezone.now() - timedelta(days=1))
    _trust[newcomer.pk] = 1

    verdict = screen(author=newcomer, kind="thread", text="限时领取全套课程 t.cn/A6xYz9Kq")

    assert verdict.action == "hold"
    assert {"short_link", "external_link_new_account"} <= signal_rules(verdict)


def test_docs_link_from_an_old_account_is_published(member):
    verdict = screen(author=member, kind="reply", text="The answer is in https://docs.python.org/3/library/re.html")
    assert verdict.action == "publish"
    assert verdict.signals == () or "external_link_new_account" not in signal_rules(verdict)


def test_the_same_text_in_two_spaces_is_flagged(member):
    text = "推荐大家看看这套学习方法，效率提高很多，有兴趣的来小组讨论"
    first = screen(author=member, kind="thread", text=text, where="python")
    second = screen(author=member, kind="thread", text=text, where="django")
    assert "repeated_post" not in signal_rules(first)
    assert "repeated_post" in signal_rules(second)
    assert ("repeated_post", "space:python") in {(s["rule"], s["match"]) for s in second.signals}


def test_places_of_different_kinds_do_not_collide(member):
    text = "推荐大家看看这套学习方法，效率提高很多，有兴趣的来讨论"
    screen(author=member, kind="group_post", text=text, where="12")
    verdict = screen(author=member, kind="thread", text=text, where="12")
    assert ("repeated_post", "group_post:12") in {(s["rule"], s["match"]) for s in verdict.signals}


def test_backdated_posts_are_not_judged_as_live_behaviour(member):
    # an import of old posts (the demo data) may repeat a text in two spaces within seconds
    text = "推荐大家看看这套学习方法，效率提高很多，有兴趣的来小组讨论"
    long_ago = timezone.now() - timedelta(days=30)
    screen(author=member, kind="thread", text=text, where="python", at=long_ago)
    old = screen(author=member, kind="thread", text=text, where="django", at=long_ago)
    assert "repeated_post" not in signal_rules(old)
    live = screen(author=member, kind="thread", text=text, where="flask")
    assert "repeated_post" not in signal_rules(live)  # the backdated ones were not remembered either
    again = screen(author=member, kind="thread", text=text, where="fastapi", at=timezone.now())
    assert "repeated_post" in signal_rules(again)  # written now: live


def test_the_same_praise_on_two_courses_reviews_is_not_a_repeat(member):
    text = "老师讲得很清楚，案例很实用，学完马上能用在工作中。"
    screen(author=member, kind="review", text=text, where="12")
    verdict = screen(author=member, kind="review", text=text, where="13")
    assert "repeated_post" not in signal_rules(verdict) and verdict.action == "publish"


@pytest.mark.parametrize("role", ["moderator", "operator"])
def test_staff_are_never_held_but_scored(role):
    staff = make_user(f"{role}@example.org", role)
    Sanction.objects.create(user=staff, kind="mute", reason="test", ends_at=timezone.now() + timedelta(hours=1))
    rules_published()

    verdict = screen(author=staff, kind="thread", text=SPAM)

    assert verdict.action == "publish"
    assert verdict.score >= 0.8 and "contact_id" in signal_rules(verdict)


def test_a_muted_member_is_told_until_when_in_their_time_zone(member):
    ends = timezone.now() + timedelta(hours=2)
    Sanction.objects.create(user=member, kind="mute", reason="spam", ends_at=ends)

    with pytest.raises(PermissionDenied) as caught:
        screen(author=member, kind="reply", text=NORMAL)

    assert caught.value.code == "muted" and caught.value.status == 403
    local = timezone.localtime(ends, timezone=ZoneInfo("Europe/Berlin"))
    assert f"{local:%Y-%m-%d %H:%M}" in caught.value.message and "Europe/Berlin" in caught.value.message


@pytest.mark.parametrize("kind", ["thread", "review", "profile"])
def test_a_banned_member_cannot_post(member, kind):
    Sanction.objects.create(user=member, kind="ban", reason="spam")
    with pytest.raises(PermissionDenied) as caught:
        screen(author=member, kind=kind, text=NORMAL)
    assert caught.value.code == "banned"


def test_a_temporary_ban_says_until_when(member):
    Sanction.objects.create(user=member, kind="ban", reason="spam", ends_at=timezone.now() + timedelta(days=7))
    with pytest.raises(PermissionDenied) as caught:
        screen(author=member, kind="thread", text=NORMAL)
    assert caught.value.code == "banned" and "until" in caught.value.message


@pytest.mark.parametrize(
    "sanction",
    [
        {"kind": "mute", "ends_at": -1},  # over
        {"kind": "mute", "ends_at": 1, "lifted": True},
        {"kind": "ban", "ends_at": None, "lifted": True},
        {"kind": "ban", "ends_at": -1},
        {"kind": "warn", "ends_at": None},
    ],
)
def test_sanctions_that_no_longer_stop_posting(member, sanction):
    now = timezone.now()
    ends = None if sanction["ends_at"] is None else now + timedelta(hours=sanction["ends_at"])
    Sanction.objects.create(
        user=member, kind=sanction["kind"], reason="x", starts_at=now - timedelta(days=1), ends_at=ends,
        lifted_at=now if sanction.get("lifted") else None,
    )  # fmt: skip
    assert screen(author=member, kind="thread", text=NORMAL).action == "publish"


@pytest.mark.parametrize("kind", ["thread", "reply", "group", "group_post"])
def test_community_posts_need_the_rules_accepted(member, kind):
    rules_published()
    with pytest.raises(PermissionDenied) as caught:
        screen(author=member, kind=kind, text=NORMAL)
    assert caught.value.code == "rules_not_accepted"
    assert "/community/rules/" in caught.value.message


def test_reviews_and_profiles_do_not_need_the_rules(member):
    rules_published()
    assert screen(author=member, kind="review", text=NORMAL).action == "publish"
    assert screen(author=member, kind="profile", text="I teach maths in Chengdu.").action == "publish"


def test_accepting_the_rules_in_force_lets_a_member_post_until_a_new_version(member):
    rules_published(1)
    RulesAcceptance.objects.create(user=member, version=1)
    assert screen(author=member, kind="thread", text=NORMAL).action == "publish"

    rules_published(2)

    with pytest.raises(PermissionDenied):
        screen(author=member, kind="thread", text=NORMAL)


def test_no_rules_published_means_nothing_to_accept(member):
    assert screen(author=member, kind="thread", text=NORMAL).action == "publish"


def test_a_level_0_member_cannot_post_links(member, _trust):
    _trust[member.pk] = 0
    with pytest.raises(ValidationFailed) as caught:
        screen(author=member, kind="reply", text="My notes: https://myblog.example.net/python-notes")
    assert caught.value.field == "body" and caught.value.code == "links_not_allowed"
    assert "level 1" in caught.value.message


def test_a_level_0_member_may_link_to_our_own_site(member, _trust):
    _trust[member.pk] = 0
    with override_settings(LYCEUM_SITE_URL="https://learn.example.org"):
        verdict = screen(author=member, kind="reply", text="See https://learn.example.org/courses/python/ lesson 3")
    assert verdict.action == "publish"


def test_level_0_spam_with_a_link_is_held_not_bounced(member, _trust):
    _trust[member.pk] = 0
    verdict = screen(author=member, kind="thread", text="加微信 abc123 领取，资料在 http://bit.ly/3kXyZ12")
    assert verdict.action == "hold"


def test_links_open_up_at_level_1(member, _trust):
    _trust[member.pk] = 1
    verdict = screen(author=member, kind="reply", text="My notes: https://myblog.example.net/python-notes")
    assert verdict.action == "publish"


def test_a_level_0_member_has_an_hourly_post_limit(member, _trust):
    _trust[member.pk] = 0
    for i in range(limits.LIMITS[0].posts_per_hour):
        make_thread(member, global_space(), title=f"Question {i}", body=f"{NORMAL} ({i})")
    screen(author=member, kind="reply", text=NORMAL, obj=object())  # an edit does not count

    with pytest.raises(RateLimited) as caught:
        screen(author=member, kind="reply", text=NORMAL)

    assert caught.value.status == 429 and caught.value.code == "new_member_rate"
    assert Thread.objects.filter(author=member).count() == limits.LIMITS[0].posts_per_hour
    screen(author=member, kind="review", text=NORMAL)  # reviews have their own limit
    _trust[member.pk] = 3
    screen(author=member, kind="reply", text=NORMAL)  # higher levels lift it


def test_posts_older_than_an_hour_do_not_count(member, _trust):
    _trust[member.pk] = 0
    for i in range(limits.LIMITS[0].posts_per_hour):
        make_thread(member, global_space(), title=f"Question {i}", body=f"{NORMAL} ({i})")
    Thread.objects.filter(author=member).update(created_at=timezone.now() - timedelta(minutes=61))

    assert screen(author=member, kind="thread", text=NORMAL).action == "publish"


def test_the_limits_table_lifts_with_each_level():
    rates = [limits.limit_for(level) for level in range(5)]
    assert [r.links for r in rates] == [False, True, True, True, True]
    hourly = [r.posts_per_hour or 10**9 for r in rates]
    assert hourly == sorted(hourly) and hourly[0] < hourly[1] < hourly[2]


def test_instructors_have_no_new_member_limits(_trust):
    teacher = make_user("teacher@example.org", "instructor")
    _trust[teacher.pk] = 0
    for _ in range(limits.LIMITS[0].posts_per_hour + 2):
        verdict = screen(author=teacher, kind="thread", text="Slides for lesson 4: https://slides.example.net/l4")
    assert verdict.action == "publish"


def test_an_anonymous_author_gets_no_verdict_from_moderation():
    assert screen(author=AnonymousUser(), kind="thread", text=SPAM).action == "publish"


@pytest.mark.parametrize(
    "text", ["", "😀🎉🔥", "字" * 20_000, "<script>alert(1)</script><iframe src=//evil.example>", "\x00\ufeff"]
)
def test_bad_input_never_crashes(member, text):
    verdict = screen(author=member, kind="thread", text=text, where="space:a")
    assert verdict.action in ("publish", "queue", "hold")
    assert 0.0 <= verdict.score <= 1.0


def test_trust_levels_come_from_engagement(member, monkeypatch):
    """Without the monkeypatch: the real ``lyceum.engagement.selectors.trust_level``."""
    monkeypatch.undo()
    level = limits.trust_level(member)
    assert isinstance(level, int) and 0 <= level <= 4
    assert screen(author=member, kind="review", text=NORMAL).action == "publish"


def test_a_refused_link_does_not_use_up_the_hourly_limit(member, _trust):
    _trust[member.pk] = 0
    for _ in range(limits.LIMITS[0].posts_per_hour + 1):
        with pytest.raises(ValidationFailed):
            screen(author=member, kind="reply", text="My notes: https://myblog.example.net/python-notes")
    assert screen(author=member, kind="reply", text=NORMAL).action == "publish"

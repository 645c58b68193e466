"""Whole journeys in a real browser: what a visitor and an operator see and click.

Run just these with ``pytest -m browser``; they skip when Debian's chromium is missing.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from conftest import PASSWORD, TOTP_SECRET, make_user
from lyceum.accounts.models import Role
from lyceum.accounts.services import SurveyAnswers, learner_profile_save, learner_profile_skip

from .conftest import fresh_totp, requires_chromium

pytestmark = [
    pytest.mark.browser,
    requires_chromium,
    # The live server answers from another thread, so data must really be committed.
    pytest.mark.django_db(transaction=True),
]


def _confirmation_path(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", body)
    assert match, body
    return match.group(1)


def _current_totp() -> str:
    return fresh_totp(TOTP_SECRET)


def test_chinese_visitor_signs_up_answers_the_survey_and_switches_to_english(new_page, screenshot):
    page = new_page(locale="zh-CN")

    # The home page speaks Chinese to a browser that asks for it.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", level=1)).to_have_text("和专家一起，共同成长。")
    screenshot(page, "1-home")

    # Sign up through the real form.
    page.get_by_role("main").get_by_role("link", name="免费加入").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    page.get_by_label("显示名称").fill("Mei 美")
    page.get_by_label("邮箱", exact=True).fill("mei@example.org")
    page.get_by_label("密码", exact=True).fill("a-long-and-unusual-passphrase")
    page.get_by_label("再次输入密码").fill("a-long-and-unusual-passphrase")
    screenshot(page, "2-signup")
    page.get_by_role("main").get_by_role("button", name="注册").click()

    # Told to check the inbox; the message went out with the confirmation link.
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("验证你的邮箱地址")
    screenshot(page, "3-verification-sent")
    assert [m.to for m in mail.outbox] == [["mei@example.org"]]

    # Following the link and confirming signs the new learner in and opens the survey.
    page.goto(_confirmation_path(mail.outbox[0].body))
    expect(page.get_by_text("mei@example.org").first).to_be_visible()
    page.get_by_role("main").get_by_role("button", name="确认").click()
    expect(page).to_have_url(re.compile(r"/welcome/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("你想学什么？")
    screenshot(page, "4-survey")

    page.get_by_label("转行").check()
    page.get_by_label("提升职场技能").check()
    page.get_by_label("编程开发").select_option(label="入门")
    page.get_by_label("数据分析").select_option(label="进阶")
    page.get_by_label("视频").check()
    page.get_by_label("直播").check()
    page.get_by_label("你每周能学习多少小时？").fill("6")
    page.get_by_label("晚上").check()
    page.get_by_role("button", name="保存我的回答").click()

    # The dashboard greets the learner and shows the answers back.
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_role("status").first).to_contain_text("谢谢！我们会根据你的回答推荐课程和小组。")
    expect(page.get_by_role("heading", level=1)).to_have_text("欢迎回来，Mei 美")
    preferences = page.get_by_role("region", name="你的学习偏好")
    for chip in ("转行", "提升职场技能", "编程开发 · 入门", "数据分析 · 进阶", "视频", "直播", "6 小时"):
        expect(preferences.get_by_text(chip, exact=True)).to_be_visible()
    screenshot(page, "5-dashboard-zh")

    # The language switch in the header turns the whole page into English.
    page.get_by_label("语言").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back, Mei 美")
    preferences = page.get_by_role("region", name="Your learning preferences")
    for chip in ("Change career", "Level up at work", "Programming · Beginner", "Video", "6 hours"):
        expect(preferences.get_by_text(chip, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="My learning")).to_be_visible()
    screenshot(page, "6-dashboard-en")

    # The choice sticks on the next page too.
    page.goto("/welcome/")
    expect(page.get_by_role("heading", level=1)).to_have_text("What do you want to learn?")
    expect(page.get_by_label("Change career")).to_be_checked()


def test_operator_signs_in_with_two_factor_and_reads_the_learner_needs(new_page, screenshot):
    make_user("operator@example.org", Role.OPERATOR, display_name="Olga Operator", locale="en")
    answers = [
        SurveyAnswers(["career_change", "skill_up"], {"programming": "beginner"}, 4, ["video"], "evening"),
        SurveyAnswers(["career_change"], {"programming": "advanced", "data": "beginner"}, 12, ["live"], "evening"),
    ]
    for n, answer in enumerate(answers):
        learner = make_user(f"learner{n}@example.org")
        learner_profile_save(actor=learner, user=learner, answers=answer)
    learner_profile_skip(user=make_user("skipper@example.org"))

    page = new_page(locale="en-US")

    # Sign in: password first, then the authenticator code.
    page.goto("/operator/needs/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Email").fill("operator@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    screenshot(page, "1-2fa")
    page.get_by_label("Code").fill(_current_totp())
    page.get_by_role("main").get_by_role("button", name="Sign In").click()

    # Back where the operator was going: the needs overview with the counts.
    expect(page).to_have_url(re.compile(r"/operator/needs/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Learner needs")
    # Everyone is a learner, the operator too: four learners, two answered, one skipped.
    expect(page.get_by_role("main")).to_contain_text("2 of 4 active learners answered the needs survey; 1 skipped it.")

    goals = page.get_by_role("region", name="Goals")
    expect(goals.get_by_role("listitem").filter(has_text="Change career")).to_contain_text("2")
    expect(goals.get_by_role("listitem").filter(has_text="Level up at work")).to_contain_text("1")
    times = page.get_by_role("region", name="Study time")
    expect(times.get_by_role("listitem").filter(has_text="Evenings")).to_contain_text("2")

    topics = page.get_by_role("table")
    programming = topics.get_by_role("row", name=re.compile(r"^Programming"))
    expect(programming.get_by_role("cell")).to_have_text(["2", "1", "0", "1"])
    expect(topics.get_by_role("row", name=re.compile(r"^Data"))).to_contain_text("1")
    operations = page.get_by_role("navigation", name="Main").get_by_text("Operations")
    expect(operations).to_be_visible()
    operations.click()  # the operator menu opens and leads to the dashboard
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard")).to_be_visible()
    screenshot(page, "2-needs")

"""Data-driven retention in a real browser: the operator finds learners at risk with their
reasons, sends a message with personal coupons to everyone matching a filter (minus a random
hold-out), and a contacted learner gets the notice and pays less with their own coupon."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD, make_user
from lyceum.accounts.models import Role
from lyceum.analytics.churn.model import train
from lyceum.analytics.models import CampaignGroup, CampaignMember, ChurnScore, RetentionCampaign
from lyceum.analytics.rollup import platform_tz
from lyceum.analytics.tests.churn_fixtures import build_history
from lyceum.commerce.tests.helpers import make_product
from lyceum.learning.tests.factories import make_course

from .conftest import requires_chromium, sign_in

pytestmark = [pytest.mark.browser, requires_chromium, pytest.mark.django_db(transaction=True)]


def test_operator_sends_a_retention_offer_and_a_contacted_learner_uses_the_coupon(new_page, screenshot):
    make_user("operator@example.org", Role.OPERATOR, display_name="Olga Operator", locale="en")
    teacher = make_user("teacher@example.org", Role.INSTRUCTOR, display_name="Ada Teacher")
    course = make_course(instructor=teacher, title="SQL for analysts", is_free=False, lessons=2)
    make_product(courses=[course], title="SQL for analysts", list_price=20000)
    yesterday = timezone.now().astimezone(platform_tz()).date() - timedelta(days=1)
    build_history(learners=160, end=yesterday)
    model = train().model
    assert model is not None and model.scored > 20

    operator = new_page()
    sign_in(operator, "operator@example.org", otp=True)
    nav = operator.get_by_role("navigation", name="Main")
    nav.get_by_text("Operations").click()
    nav.get_by_role("link", name="Learners at risk").click()
    expect(operator.get_by_role("heading", level=1)).to_have_text("Learners at risk")
    table = operator.get_by_test_id("at-risk-table")
    riskiest = ChurnScore.objects.filter(model=model).order_by("-probability", "user_id").first()
    first_row = table.locator("tbody tr").first
    expect(first_row).to_contain_text(riskiest.user.get_short_name())
    expect(first_row).to_contain_text(re.compile(r"no activity for \d+ days|active on \d+ day|study|lesson|joined"))
    screenshot(operator, "1-at-risk")

    # Filter on the risk, then select everyone matching and write the campaign.
    operator.get_by_label("Minimum risk (%)").fill("50")
    operator.get_by_role("button", name="Filter").click()
    matching = ChurnScore.objects.filter(model=model, probability__gte=0.5).count()
    expect(operator.get_by_test_id("match-count")).to_contain_text(f"{matching} learner")
    operator.get_by_label(re.compile("matching the filter, on every page")).check()
    operator.get_by_role("button", name="Create a campaign for the selected learners").click()
    expect(operator.get_by_role("heading", level=1)).to_have_text("New retention campaign")
    expect(operator.get_by_test_id("preview")).to_contain_text(str(matching))
    operator.get_by_label("Campaign name").fill("November win-back")
    operator.get_by_label("Message title").fill("We saved your seat")
    operator.get_by_label("Message", exact=True).fill("Pick up where you stopped: **30% off** any course this week.")
    operator.get_by_label("Percent off").fill("30")
    screenshot(operator, "2-new-campaign")
    operator.get_by_role("button", name="Send the campaign").click()

    # The campaign page compares the contacted learners with the hold-out.
    expect(operator.get_by_role("heading", level=1)).to_have_text("November win-back")
    expect(operator.get_by_test_id("group-treatment")).to_be_visible()
    screenshot(operator, "3-campaign")
    campaign = RetentionCampaign.objects.get(name="November win-back")
    members = CampaignMember.objects.filter(campaign=campaign)
    assert members.count() == matching
    contacted = members.filter(group=CampaignGroup.TREATMENT).select_related("user", "coupon")
    assert contacted.exists() and all(m.coupon is not None for m in contacted)
    assert not members.filter(group=CampaignGroup.HOLDOUT, coupon__isnull=False).exists()

    # A contacted learner sees the notice, opens it and pays 30% less with their coupon.
    member = contacted.first()
    member.user.set_password(PASSWORD)  # the synthetic learners were bulk-created without sign-in details
    member.user.save()
    EmailAddress.objects.create(user=member.user, email=member.user.email, verified=True, primary=True)
    learner = new_page()
    sign_in(learner, member.user.email)
    learner.goto("/notifications/")
    learner.get_by_role("link", name=re.compile("We saved your seat")).click()
    expect(learner.get_by_role("heading", level=1)).to_have_text("We saved your seat")
    expect(learner.get_by_test_id("message")).to_contain_text("30% off")
    expect(learner.get_by_test_id("coupon")).to_contain_text(member.coupon.code)
    screenshot(learner, "4-offer")
    learner.goto(f"/courses/{course.slug}/")
    learner.get_by_role("link", name="Buy this course").click()
    learner.get_by_label("Coupon code").fill(member.coupon.code)
    learner.get_by_role("button", name="Apply coupon").click()
    expect(learner.get_by_test_id("total")).to_have_text("¥140.00")

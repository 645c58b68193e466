"""Walk 5 in two browsers: a member reports an advert, a moderator finds it in the queue, hides
it and bans its author, and the moderation log shows both; the reporter no longer sees it, the
author cannot post again and reads why on their moderation notices page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.community.models import Space, Thread
from lyceum.community.services.spaces import thread_create
from lyceum.moderation.models import Action, Case, Report, Sanction

from .conftest import requires_chromium, sign_in

pytestmark = [pytest.mark.browser, requires_chromium, pytest.mark.django_db(transaction=True)]


def test_member_reports_moderator_hides_and_bans_the_log_records_it(new_page, screenshot):
    author = make_user("seller@example.org", display_name="Quick Seller")
    reporter = make_user("mei@example.org", display_name="Mei Learner")
    mod = make_user("mod@example.org", Role.MODERATOR, display_name="Mo Derator")
    space = Space.objects.create(slug="lounge", name="Lounge")
    thread = thread_create(
        actor=author, space=space, title="Cheap course bundles", body="All courses half price, ask me how."
    )
    assert thread.hidden_at is None  # no contact details: the filter let it through

    # The member reports it from the thread page.
    mei = new_page()
    sign_in(mei, reporter.email)
    mei.goto(f"/community/t/{thread.pk}/")
    mei.get_by_role("link", name="Report").first.click()
    expect(mei).to_have_url(re.compile(rf"/report/thread/{thread.pk}/"))
    mei.get_by_label("Spam or advertising").check()
    mei.get_by_label("Note for the moderators").fill("Selling course bundles in the community.")
    mei.get_by_role("button", name="Send the report").click()
    expect(mei.get_by_text("Thank you. The moderators will look at it.")).to_be_visible()
    assert Report.objects.filter(reporter=reporter, target_kind="thread", target_id=thread.pk).count() == 1
    screenshot(mei, "1-reported")

    # The moderator finds the case in the queue and hides the thread, with a reason.
    mo = new_page()
    sign_in(mo, mod.email, otp=True)
    mo.goto("/operator/moderation/")
    expect(mo.get_by_role("main")).to_contain_text("Cheap course bundles")
    case = Case.objects.get(target_kind="thread", target_id=thread.pk, status="open")
    mo.goto(f"/operator/moderation/cases/{case.pk}/")
    screenshot(mo, "2-case")
    mo.get_by_label("Reason (the member reads it)").fill("Advertising is not allowed (rule 3).")
    mo.get_by_role("button", name="Hide", exact=True).click()
    thread.refresh_from_db()
    assert thread.hidden_at is not None and thread.hidden_reason == "moderator"

    # ... then bans the author from the same case page.
    mo.goto(f"/operator/moderation/cases/{case.pk}/")
    mo.get_by_label("Reason (the member reads it)").fill("Repeated advertising.")
    mo.get_by_role("button", name="Ban", exact=True).click()
    assert Sanction.objects.filter(user=author, kind="ban", lifted_at__isnull=True).exists()

    # The log shows both decisions with their reasons.
    mo.goto("/operator/moderation/log/")
    log = mo.get_by_role("main")
    expect(log).to_contain_text("Advertising is not allowed (rule 3).")
    expect(log).to_contain_text("Repeated advertising.")
    assert set(Action.objects.filter(subject=author).values_list("kind", flat=True)) >= {"hide", "ban"}
    screenshot(mo, "3-log")

    # The reporter no longer finds the thread.
    assert mei.goto(f"/community/t/{thread.pk}/").status == 404

    # The author reads why, and cannot post again.
    seller = new_page()
    sign_in(seller, author.email)
    seller.goto("/me/moderation/")
    expect(seller.get_by_role("main")).to_contain_text("Advertising is not allowed (rule 3).")
    seller.goto(f"/community/s/{space.slug}/new/")
    seller.get_by_label("Title").fill("Another offer")
    seller.get_by_label("Body").fill("Still selling, message me.")
    seller.get_by_role("button", name="Post", exact=True).click()
    expect(seller.get_by_role("main")).to_contain_text(re.compile("can no longer post|banned", re.I))
    assert Thread.objects.filter(author=author).count() == 1
    screenshot(seller, "4-banned")

"""A learner buys a paid course with a coupon through the sandbox and opens a paid lesson;
an operator refunds it in full and the lesson is locked again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from conftest import PASSWORD, TOTP_SECRET, make_user
from lyceum.accounts.models import Role
from lyceum.commerce.models import Coupon, CouponRedemption, Order, OrderStatus
from lyceum.commerce.tests.helpers import make_coupon, make_product
from lyceum.learning.tests.factories import make_course

from .conftest import fresh_totp, requires_chromium, sign_in

pytestmark = [pytest.mark.browser, requires_chromium, pytest.mark.django_db(transaction=True)]


def _current_totp() -> str:
    return fresh_totp(TOTP_SECRET)


def test_learner_buys_with_a_coupon_opens_a_paid_lesson_and_loses_it_after_a_refund(new_page, screenshot):
    teacher = make_user("teacher@example.org", Role.INSTRUCTOR, display_name="Ada Teacher")
    course = make_course(instructor=teacher, title="Data analysis with pandas", is_free=False, lessons=3)
    paid_lesson = course.lessons.order_by("position")[1]
    make_product(courses=[course], title="Data analysis with pandas", list_price=29900)
    make_coupon(code="WELCOME20", percent_off=20, max_redemptions=10)
    learner = make_user("mei@example.org", display_name="Mei Learner")
    page = new_page()
    sign_in(page, learner.email)

    # Before buying, the paid lesson is locked.
    page.goto(f"/courses/{course.slug}/lessons/{paid_lesson.pk}/")
    expect(page.get_by_role("heading", name="Lesson 2")).to_have_count(0)

    # The course page shows the price and a buy button.
    page.goto(f"/courses/{course.slug}/")
    expect(page.locator(".course-cta").get_by_text("¥299.00")).to_be_visible()
    screenshot(page, "1-course")
    page.get_by_role("link", name="Buy this course").click()

    # Checkout: apply the coupon, the server recomputes the totals.
    expect(page).to_have_url(re.compile(r"/checkout/"))
    page.get_by_label("Coupon code").fill("WELCOME20")
    page.get_by_role("button", name="Apply coupon").click()
    expect(page.get_by_test_id("discount")).to_contain_text("-¥59.80")
    expect(page.get_by_test_id("total")).to_have_text("¥239.20")
    screenshot(page, "2-checkout")

    # Paying without the terms is refused; with them, the sandbox asks to confirm.
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page.get_by_text("Please accept the terms of sale to continue.")).to_be_visible()
    page.get_by_label(re.compile("I accept the terms")).check()
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page).to_have_url(re.compile(r"/payments/sandbox/sb_"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay ¥239.20")
    screenshot(page, "3-sandbox")
    page.get_by_role("button", name="Pay", exact=True).click()

    # The order page says Paid and links to the course.
    expect(page).to_have_url(re.compile(r"/orders/LY\d{8}-[A-Z0-9]{6}/$"))
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    screenshot(page, "4-order")
    order = Order.objects.get(user=learner)
    assert (order.status, order.total) == (OrderStatus.PAID, 23920)
    assert Coupon.objects.get(code="WELCOME20").redemption_count == 1
    assert CouponRedemption.objects.filter(order=order).count() == 1

    # A paid lesson opens.
    page.get_by_role("link", name="Start learning").click()
    expect(page.get_by_text("You are enrolled")).to_be_visible()
    page.goto(f"/courses/{course.slug}/lessons/{paid_lesson.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lesson 2")
    screenshot(page, "5-lesson")

    # An operator refunds the whole order from the order desk (reason required).
    make_user("operator@example.org", Role.OPERATOR, display_name="Olga Operator", locale="en")
    desk = new_page()
    desk.goto(f"/operator/orders/{order.number}/")
    desk.get_by_label("Email").fill("operator@example.org")
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("main").get_by_role("button", name="Sign In").click()
    for _attempt in range(2):  # a code typed as its 30-second window ends is refused: take the next one
        desk.get_by_label("Code").fill(_current_totp())
        desk.get_by_role("main").get_by_role("button", name="Sign In").click()
        try:
            desk.wait_for_url(re.compile(rf"/operator/orders/{order.number}/$"), timeout=5_000)
            break
        except PlaywrightTimeoutError:
            continue
    expect(desk).to_have_url(re.compile(rf"/operator/orders/{order.number}/$"))
    desk.get_by_role("button", name="Refund").click()
    expect(desk.get_by_text("This field is required.")).to_be_visible()
    desk.get_by_label("Reason").fill("Bought by mistake")
    desk.get_by_role("button", name="Refund").click()
    expect(desk.get_by_test_id("order-status")).to_have_text("Refunded")
    screenshot(desk, "6-refund")

    # The learner's paid lesson is locked again; the order page says Refunded.
    page.goto(f"/courses/{course.slug}/lessons/{paid_lesson.pk}/")
    expect(page.get_by_role("heading", name="Lesson 2")).to_have_count(0)
    page.goto(f"/orders/{order.number}/")
    expect(page.get_by_test_id("order-status")).to_have_text("Refunded")

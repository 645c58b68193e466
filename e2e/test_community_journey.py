"""Course Q&A in two browsers (walk 2): a learner asks in the course space, the instructor
answers, the learner is notified (header bell), opens the notification and accepts the answer,
and the answer's author finds the accepted-answer points on their points page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.community.models import Thread
from lyceum.community.services.spaces import space_for_course
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course
from lyceum.notifications.models import Notification

from .conftest import requires_chromium, sign_in

pytestmark = [pytest.mark.browser, requires_chromium, pytest.mark.django_db(transaction=True)]


def _sign_in(page, email, *, totp=False):
    sign_in(page, email, otp=totp)
    expect(page.get_by_role("link", name="Notifications")).to_be_visible()


def test_learner_asks_instructor_answers_learner_is_notified_and_accepts(new_page, screenshot):
    teacher = make_user("teacher@example.org", Role.INSTRUCTOR, display_name="Ada Teacher")
    learner = make_user("mei@example.org", display_name="Mei Learner")
    course = make_course(instructor=teacher, title="SQL 数据分析入门")
    enrollment_create(user=learner, course=course)
    space = space_for_course(course=course)

    # The learner asks from the course page.
    mei = new_page()
    _sign_in(mei, learner.email)
    mei.goto(f"/courses/{course.slug}/")
    mei.get_by_test_id("course-space").get_by_role("link", name="Ask a question").click()
    expect(mei).to_have_url(re.compile(rf"/community/s/{space.slug}/new/"))
    mei.get_by_label("Kind").select_option("question")
    mei.get_by_label("Title").fill("GROUP BY 和 WHERE 有什么区别？")
    mei.get_by_label("Body").fill("When do I filter with `HAVING` instead of `WHERE`?")
    mei.get_by_role("button", name="Post", exact=True).click()
    expect(mei.get_by_role("heading", level=1)).to_have_text("GROUP BY 和 WHERE 有什么区别？")
    thread = Thread.objects.get(space=space)
    screenshot(mei, "1-question")

    # The instructor, in a second browser, finds it among the open questions and answers.
    ada = new_page()
    _sign_in(ada, teacher.email, totp=True)
    ada.goto("/community/qa/")
    ada.get_by_role("link", name="GROUP BY 和 WHERE 有什么区别？").click()
    answer = "`WHERE` filters rows before grouping; `HAVING` filters groups."
    ada.get_by_role("textbox", name="Your reply").last.fill(answer)
    ada.get_by_role("button", name="Post reply").last.click()
    expect(ada.locator(".reply").first).to_contain_text("HAVING")
    screenshot(ada, "2-answer")

    # The learner's bell shows the notification; opening it leads to the answer.
    assert Notification.objects.filter(recipient=learner, kind="reply").count() == 1
    mei.goto("/community/")
    bell = mei.get_by_role("link", name="Notifications")
    expect(bell).to_contain_text("1")
    bell.click()
    mei.get_by_role("link", name=re.compile("Ada Teacher replied")).click()
    expect(mei).to_have_url(re.compile(rf"/community/t/{thread.pk}/"))
    mei.get_by_role("button", name="Accept this answer").click()
    expect(mei.get_by_role("heading", name="Accepted answer")).to_be_visible()
    screenshot(mei, "3-accepted")

    thread.refresh_from_db()
    assert thread.accepted_reply is not None and thread.accepted_reply.author == teacher
    assert Notification.objects.filter(recipient=teacher, kind="accepted").count() == 1
    assert Notification.objects.get(recipient=learner, kind="reply").read_at is not None

    # Walk 2 ends in points: the accepted answer earns its author points, shown on their page.
    from lyceum.engagement.models import PointEntry

    award = PointEntry.objects.get(user=teacher, action="accepted_answer")
    assert award.points > 0
    ada.goto("/me/points/")
    expect(ada.get_by_role("main")).to_contain_text(str(award.points))
    screenshot(ada, "4-points")

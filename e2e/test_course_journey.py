"""A learner finds a free course, enrolls, watches, passes the quiz and gets the certificate."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.courses.demo import demo_video
from lyceum.courses.models import CourseStatus, LessonKind
from lyceum.courses.services import course_search_index_update
from lyceum.learning.models import Certificate, LessonProgress
from lyceum.learning.tests.factories import add_lesson, add_quiz, make_course

from .conftest import requires_chromium, sign_in

pytestmark = [pytest.mark.browser, requires_chromium, pytest.mark.django_db(transaction=True)]


def _course_with_video_and_quiz():
    teacher = make_user("teacher@example.org", Role.INSTRUCTOR, display_name="Ada Teacher")
    course = make_course(
        instructor=teacher, title="零基础学Python编程入门", subtitle="From zero to scripts", lessons=2,
        objectives="Variables\nLoops", description="Learn **Python** step by step.",
    )  # fmt: skip
    video = add_lesson(course, title="First program", kind=LessonKind.VIDEO, media_type="video/mp4", duration_seconds=4)
    video.media.save("intro.mp4", ContentFile(demo_video()))
    quiz = add_quiz(course)
    make_course(title="Cooking basics", lessons=1)  # noise for the search
    assert course.status == CourseStatus.PUBLISHED
    course_search_index_update(course=course)
    return course, video, quiz


def test_learner_finds_enrolls_learns_passes_and_gets_a_certificate(new_page, screenshot):
    course, video, quiz = _course_with_video_and_quiz()
    learner = make_user("mei@example.org", display_name="Mei Learner")
    page = new_page()
    sign_in(page, learner.email)

    # Catalog -> search in Chinese + English.
    page.goto("/courses/")
    screenshot(page, "1-catalog")
    search = page.get_by_role("searchbox").first
    search.fill("Python 入门")
    search.press("Enter")
    result = page.get_by_role("link", name="零基础学Python编程入门").first
    expect(result).to_be_visible()
    expect(page.get_by_text("Cooking basics")).to_have_count(0)
    result.click()

    # Course page -> enroll.
    expect(page).to_have_url(re.compile(rf"/courses/{course.slug}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("零基础学Python编程入门")
    screenshot(page, "2-course")
    page.get_by_role("button", name="Enroll for free").click()
    expect(page.get_by_text("You are enrolled")).to_be_visible()

    # Text lessons: mark complete moves on.
    for _ in range(2):
        page.get_by_role("button", name=re.compile("Mark as complete")).click()

    # The video lesson plays through the protected URL and reports progress.
    expect(page.get_by_role("heading", level=1)).to_have_text("First program")
    player = page.locator("video")
    expect(player).to_be_visible()
    # (wait_for_function would need eval, which our CSP rightly forbids: poll instead)
    for _ in range(40):
        if page.evaluate("document.querySelector('video').readyState") >= 1:
            break
        page.wait_for_timeout(250)
    assert page.evaluate("document.querySelector('video').duration") > 3  # the protected URL served a real video
    page.evaluate("const v = document.querySelector('video'); v.currentTime = 4; v.dispatchEvent(new Event('pause'))")
    for _ in range(40):  # the player posts the position in the background
        row = LessonProgress.objects.filter(user=learner, lesson=video).first()
        if row and row.completed_at:
            break
        page.wait_for_timeout(250)
    assert LessonProgress.objects.get(user=learner, lesson=video).completed_at is not None
    screenshot(page, "3-video")

    # The quiz: answer everything right.
    page.goto(f"/courses/{course.slug}/lessons/{quiz.lesson_id}/")
    page.get_by_role("radio", name="4").check()
    page.get_by_role("checkbox", name="2").check()
    page.get_by_role("checkbox", name="3").check()
    page.get_by_role("radio", name="True").check()
    page.get_by_role("textbox").nth(0).fill("Paris")
    page.get_by_role("textbox").nth(1).fill("1994")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("Passed", exact=True)).to_be_visible()
    screenshot(page, "4-quiz")

    # Completed: the certificate is on My learning and verifies publicly.
    page.goto("/dashboard/")
    certificate = Certificate.objects.get(user=learner, course=course)
    expect(page.get_by_text(certificate.code)).to_be_visible()
    page.goto(f"/certificates/{certificate.code}/")
    expect(page.get_by_text("Valid certificate")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mei Learner")
    screenshot(page, "5-certificate")

"""The quality review workflow: draft → in review → published → archived (→ draft)."""

import pytest
from django.utils import timezone

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.core.errors import Conflict, PermissionDenied, ValidationFailed
from lyceum.core.models import Event
from lyceum.courses import services
from lyceum.courses.models import REVIEW_CHECKLIST, CourseChange, CourseReview, CourseStatus, ReviewDecision
from lyceum.courses.tests.authoring_helpers import (
    add_module,
    all_checked,
    make_course,
    make_expert_reviewer,
    publish,
)


def _state(course):
    course.refresh_from_db()
    return course.status, course.version, course.published_at is not None, CourseChange.objects.count()


@pytest.fixture
def submitted(instructor):
    course = make_course(instructor, title="Ready", ready=True)
    review = services.course_submit(actor=instructor, course=course, note="Please look at module 1.")
    return course, review


# --- Submitting ---


def test_a_complete_draft_goes_into_review(instructor, submitted):
    course, review = submitted

    course.refresh_from_db()
    assert course.status == CourseStatus.IN_REVIEW
    assert course.submitted_at is not None
    assert (review.decision, review.submitted_by, review.note) == (
        ReviewDecision.PENDING,
        instructor,
        "Please look at module 1.",
    )
    assert Event.objects.filter(name="course.submitted", object_id=str(course.pk)).count() == 1


def test_an_incomplete_course_cannot_be_submitted_and_the_error_says_why(instructor):
    course = make_course(instructor)
    add_module(instructor, course, "Empty module")

    with pytest.raises(ValidationFailed) as error:
        services.course_submit(actor=instructor, course=course)

    message = error.value.message
    assert "description" in message and "objectives" in message and "module with a lesson" in message
    course.refresh_from_db()
    assert course.status == CourseStatus.DRAFT
    assert not CourseReview.objects.exists()


def test_only_a_draft_can_be_submitted(instructor, submitted):
    course, _review = submitted

    with pytest.raises(Conflict):
        services.course_submit(actor=instructor, course=course)

    assert CourseReview.objects.count() == 1


@pytest.mark.parametrize("persona", ["learner", "moderator", "other_instructor"])
def test_only_the_courses_instructors_submit(request, instructor, persona):
    course = make_course(instructor, ready=True)
    user = (
        make_user("other@example.org", Role.INSTRUCTOR)
        if persona == "other_instructor"
        else request.getfixturevalue(persona)
    )

    with pytest.raises(PermissionDenied):
        services.course_submit(actor=user, course=course)

    course.refresh_from_db()
    assert course.status == CourseStatus.DRAFT
    assert not CourseReview.objects.exists()


# --- Deciding ---


def test_operator_approves_and_the_course_is_published_as_version_1(instructor, operator, submitted):
    course, review = submitted

    services.review_approve(actor=operator, review=review, checklist=all_checked(), comments="Lovely.")

    course.refresh_from_db()
    review.refresh_from_db()
    assert course.status == CourseStatus.PUBLISHED
    assert course.published_at is not None
    assert course.version == 1
    assert (review.decision, review.reviewer, review.comments) == (ReviewDecision.APPROVED, operator, "Lovely.")
    assert review.checklist == {key: True for key, _label in REVIEW_CHECKLIST}
    change = CourseChange.objects.get(course=course)
    assert (change.version, change.author) == (1, instructor)
    names = list(Event.objects.filter(object_id=str(course.pk)).values_list("name", flat=True))
    assert "course.review_decided" in names and "course.published" in names


def test_approval_puts_the_course_in_search_and_archiving_takes_it_out(instructor, operator, submitted):
    from lyceum.courses import search

    course, review = submitted

    services.review_approve(actor=operator, review=review, checklist=all_checked())
    assert course.pk in search.course_search(query="Ready")[0]

    services.course_archive(actor=instructor, course=course)
    assert course.pk not in search.course_search(query="Ready")[0]


def test_an_expert_reviewer_moderator_may_approve(submitted):
    course, review = submitted
    expert = make_expert_reviewer()

    services.review_approve(actor=expert, review=review, checklist=all_checked())

    course.refresh_from_db()
    assert course.status == CourseStatus.PUBLISHED


def test_a_plain_moderator_or_instructor_may_not_decide(moderator, submitted):
    course, review = submitted
    colleague = make_user("colleague@example.org", Role.INSTRUCTOR)
    before = _state(course)

    for user in (moderator, colleague):
        with pytest.raises(PermissionDenied):
            services.review_approve(actor=user, review=review, checklist=all_checked())
        with pytest.raises(PermissionDenied):
            services.review_send_back(actor=user, review=review, comments="No.")

    assert _state(course) == before
    review.refresh_from_db()
    assert review.decision == ReviewDecision.PENDING


def test_no_one_reviews_their_own_course(instructor, operator):
    # an operator who co-teaches the course, and an operator who submitted it
    teaching_operator = make_user("teacher@example.org", Role.OPERATOR, Role.INSTRUCTOR)
    course = make_course(instructor, ready=True)
    services.course_instructor_add(actor=instructor, course=course, email=teaching_operator.email)
    review = services.course_submit(actor=instructor, course=course)
    before = _state(course)

    with pytest.raises(PermissionDenied, match="own course"):
        services.review_approve(actor=teaching_operator, review=review, checklist=all_checked())
    assert _state(course) == before

    other_operator = make_user("boss@example.org", Role.OPERATOR)
    second = make_course(instructor, title="Second", ready=True)
    second_review = services.course_submit(actor=other_operator, course=second)
    with pytest.raises(PermissionDenied, match="own course"):
        services.review_approve(actor=other_operator, review=second_review, checklist=all_checked())


def test_approval_needs_every_checklist_item(operator, submitted):
    course, review = submitted
    before = _state(course)

    with pytest.raises(ValidationFailed) as error:
        services.review_approve(actor=operator, review=review, checklist=all_checked()[:-1])

    assert error.value.field == "checklist"
    assert _state(course) == before
    with pytest.raises(ValidationFailed, match="Unknown checklist item"):
        services.review_approve(actor=operator, review=review, checklist=[*all_checked(), "vibes"])


def test_sending_back_needs_comments_and_returns_the_course_to_draft(operator, submitted):
    course, review = submitted

    with pytest.raises(ValidationFailed) as error:
        services.review_send_back(actor=operator, review=review, comments="  ")
    assert error.value.field == "comments"

    services.review_send_back(actor=operator, review=review, comments="Add captions to video 2.", checklist=["rights"])

    course.refresh_from_db()
    review.refresh_from_db()
    assert course.status == CourseStatus.DRAFT
    assert course.version == 0
    assert review.decision == ReviewDecision.CHANGES_REQUESTED
    assert review.checklist["rights"] is True and review.checklist["media"] is False
    assert not CourseChange.objects.exists()
    assert Event.objects.get(name="course.review_decided").props["decision"] == "changes_requested"


def test_a_decided_review_cannot_be_decided_again(operator, submitted):
    _course, review = submitted
    services.review_send_back(actor=operator, review=review, comments="Fix it.")

    with pytest.raises(Conflict):
        services.review_approve(actor=operator, review=review, checklist=all_checked())


def test_a_second_round_after_send_back_publishes(instructor, operator, submitted):
    course, review = submitted
    services.review_send_back(actor=operator, review=review, comments="Fix it.")
    second = services.course_submit(actor=instructor, course=course)

    services.review_approve(actor=operator, review=second, checklist=all_checked())

    course.refresh_from_db()
    assert course.status == CourseStatus.PUBLISHED
    assert CourseReview.objects.filter(course=course).count() == 2


# --- After publishing: changes, archive, rework ---


def test_recording_a_change_adds_a_version_learners_see(instructor, operator):
    course = publish(make_course(instructor, ready=True), instructor, operator)
    before = timezone.now()

    change = services.course_change_record(actor=instructor, course=course, summary="New lesson on joins.")

    course.refresh_from_db()
    assert (course.version, change.version, change.author) == (2, 2, instructor)
    assert course.content_updated_at >= before
    assert course.status == CourseStatus.PUBLISHED
    with pytest.raises(ValidationFailed):
        services.course_change_record(actor=instructor, course=course, summary="")


def test_editing_a_published_course_stays_live(instructor, operator):
    course = publish(make_course(instructor, ready=True), instructor, operator)

    services.course_update(actor=instructor, course=course, subtitle="Now with exercises")

    course.refresh_from_db()
    assert course.status == CourseStatus.PUBLISHED
    assert course.subtitle == "Now with exercises"


@pytest.mark.parametrize("persona", ["instructor", "operator"])
def test_instructor_or_operator_archives_and_reworks(request, instructor, operator, persona):
    course = publish(make_course(instructor, ready=True), instructor, operator)
    actor = request.getfixturevalue(persona)

    services.course_archive(actor=actor, course=course)
    course.refresh_from_db()
    assert course.status == CourseStatus.ARCHIVED
    assert course.archived_at is not None
    assert Event.objects.filter(name="course.archived").count() == 1

    services.course_unarchive(actor=actor, course=course)
    course.refresh_from_db()
    assert course.status == CourseStatus.DRAFT


@pytest.mark.parametrize("persona", ["learner", "moderator", "other_instructor"])
def test_others_cannot_archive(request, instructor, operator, persona):
    course = publish(make_course(instructor, ready=True), instructor, operator)
    user = (
        make_user("other@example.org", Role.INSTRUCTOR)
        if persona == "other_instructor"
        else request.getfixturevalue(persona)
    )

    with pytest.raises(PermissionDenied):
        services.course_archive(actor=user, course=course)

    course.refresh_from_db()
    assert course.status == CourseStatus.PUBLISHED


def test_transitions_out_of_order_are_refused(instructor, operator):
    draft = make_course(instructor, ready=True)

    with pytest.raises(Conflict):
        services.course_archive(actor=instructor, course=draft)
    with pytest.raises(Conflict):
        services.course_unarchive(actor=instructor, course=draft)
    published = publish(make_course(instructor, title="P", ready=True), instructor, operator)
    with pytest.raises(Conflict):
        services.course_submit(actor=instructor, course=published)


def test_republishing_after_rework_keeps_the_first_publication_date(instructor, operator):
    course = publish(make_course(instructor, ready=True), instructor, operator)
    first = course.published_at
    services.course_archive(actor=instructor, course=course)
    services.course_unarchive(actor=instructor, course=course)

    publish(course, instructor, operator)

    course.refresh_from_db()
    assert course.published_at == first
    assert course.version == 2
    assert course.content_updated_at is not None
    assert list(course.changes.values_list("version", flat=True)) == [2, 1]


# --- The pages ---


@pytest.mark.parametrize(
    ("persona", "status"), [("learner", 403), ("instructor", 403), ("moderator", 403), ("operator", 200)]
)
def test_review_queue_is_for_reviewers(request, client_for, persona, status):
    user = request.getfixturevalue(persona)

    assert client_for(user).get("/studio/reviews/").status_code == status


def test_review_queue_lists_pending_courses_with_few_queries(
    client_for, instructor, operator, django_assert_max_num_queries
):
    for index in range(10):
        course = make_course(instructor, title=f"Course {index}", ready=True)
        services.course_submit(actor=instructor, course=course)
    client = client_for(operator)
    client.get("/studio/reviews/")

    with django_assert_max_num_queries(7):  # + the unread-notifications badge
        response = client.get("/studio/reviews/")

    assert response.content.decode().count("/studio/reviews/") >= 10


def test_expert_reviewer_approves_through_the_page(client_for, submitted):
    course, review = submitted
    expert = make_expert_reviewer()
    client = client_for(expert)
    assert client.get(f"/studio/reviews/{review.pk}/").status_code == 200

    response = client.post(
        f"/studio/reviews/{review.pk}/", {"decision": "approve", "checklist": all_checked(), "comments": ""}
    )

    assert response.status_code == 302
    course.refresh_from_db()
    assert course.status == CourseStatus.PUBLISHED


def test_the_review_page_refuses_an_incomplete_checklist(client_for, operator, submitted):
    course, review = submitted

    response = client_for(operator).post(
        f"/studio/reviews/{review.pk}/", {"decision": "approve", "checklist": ["objectives"]}
    )

    assert response.status_code == 400
    assert "Tick every checklist item before approving." in response.content.decode()
    course.refresh_from_db()
    assert course.status == CourseStatus.IN_REVIEW


def test_the_instructor_sees_the_reviewers_comments(client_for, instructor, operator, submitted):
    course, review = submitted
    client_for(operator).post(
        f"/studio/reviews/{review.pk}/", {"decision": "send_back", "comments": "Add **captions**, please."}
    )

    page = client_for(instructor).get(f"/studio/courses/{course.pk}/").content.decode()

    assert "sent the course back" in page
    assert "<strong>captions</strong>" in page


def test_an_instructor_who_reviews_sees_their_own_course_but_cannot_decide(client_for, instructor):
    teaching_operator = make_user("teacher@example.org", Role.OPERATOR, Role.INSTRUCTOR)
    course = make_course(instructor, ready=True)
    services.course_instructor_add(actor=instructor, course=course, email=teaching_operator.email)
    review = services.course_submit(actor=instructor, course=course)
    client = client_for(teaching_operator)

    page = client.get(f"/studio/reviews/{review.pk}/").content.decode()
    response = client.post(f"/studio/reviews/{review.pk}/", {"decision": "approve", "checklist": all_checked()})

    assert "another reviewer must decide" in page
    assert response.status_code == 403
    course.refresh_from_db()
    assert course.status == CourseStatus.IN_REVIEW


def test_submit_page_shows_what_is_missing(client_for, instructor):
    course = make_course(instructor)

    response = client_for(instructor).post(f"/studio/courses/{course.pk}/submit/", {"note": ""})

    assert response.status_code == 400
    assert "The course is not ready for review" in response.content.decode()
    course.refresh_from_db()
    assert course.status == CourseStatus.DRAFT


def test_reviewers_open_lesson_files_of_courses_in_review(client_for, instructor, operator):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lyceum.courses.models import LessonKind
    from lyceum.courses.tests.authoring_helpers import tiny_pdf

    course = make_course(instructor, ready=True)
    lesson = services.lesson_create(
        actor=instructor,
        module=course.modules.get(),
        data=services.LessonData(title="Sheet", kind=LessonKind.FILE),
        upload=SimpleUploadedFile("s.pdf", tiny_pdf()),
    )
    services.course_submit(actor=instructor, course=course)

    assert client_for(make_expert_reviewer()).get(f"/studio/lessons/{lesson.pk}/media/").status_code == 200


def test_lesson_bodies_are_sanitised_on_the_review_page(client_for, instructor, operator):
    course = make_course(instructor, ready=True)
    services.lesson_create(
        actor=instructor,
        module=course.modules.get(),
        data=services.LessonData(title="Evil", body="ok <script>steal()</script> <iframe src=//x></iframe> **fine**"),
    )
    review = services.course_submit(actor=instructor, course=course)

    page = client_for(operator).get(f"/studio/reviews/{review.pk}/").content.decode()

    assert "<strong>fine</strong>" in page
    assert "steal()" not in page
    assert "<iframe" not in page


def test_a_new_lesson_on_a_published_course_reaches_search(instructor, operator):
    from lyceum.courses import search

    course = publish(make_course(instructor, ready=True), instructor, operator)

    services.lesson_create(
        actor=instructor, module=course.modules.get(), data=services.LessonData(title="Quaternions explained")
    )

    assert course.pk in search.course_search(query="Quaternions")[0]

import pytest
from django.template.loader import render_to_string
from django.test import Client

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.courses.models import CourseStatus
from lyceum.feedback.models import Review
from lyceum.feedback.selectors.reviews import course_reviews_section
from lyceum.feedback.services.reviews import review_helpful_toggle, review_hide, review_reply, review_save
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course


@pytest.fixture
def course(instructor):
    return make_course(instructor=instructor, title="Data 101")


@pytest.fixture
def enrolled(learner, course):
    enrollment_create(user=learner, course=course)
    return learner


def _reviews(course, n, *, start=0):
    made = []
    for i in range(start, start + n):
        user = make_user(f"r{i}@example.org", Role.LEARNER, display_name=f"Reviewer {i}")
        enrollment_create(user=user, course=course)
        made.append(review_save(actor=user, course=course, rating=1 + i % 5, text=f"Review number {i}")[0])
    return made


def test_the_review_page_lists_reviews_for_visitors(client, course):
    _reviews(course, 3)

    response = client.get(f"/courses/{course.slug}/reviews/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "Review number 0" in body and "Review number 2" in body
    assert f'action="/courses/{course.slug}/reviews/write/"' not in body


def test_the_review_page_of_a_draft_course_is_404(client, instructor):
    draft = make_course(instructor=instructor, status=CourseStatus.DRAFT)

    assert client.get(f"/courses/{draft.slug}/reviews/").status_code == 404


def test_an_enrolled_learner_writes_then_edits_a_review(client_for, enrolled, course):
    client = client_for(enrolled)
    page = client.get(f"/courses/{course.slug}/reviews/")
    assert "Write a review" in page.content.decode()

    response = client.post(f"/courses/{course.slug}/reviews/write/", {"rating": "4", "text": "Solid intro"})
    assert response.status_code == 302
    response = client.post(f"/courses/{course.slug}/reviews/write/", {"rating": "5", "text": "Even better"})
    assert response.status_code == 302

    review = Review.objects.get()
    assert (review.rating, review.text, review.user) == (5, "Even better", enrolled)
    page = client.get(f"/courses/{course.slug}/reviews/").content.decode()
    assert "Edit your review" in page and "Your review" in page


def test_the_form_shows_errors_for_a_missing_or_bad_rating(client_for, enrolled, course):
    client = client_for(enrolled)

    for data in ({"text": "no stars"}, {"rating": "9", "text": "x"}, {"rating": "abc"}):
        response = client.post(f"/courses/{course.slug}/reviews/write/", data)
        assert response.status_code == 200
        assert response.context["form"].errors["rating"]
    assert not Review.objects.exists()


def test_too_long_text_is_a_form_error(client_for, enrolled, course):
    response = client_for(enrolled).post(f"/courses/{course.slug}/reviews/write/", {"rating": "3", "text": "y" * 5001})

    assert response.status_code == 200
    assert response.context["form"].errors["text"]
    assert not Review.objects.exists()


def test_not_enrolled_gets_403_and_nothing_is_written(client_for, outsider, course):
    client = client_for(outsider)

    assert client.get(f"/courses/{course.slug}/reviews/write/").status_code == 403
    assert client.post(f"/courses/{course.slug}/reviews/write/", {"rating": "5"}).status_code == 403
    assert not Review.objects.exists()
    assert "Write a review" not in client.get(f"/courses/{course.slug}/reviews/").content.decode()


def test_anonymous_is_sent_to_sign_in(client, course):
    response = client.post(f"/courses/{course.slug}/reviews/write/", {"rating": "5"})

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"] or "login" in response["Location"]
    assert not Review.objects.exists()


def test_review_text_and_replies_are_escaped(client, enrolled, instructor, course):
    review, _ = review_save(
        actor=enrolled, course=course, rating=1, text='<script>alert(1)</script><img src=x onerror="x()">'
    )
    review_reply(actor=instructor, review=review, text="<b onclick='y()'>thanks</b>")

    body = client.get(f"/courses/{course.slug}/reviews/").content.decode()

    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<img src=x" not in body
    assert "<b onclick" not in body and "&lt;b onclick=" in body


def test_helpful_works_without_javascript(client_for, enrolled, outsider, course):
    review, _ = review_save(actor=enrolled, course=course, rating=4, text="Helpful one")
    client = client_for(outsider)
    target = f"/courses/{course.slug}/reviews/?sort=newest"

    response = client.post(f"/reviews/{review.pk}/helpful/", {"next": target})

    assert response.status_code == 302 and response["Location"] == target
    review.refresh_from_db()
    assert review.helpful_count == 1
    page = client.get(target).content.decode()
    assert 'aria-pressed="true"' in page


def test_helpful_on_own_review_is_403(client_for, enrolled, course):
    review, _ = review_save(actor=enrolled, course=course, rating=4, text="Mine")

    assert client_for(enrolled).post(f"/reviews/{review.pk}/helpful/").status_code == 403
    review.refresh_from_db()
    assert review.helpful_count == 0


def test_helpful_ignores_an_offsite_next(client_for, enrolled, outsider, course):
    review, _ = review_save(actor=enrolled, course=course, rating=4, text="x")

    response = client_for(outsider).post(f"/reviews/{review.pk}/helpful/", {"next": "https://evil.example/"})

    assert response["Location"].startswith(f"/courses/{course.slug}/reviews/")


def test_the_instructor_replies_from_the_review_page(client_for, enrolled, instructor, course):
    review, _ = review_save(actor=enrolled, course=course, rating=2, text="Too fast")
    client = client_for(instructor)
    assert "Save reply" in client.get(f"/courses/{course.slug}/reviews/").content.decode()

    response = client.post(f"/reviews/{review.pk}/reply/", {"text": "We slowed module 2 down."})

    assert response.status_code == 302
    review.refresh_from_db()
    assert review.instructor_reply == "We slowed module 2 down."
    assert "We slowed module 2 down." in client.get(f"/courses/{course.slug}/reviews/").content.decode()


def test_another_instructor_gets_403_on_reply(client_for, enrolled, course):
    other = make_user("other-teacher@example.org", Role.INSTRUCTOR)
    review, _ = review_save(actor=enrolled, course=course, rating=2, text="Too fast")

    assert client_for(other).post(f"/reviews/{review.pk}/reply/", {"text": "hi"}).status_code == 403
    assert client_for(enrolled).post(f"/reviews/{review.pk}/reply/", {"text": "hi"}).status_code == 403
    review.refresh_from_db()
    assert review.instructor_reply == ""


def test_a_moderator_hides_and_shows_a_review(client_for, client, enrolled, moderator, course):
    review, _ = review_save(actor=enrolled, course=course, rating=1, text="Buy cheap watches")
    mod = client_for(moderator)

    assert mod.post(f"/reviews/{review.pk}/hide/", {"action": "hide"}).status_code == 302
    assert "Buy cheap watches" not in client.get(f"/courses/{course.slug}/reviews/").content.decode()
    moderator_page = mod.get(f"/courses/{course.slug}/reviews/").content.decode()
    assert "Buy cheap watches" in moderator_page and "Hidden by a moderator" in moderator_page
    assert mod.post(f"/reviews/{review.pk}/hide/", {"action": "show"}).status_code == 302
    review.refresh_from_db()
    assert review.hidden_at is None


def test_a_learner_may_not_hide(client_for, enrolled, outsider, course):
    review, _ = review_save(actor=enrolled, course=course, rating=1, text="x")

    assert client_for(outsider).post(f"/reviews/{review.pk}/hide/").status_code == 403
    review.refresh_from_db()
    assert review.hidden_at is None


def test_my_review_comes_first_and_sorts_apply(client_for, enrolled, course):
    others = _reviews(course, 4)
    review_helpful_toggle(actor=enrolled, review=others[1])
    review_save(actor=enrolled, course=course, rating=3, text="MINE")
    client = client_for(enrolled)

    helpful = client.get(f"/courses/{course.slug}/reviews/").context["listing"]
    lowest = client.get(f"/courses/{course.slug}/reviews/?sort=lowest").context["listing"]
    newest = client.get(f"/courses/{course.slug}/reviews/?sort=newest").context["listing"]

    assert helpful.viewer.my_review.text == "MINE"
    assert helpful.page.object_list[0] == others[1]
    assert [r.rating for r in lowest.page.object_list] == [1, 2, 3, 4]
    assert newest.page.object_list[0] == others[-1]
    assert all(r.text != "MINE" for r in helpful.page.object_list)
    assert helpful.helpful_ids == {others[1].pk}


def test_the_review_list_runs_a_fixed_number_of_queries(
    client_for, enrolled, outsider, course, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    _reviews(course, 3)
    review_save(actor=enrolled, course=course, rating=5, text="mine")
    client = client_for(enrolled)
    client.get(f"/courses/{course.slug}/reviews/")  # the member's own caches (user row, badge count) filled
    with django_assert_max_num_queries(30) as few:
        client.get(f"/courses/{course.slug}/reviews/")
    with django_capture_on_commit_callbacks(execute=True):  # committed: the replies' notices retire the count
        for review in _reviews(course, 12, start=10):
            review_helpful_toggle(actor=enrolled, review=review)
            review_reply(actor=course.course_instructors.first().user, review=review, text="thanks")
    client.get(f"/courses/{course.slug}/reviews/")
    with django_assert_max_num_queries(30) as many:
        client.get(f"/courses/{course.slug}/reviews/")

    assert len(many.captured_queries) == len(few.captured_queries)


# --- the course page section ---------------------------------------------------------------------------------


def test_the_course_page_shows_the_rating_summary_and_the_write_button(client_for, enrolled, course):
    _reviews(course, 5)

    body = client_for(enrolled).get(f"/courses/{course.slug}/").content.decode()

    assert 'data-testid="course-rating"' in body
    assert "Write a review" in body
    assert f"/courses/{course.slug}/reviews/" in body
    assert (
        "rating-bar-5" in body and "style=" not in body.split('data-testid="course-rating"')[1].split("</section>")[0]
    )


def test_the_course_page_section_says_edit_after_reviewing(client_for, enrolled, course):
    review_save(actor=enrolled, course=course, rating=4, text="ok")

    body = client_for(enrolled).get(f"/courses/{course.slug}/").content.decode()

    assert "Edit your review" in body


def test_visitors_and_outsiders_see_no_write_button(client, client_for, outsider, course):
    _reviews(course, 1)

    assert "Write a review" not in client.get(f"/courses/{course.slug}/").content.decode()
    assert "Write a review" not in client_for(outsider).get(f"/courses/{course.slug}/").content.decode()


def test_the_section_runs_a_fixed_number_of_queries(enrolled, course, django_assert_num_queries):
    _reviews(course, 2)
    with django_assert_num_queries(3):
        few = course_reviews_section(course=course, user=enrolled)
    _reviews(course, 10, start=5)
    with django_assert_num_queries(3):
        many = course_reviews_section(course=course, user=enrolled)

    assert len(few[0]["top_reviews"]) == 2 and len(many[0]["top_reviews"]) == 3


def test_the_section_costs_a_visitor_two_queries(course, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    _reviews(course, 2)
    with django_assert_num_queries(2):
        course_reviews_section(course=course, user=AnonymousUser())


def test_the_main_column_template_shows_the_three_most_helpful(enrolled, outsider, course):
    made = _reviews(course, 5)
    for review in made[2:]:
        review_helpful_toggle(actor=enrolled, review=review)
    review_helpful_toggle(actor=outsider, review=made[4])
    section = course_reviews_section(course=course, user=enrolled)[0]

    html = render_to_string(section["main_template"], {"section": section, "user": enrolled})

    assert [r.pk for r in section["top_reviews"]] == [made[4].pk, made[3].pk, made[2].pk]
    assert "Review number 4" in html and "Review number 0" not in html
    assert "See all 5 reviews" in html


def test_a_hidden_review_is_not_on_the_course_page(client, enrolled, moderator, course):
    review, _ = review_save(actor=enrolled, course=course, rating=1, text="Hidden words")
    review_hide(actor=moderator, review=review)
    section = course_reviews_section(course=course, user=enrolled)[0]

    assert section["summary"].count == 0
    assert section["top_reviews"] == []


# --- analysis pages --------------------------------------------------------------------------------------------------


def test_the_analysis_pages_answer_operators(client_for, operator, enrolled, course):
    review_save(actor=enrolled, course=course, rating=1, text="Audio quality is poor")
    client = client_for(operator)

    overview = client.get("/operator/feedback/")
    detail = client.get(f"/operator/feedback/{course.slug}/")

    assert overview.status_code == 200 and "Data 101" in overview.content.decode()
    assert detail.status_code == 200 and "Feedback on Data 101" in detail.content.decode()


@pytest.mark.parametrize("persona", ["learner", "moderator", "instructor"])
def test_the_analysis_overview_is_for_operators_only(client_for, request, persona):
    assert client_for(request.getfixturevalue(persona)).get("/operator/feedback/").status_code == 403


def test_anonymous_is_sent_to_sign_in_from_analysis():
    assert Client().get("/operator/feedback/").status_code == 302


def test_an_instructor_sees_the_analysis_of_their_own_course_only(client_for, instructor, course):
    other_course = make_course(instructor=make_user("t2@example.org", Role.INSTRUCTOR))
    client = client_for(instructor)

    assert client.get(f"/operator/feedback/{course.slug}/").status_code == 200
    assert client.get(f"/operator/feedback/{other_course.slug}/").status_code == 403
    assert client.get("/operator/feedback/no-such-course/").status_code == 404


def test_a_learner_may_not_see_a_course_analysis(client_for, enrolled, course):
    assert client_for(enrolled).get(f"/operator/feedback/{course.slug}/").status_code == 403


def test_a_too_long_reply_is_a_form_error(client_for, enrolled, instructor, course):
    review, _ = review_save(actor=enrolled, course=course, rating=2, text="Too fast")

    response = client_for(instructor).post(f"/reviews/{review.pk}/reply/", {"text": "z" * 5001})

    assert response.status_code == 200
    assert response.context["form"].errors["text"]
    review.refresh_from_db()
    assert review.instructor_reply == ""


def test_reviews_of_an_archived_course_are_for_its_learners_only(client, client_for, enrolled, outsider, course):
    review_save(actor=enrolled, course=course, rating=4, text="Still useful")
    course.status = CourseStatus.ARCHIVED
    course.save(update_fields=["status"])

    assert client.get(f"/courses/{course.slug}/reviews/").status_code == 404
    assert client_for(outsider).get(f"/courses/{course.slug}/reviews/").status_code == 404
    assert client_for(enrolled).get(f"/courses/{course.slug}/reviews/").status_code == 200


def test_the_instructor_sees_a_link_to_the_course_analysis(client_for, instructor, course):
    body = client_for(instructor).get(f"/courses/{course.slug}/reviews/").content.decode()

    assert f"/operator/feedback/{course.slug}/" in body


def test_the_course_analysis_quotes_complaints_escaped(client_for, operator, course):
    for name in ("x1", "x2"):
        user = make_user(f"{name}@example.org", Role.LEARNER)
        enrollment_create(user=user, course=course)
        review_save(actor=user, course=course, rating=1, text="<script>alert(1)</script> audio quality")

    body = client_for(operator).get(f"/operator/feedback/{course.slug}/").content.decode()

    assert "audio quality" in body
    assert "<script>alert(1)</script>" not in body
    assert "<q>&lt;script&gt;alert(1)&lt;/script&gt; audio quality</q>" in body


def test_the_section_shows_the_learners_own_rating(client_for, enrolled, course):
    review_save(actor=enrolled, course=course, rating=4, text="")

    section = course_reviews_section(course=course, user=enrolled)[0]
    body = client_for(enrolled).get(f"/courses/{course.slug}/").content.decode()

    assert section["viewer"].my_review.rating == 4
    assert "Your rating:" in body and 'aria-label="4 out of 5 stars"' in body

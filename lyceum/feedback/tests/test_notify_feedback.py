"""Feedback notifications: an instructor's reply reaches the reviewer; a published survey reaches its audience."""

from __future__ import annotations

import pytest

from lyceum.feedback.models import QuestionKind, SurveyAudience
from lyceum.feedback.services.reviews import review_reply, review_save
from lyceum.feedback.services.surveys import survey_create, survey_publish, survey_question_add
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course
from lyceum.notifications.kinds import notification_text
from lyceum.notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db


def test_an_instructor_reply_notifies_the_reviewer_once(learner, instructor, django_capture_on_commit_callbacks):
    course = make_course(instructor=instructor, title="SQL for analysts")
    enrollment_create(user=learner, course=course)
    with django_capture_on_commit_callbacks(execute=True):
        review, _created = review_save(actor=learner, course=course, rating=4, text="Good, more exercises please.")
        review_reply(actor=instructor, review=review, text="Thanks, more are coming.")
    notice = Notification.objects.get(recipient=learner, kind=Kind.FEEDBACK)
    assert notification_text(notice) == "Ada Instructor replied to your review of “SQL for analysts”"
    assert notice.url == f"/courses/{course.slug}/reviews/"
    assert not Notification.objects.filter(recipient=instructor).exists()
    with django_capture_on_commit_callbacks(execute=True):
        review_reply(actor=instructor, review=review, text="")  # removing the reply tells nobody
    # (other kinds, e.g. an achievement for a first review, are not this test's business)
    assert Notification.objects.filter(recipient=learner, kind=Kind.FEEDBACK).count() == 1


def test_a_published_survey_reaches_only_its_audience(learner, outsider, operator, django_capture_on_commit_callbacks):
    course = make_course()
    enrollment_create(user=learner, course=course)
    survey = survey_create(actor=operator, title="How is the course?", audience=SurveyAudience.COURSE, course=course)
    survey_question_add(actor=operator, survey=survey, kind=QuestionKind.NPS, text="Would you recommend it?")
    with django_capture_on_commit_callbacks(execute=True):
        survey_publish(actor=operator, survey=survey)
    assert set(Notification.objects.filter(kind=Kind.FEEDBACK).values_list("recipient__email", flat=True)) == {
        learner.email
    }
    notice = Notification.objects.get(recipient=learner)
    assert notification_text(notice) == "A survey for you: “How is the course?”"
    assert notice.url == f"/surveys/{survey.pk}/"
    assert Notification.objects.count() == 1  # not the outsider, not the operator who published


def test_handlers_are_idempotent_and_skip_what_no_longer_applies(learner, operator, django_capture_on_commit_callbacks):
    from lyceum.core.models import Event
    from lyceum.feedback.models import Survey, SurveyStatus
    from lyceum.feedback.notify import questionnaire_published, review_replied

    course = make_course()
    enrollment_create(user=learner, course=course)
    survey = survey_create(actor=operator, title="Pulse", audience=SurveyAudience.COURSE, course=course)
    survey_question_add(actor=operator, survey=survey, kind=QuestionKind.NPS, text="Recommend?")
    with django_capture_on_commit_callbacks(execute=True):
        survey_publish(actor=operator, survey=survey)
    event = Event.objects.get(name="questionnaire.published", object_id=str(survey.pk))
    questionnaire_published(event)  # delivered twice: still one notice
    assert Notification.objects.filter(recipient=learner, kind=Kind.FEEDBACK).count() == 1

    Notification.objects.all().delete()
    Survey.objects.filter(pk=survey.pk).update(status=SurveyStatus.CLOSED)
    questionnaire_published(event)  # closed before the handler ran: nobody is asked
    review_replied(Event(name="review.replied", object_id="999999", occurred_at=event.occurred_at))  # gone
    assert not Notification.objects.exists()

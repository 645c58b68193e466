"""Event handlers that turn feedback activity into notifications (registered on import).

- ``review.replied`` → the review's author (not when the reply was removed).
- ``questionnaire.published`` → every learner the survey asks at that moment (fanned out).

Both use the ``feedback`` kind (in-app by default). Handlers are idempotent: the dedupe key
names the review reply's time or the survey.
"""

from __future__ import annotations

from django.urls import reverse

from lyceum.core import events
from lyceum.core.models import Event
from lyceum.notifications.models import Kind
from lyceum.notifications.services import notify, notify_many

from .models import Review, Survey, SurveyStatus
from .selectors.surveys import survey_audience_user_ids


@events.on("review.replied")
def review_replied(event: Event) -> None:
    if event.props.get("removed"):
        return
    review = Review.objects.select_related("user", "course", "replied_by").filter(pk=event.object_id).first()
    if review is None or review.replied_at is None:
        return
    notify(
        recipient=review.user, kind=Kind.FEEDBACK, actor=review.replied_by,
        data={"what": "review_reply", "course": review.course.title},
        url=reverse("feedback:course-reviews", args=[review.course.slug]),
        dedupe_key=f"review_reply:{review.pk}:{review.replied_at:%Y%m%d%H%M%S}", at=event.occurred_at,
    )  # fmt: skip


@events.on("questionnaire.published")
def questionnaire_published(event: Event) -> None:
    survey = Survey.objects.filter(pk=event.object_id, status=SurveyStatus.SCHEDULED).first()
    if survey is None:
        return
    notify_many(
        recipient_ids=survey_audience_user_ids(survey=survey), kind=Kind.FEEDBACK, actor=None,
        data={"what": "survey", "survey": survey.title},
        url=reverse("feedback:survey-answer", args=[survey.pk]),
        dedupe_key=f"survey:{survey.pk}", at=event.occurred_at,
    )  # fmt: skip

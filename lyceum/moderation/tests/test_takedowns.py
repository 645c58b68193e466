"""Copyright complaints: anyone files one (rate-limited by address); only operators review,
take down pending review, uphold or reject (restore); every step on the content is logged."""

from __future__ import annotations

import pytest
from django.test import override_settings

from lyceum.community.models import HiddenReason, Thread
from lyceum.core.errors import Conflict, PermissionDenied, RateLimited, ValidationFailed
from lyceum.courses.models import Lesson
from lyceum.learning.tests.factories import make_course
from lyceum.moderation.models import Action, ActionKind, TakedownRequest, TakedownStatus
from lyceum.moderation.services import takedowns as services
from lyceum.moderation.targets import target_from_address

from .workflow_helpers import make_thread, screening_off

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _screening_off(monkeypatch):
    screening_off(monkeypatch)


def _form(**over):
    data = {
        "claimant_name": "Wang Fang", "claimant_email": "legal@press.example", "organisation": "Press Ltd",
        "work": "Chapter 3 of our textbook", "evidence": "ISBN 978-7-000-00000-0, we are the publisher",
        "location": "https://lyceum.example/community/t/1/", "good_faith": True,
    }  # fmt: skip
    data.update(over)
    return data


def _request(location, actor=None, **over):
    return services.takedown_request(actor=actor, client_key="10.0.0.1", **_form(location=location, **over))


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("https://site.example/community/t/12/", ("thread", 12)),
        ("/community/t/12/?reply=40#reply-40", ("reply", 40)),
        ("/community/r/40/", ("reply", 40)),
        ("https://site.example/courses/python/lessons/7/", ("lesson", 7)),
        ("/groups/3/#post-9", ("group_post", 9)),
        ("/courses/python/#review-5", ("review", 5)),
        ("/members/8/", ("profile", 8)),
        ("https://elsewhere.example/nothing", None),
        ("javascript:alert(1)", None),
        ("", None),
    ],
)
def test_an_address_resolves_to_a_target(address, expected):
    assert target_from_address(address) == expected


def test_anyone_files_a_complaint_and_the_address_is_resolved(learner):
    thread = make_thread(learner)
    request = _request(f"https://lyceum.example/community/t/{thread.pk}/")
    assert (request.target_kind, request.target_id, request.status) == ("thread", thread.pk, TakedownStatus.OPEN)
    assert request.submitted_by is None and request.good_faith is True


@pytest.mark.parametrize(
    ("field", "value"),
    [("good_faith", False), ("good_faith", "yes"), ("claimant_email", "not-an-email"), ("claimant_name", " "),
     ("work", ""), ("evidence", ""), ("location", ""), ("work", "w" * 2001)],
)  # fmt: skip
def test_bad_complaints_name_the_field(field, value):
    with pytest.raises(ValidationFailed) as exc:
        services.takedown_request(actor=None, client_key="10.0.0.1", **_form(**{field: value}))
    assert exc.value.field == field
    assert not TakedownRequest.objects.exists()


@override_settings(LYCEUM_TAKEDOWN_RATE="2/h")
def test_complaints_are_rate_limited_by_address():
    _request("/community/t/1/")
    _request("/community/t/1/")
    with pytest.raises(RateLimited):
        _request("/community/t/1/")
    services.takedown_request(actor=None, client_key="10.0.0.2", **_form())
    assert TakedownRequest.objects.count() == 3


def test_an_operator_takes_a_lesson_down_then_upholds(operator, instructor):
    course = make_course(instructor=instructor)
    lesson = course.lessons.first()
    request = _request(f"/courses/{course.slug}/lessons/{lesson.pk}/")

    services.takedown_withdraw(actor=operator, takedown=request, reason="Copied chapter")
    assert Lesson.objects.get(pk=lesson.pk).withdrawn_at is not None
    with pytest.raises(Conflict):
        services.takedown_withdraw(actor=operator, takedown=request, reason="again")

    services.takedown_decide(actor=operator, takedown=request, upheld=True, note="The publisher showed the ISBN")

    request.refresh_from_db()
    assert (request.status, request.decided_by) == (TakedownStatus.UPHELD, operator)
    assert Lesson.objects.get(pk=lesson.pk).withdrawn_at is not None
    action = Action.objects.get()
    assert (action.kind, action.subject, action.target_kind) == (ActionKind.WITHDRAW, instructor, "lesson")


def test_rejecting_restores_the_content(operator, learner):
    thread = make_thread(learner)
    request = _request(f"/community/t/{thread.pk}/")
    services.takedown_withdraw(actor=operator, takedown=request, reason="Pending review")
    assert Thread.objects.get(pk=thread.pk).hidden_reason == HiddenReason.TAKEDOWN

    services.takedown_decide(actor=operator, takedown=request.pk, upheld=False, note="Own work of the author")

    assert Thread.objects.get(pk=thread.pk).hidden_at is None
    assert list(Action.objects.order_by("id").values_list("kind", flat=True)) == ["withdraw", "restore"]


def test_the_operator_points_an_unresolved_complaint_at_the_content(operator, learner):
    thread = make_thread(learner)
    request = _request("https://elsewhere.example/copy")
    assert request.target_kind == ""
    with pytest.raises(ValidationFailed):
        services.takedown_withdraw(actor=operator, takedown=request, reason="x")
    with pytest.raises(ValidationFailed) as exc:
        services.takedown_set_target(actor=operator, takedown=request, kind="thread", target_id=999999)
    assert exc.value.field == "target_id"

    services.takedown_set_target(actor=operator, takedown=request, kind="thread", target_id=thread.pk)
    services.takedown_decide(actor=operator, takedown=request, upheld=True, note="Upheld")

    assert Thread.objects.get(pk=thread.pk).hidden_reason == HiddenReason.TAKEDOWN


@pytest.mark.parametrize("who", ["moderator", "learner", "instructor"])
def test_only_operators_review_complaints(request, who, learner):
    thread = make_thread(learner)
    takedown = _request(f"/community/t/{thread.pk}/")
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.takedown_withdraw(actor=actor, takedown=takedown, reason="x")
    with pytest.raises(PermissionDenied):
        services.takedown_decide(actor=actor, takedown=takedown, upheld=True, note="x")
    assert Thread.objects.get(pk=thread.pk).hidden_at is None
    assert TakedownRequest.objects.get().status == TakedownStatus.OPEN


# --- pages --------------------------------------------------------------------------------------


def test_the_public_form_works_without_an_account(client):
    page = client.get("/copyright/")
    assert page.status_code == 200 and "good faith" in page.content.decode()
    form = {**_form(), "good_faith": "on"}

    response = client.post("/copyright/", form)

    made = TakedownRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/copyright/?sent={made.pk}"
    assert f"#{made.pk}" in client.get(response["Location"]).content.decode()


def test_the_public_form_requires_the_good_faith_statement(client):
    form = _form()
    del form["good_faith"]
    response = client.post("/copyright/", form)
    assert response.status_code == 422
    assert not TakedownRequest.objects.exists()


@override_settings(LYCEUM_TAKEDOWN_RATE="1/h")
def test_the_public_form_is_rate_limited(client):
    form = {**_form(), "good_faith": "on"}
    assert client.post("/copyright/", form).status_code == 302
    assert client.post("/copyright/", form).status_code == 429
    assert TakedownRequest.objects.count() == 1


def test_operators_review_on_their_pages(client_for, operator, learner):
    thread = make_thread(learner, title="Copied chapter")
    takedown = _request(f"/community/t/{thread.pk}/")
    client = client_for(operator)
    assert "Wang Fang" in client.get("/operator/moderation/takedowns/").content.decode()
    assert "Copied chapter" in client.get(f"/operator/moderation/takedowns/{takedown.pk}/").content.decode()

    client.post(f"/operator/moderation/takedowns/{takedown.pk}/withdraw/", {"note": "Pending"})
    client.post(f"/operator/moderation/takedowns/{takedown.pk}/reject/", {"note": "Not a copy"})

    assert TakedownRequest.objects.get().status == TakedownStatus.REJECTED
    assert Thread.objects.get(pk=thread.pk).hidden_at is None


def test_moderators_cannot_open_the_takedown_pages(client_for, moderator, learner):
    takedown = _request(f"/community/t/{make_thread(learner).pk}/")
    client = client_for(moderator)
    assert client.get("/operator/moderation/takedowns/").status_code == 403
    assert client.get(f"/operator/moderation/takedowns/{takedown.pk}/").status_code == 403
    assert client.post(f"/operator/moderation/takedowns/{takedown.pk}/withdraw/", {"note": "x"}).status_code == 403
    assert not Action.objects.exists()


def test_operators_point_a_complaint_at_content_on_the_page(client_for, operator, learner):
    thread = make_thread(learner)
    takedown = _request("https://elsewhere.example/copy")
    client = client_for(operator)

    bad = client.post(
        f"/operator/moderation/takedowns/{takedown.pk}/target/", {"target_kind": "thread", "target_id": "x"}
    )
    client.post(
        f"/operator/moderation/takedowns/{takedown.pk}/target/", {"target_kind": "thread", "target_id": thread.pk}
    )

    assert bad.status_code == 302
    assert (TakedownRequest.objects.get().target_kind, TakedownRequest.objects.get().target_id) == ("thread", thread.pk)
    assert client.post(f"/operator/moderation/takedowns/{takedown.pk}/explode/", {"note": "x"}).status_code == 404

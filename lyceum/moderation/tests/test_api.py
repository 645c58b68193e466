"""The moderation API: members appeal once; moderators read the queue and decide; learners get 403."""

from __future__ import annotations

import pytest

from lyceum.moderation.models import Action, Appeal, Case, CaseStatus
from lyceum.moderation.services.cases import case_decide

from .workflow_helpers import held_case, make_thread, queued_case, screening_off

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _screening_off(monkeypatch):
    screening_off(monkeypatch)


def test_moderators_list_open_cases_and_filter(api, moderator, learner):
    held = held_case(make_thread(learner, title="Held"))
    queued_case(make_thread(learner, title="Queued"))

    everything = api(moderator)("get", "/moderation/cases")
    only_held = api(moderator)("get", "/moderation/cases?held=true&kind=thread&source=<x>")

    assert everything.status_code == 200 and len(everything.json()) == 2
    assert [c["id"] for c in only_held.json()] == [held.pk]
    assert only_held.json()[0]["detector_score"] == 0.93


def test_moderators_decide_through_the_api(api, moderator, learner):
    case = held_case(make_thread(learner))

    response = api(moderator)("post", f"/moderation/cases/{case.pk}/decisions", {"decision": "approve", "reason": "OK"})

    assert response.status_code == 201
    assert response.json()["kind"] == "approve" and response.json()["subject"] == learner.pk
    assert Case.objects.get().status == CaseStatus.RESOLVED
    assert Action.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"decision": "approve", "reason": ""}, 422, "reason"),
        ({"decision": "approve"}, 422, "reason"),
        ({"decision": "nuke", "reason": "x"}, 422, "decision"),
        ({"decision": "mute", "reason": "x", "mute_days": "lots"}, 422, "mute_days"),
        ({"decision": "mute", "reason": "x", "mute_days": 2}, 422, "mute_days"),
        ({"decision": "ban", "reason": "x", "ban_until": "2001-01-01T00:00:00Z"}, 422, "ban_until"),
    ],
)
def test_bad_decisions_answer_422_with_the_field(api, moderator, learner, body, status, field):
    case = held_case(make_thread(learner))
    response = api(moderator)("post", f"/moderation/cases/{case.pk}/decisions", body)
    assert response.status_code == status
    assert response.json()["field"] == field
    assert not Action.objects.exists()


def test_learners_and_visitors_cannot_moderate_through_the_api(api, learner, outsider):
    case = held_case(make_thread(learner))
    assert api(outsider)("get", "/moderation/cases").status_code == 403
    assert api()("get", "/moderation/cases").status_code == 401
    denied = api(outsider)("post", f"/moderation/cases/{case.pk}/decisions", {"decision": "approve", "reason": "x"})
    assert denied.status_code == 403
    missing = api(outsider)("post", "/moderation/cases/999999/decisions", {"decision": "hide", "reason": "x"})
    assert missing.status_code == 403  # no hint whether a case exists
    assert not Action.objects.exists()


def test_a_missing_case_is_404_for_moderators(api, moderator):
    assert (
        api(moderator)("post", "/moderation/cases/999999/decisions", {"decision": "hide", "reason": "x"}).status_code
        == 404
    )


def test_an_appeal_once_then_409(api, moderator, learner, outsider):
    action = case_decide(actor=moderator, case=queued_case(make_thread(learner)), decision="hide", reason="Ads")
    url = f"/me/moderation/actions/{action.pk}/appeal"

    assert api(outsider)("post", url, {"text": "not mine"}).status_code == 404
    first = api(learner)("post", url, {"text": "It is not an ad"})
    second = api(learner)("post", url, {"text": "Again"})
    empty = api(learner)("post", url, {"text": ""})

    assert first.status_code == 201 and first.json()["status"] == "open"
    assert second.status_code == 409 and second.json()["code"] == "already_appealed"
    assert empty.status_code == 422 and empty.json()["field"] == "text"
    assert Appeal.objects.count() == 1

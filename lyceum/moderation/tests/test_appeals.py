"""Members see decisions about them and appeal each once; moderators uphold (undo) or reject."""

from __future__ import annotations

import pytest

from lyceum.community.models import Thread
from lyceum.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lyceum.moderation.models import Action, ActionKind, Appeal, AppealStatus, Sanction
from lyceum.moderation.selectors import active_sanction
from lyceum.moderation.services import appeals as services
from lyceum.moderation.services.cases import case_decide
from lyceum.notifications.models import Notification

from .workflow_helpers import held_case, make_thread, queued_case, screening_off

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _screening_off(monkeypatch):
    screening_off(monkeypatch)


@pytest.fixture
def hidden(moderator, learner):
    thread = make_thread(learner, title="My notes", body="Notes")
    action = case_decide(actor=moderator, case=queued_case(thread), decision="hide", reason="Off-topic")
    return thread, action


def test_the_author_appeals_once(learner, hidden):
    _thread, action = hidden
    appeal = services.appeal_file(actor=learner, action=action, text="It is on topic: see the course")

    assert (appeal.appellant, appeal.status, appeal.action) == (learner, AppealStatus.OPEN, action)
    with pytest.raises(Conflict):
        services.appeal_file(actor=learner, action=action.pk, text="Again")
    assert Appeal.objects.count() == 1


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
def test_an_appeal_needs_a_text(learner, hidden, text):
    with pytest.raises(ValidationFailed) as exc:
        services.appeal_file(actor=learner, action=hidden[1], text=text)
    assert exc.value.field == "text"
    assert not Appeal.objects.exists()


def test_nobody_appeals_a_decision_about_someone_else(outsider, hidden):
    with pytest.raises(NotFound):
        services.appeal_file(actor=outsider, action=hidden[1], text="Unfair")
    assert not Appeal.objects.exists()


def test_system_holds_are_not_appealable(learner):
    thread = make_thread(learner)
    case = held_case(thread)
    hold = Action.objects.create(kind=ActionKind.HOLD, case=case, subject=learner, reason="filter")
    with pytest.raises(ValidationFailed):
        services.appeal_file(actor=learner, action=hold, text="Not spam")


def test_upheld_shows_the_post_again_logs_the_undo_and_tells_the_member(moderator, learner, hidden):
    thread, action = hidden
    appeal = services.appeal_file(actor=learner, action=action, text="On topic")

    services.appeal_decide(actor=moderator, appeal=appeal, upheld=True, note="You are right")

    assert Thread.objects.get(pk=thread.pk).hidden_at is None
    undo = Action.objects.latest("id")
    assert (undo.kind, undo.details) == (ActionKind.UNHIDE, {"undoes": action.pk})
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decided_by) == (AppealStatus.UPHELD, moderator)
    assert Notification.objects.filter(recipient=learner, data__what="appeal_upheld").count() == 1


def test_upheld_lifts_a_mute(moderator, learner):
    action = case_decide(
        actor=moderator, case=queued_case(make_thread(learner)), decision="mute", reason="Spam", mute_days=7
    )
    appeal = services.appeal_file(actor=learner, action=action, text="I was hacked")

    services.appeal_decide(actor=moderator, appeal=appeal, upheld=True)

    assert active_sanction(learner) is None
    assert Sanction.objects.get().lifted_by == moderator
    assert Action.objects.latest("id").kind == ActionKind.LIFT


def test_upheld_reverts_a_moderator_edit(moderator, learner):
    thread = make_thread(learner, title="Title", body="Original text")
    action = case_decide(
        actor=moderator, case=queued_case(thread), decision="edit", reason="Trimmed", title="Title", body="Trimmed"
    )
    appeal = services.appeal_file(actor=learner, action=action, text="Please restore")

    services.appeal_decide(actor=moderator, appeal=appeal, upheld=True)

    assert Thread.objects.get(pk=thread.pk).body == "Original text"


def test_rejected_stands_and_needs_a_note(moderator, learner, hidden):
    thread, action = hidden
    appeal = services.appeal_file(actor=learner, action=action, text="On topic")
    with pytest.raises(ValidationFailed) as exc:
        services.appeal_decide(actor=moderator, appeal=appeal, upheld=False, note="")
    assert exc.value.field == "note"

    services.appeal_decide(actor=moderator, appeal=appeal, upheld=False, note="It is an advert")

    assert Thread.objects.get(pk=thread.pk).hidden_at is not None
    assert Appeal.objects.get().status == AppealStatus.REJECTED
    assert Notification.objects.get(recipient=learner, data__what="appeal_rejected").data["reason"] == "It is an advert"
    with pytest.raises(Conflict):
        services.appeal_decide(actor=moderator, appeal=appeal, upheld=True)


def test_members_cannot_decide_appeals(learner, outsider, hidden):
    appeal = services.appeal_file(actor=learner, action=hidden[1], text="On topic")
    for who in (learner, outsider):
        with pytest.raises(PermissionDenied):
            services.appeal_decide(actor=who, appeal=appeal, upheld=True)
    assert Appeal.objects.get().status == AppealStatus.OPEN


# --- pages --------------------------------------------------------------------------------------


def test_my_notices_lists_decisions_and_appeals_once(client_for, learner, hidden):
    _thread, action = hidden
    client = client_for(learner)
    page = client.get("/me/moderation/")
    assert page.status_code == 200
    assert "Off-topic" in page.content.decode() and "Appeal this decision" in page.content.decode()

    assert client.post(f"/me/moderation/{action.pk}/appeal/", {"text": "Please look again"}).status_code == 302
    response = client.post(f"/me/moderation/{action.pk}/appeal/", {"text": "And again"}, follow=True)
    assert "You already appealed this decision." in response.content.decode()
    assert Appeal.objects.count() == 1


def test_someone_elses_notice_is_404(client_for, outsider, hidden):
    assert client_for(outsider).post(f"/me/moderation/{hidden[1].pk}/appeal/", {"text": "x"}).status_code == 404
    assert not Appeal.objects.exists()


def test_moderators_decide_on_the_appeals_page(client_for, moderator, learner, hidden):
    appeal = services.appeal_file(actor=learner, action=hidden[1], text="On topic please")
    client = client_for(moderator)
    page = client.get("/operator/moderation/appeals/")
    assert page.status_code == 200 and "On topic please" in page.content.decode()

    response = client.post(f"/operator/moderation/appeals/{appeal.pk}/decide/", {"decision": "upheld", "note": ""})

    assert response.status_code == 302
    assert Appeal.objects.get().status == AppealStatus.UPHELD


def test_learners_cannot_open_the_appeals_page(client_for, learner, hidden):
    appeal = services.appeal_file(actor=learner, action=hidden[1], text="x")
    client = client_for(learner)
    assert client.get("/operator/moderation/appeals/").status_code == 403
    assert client.post(f"/operator/moderation/appeals/{appeal.pk}/decide/", {"decision": "upheld"}).status_code == 403
    assert Appeal.objects.get().status == AppealStatus.OPEN


def test_my_notices_lists_my_reports_and_their_outcome(client_for, moderator, outsider, learner):
    from lyceum.moderation.models import Case
    from lyceum.moderation.services.reports import report_file

    thread = make_thread(learner, title="Selling keys")
    report_file(actor=outsider, kind="thread", target_id=thread.pk, reason="spam")
    client = client_for(outsider)
    assert "waiting for a moderator" in client.get("/me/moderation/").content.decode()

    case_decide(actor=moderator, case=Case.objects.get(), decision="hide", reason="Ads")

    assert "the moderators acted on it" in client.get("/me/moderation/").content.decode()

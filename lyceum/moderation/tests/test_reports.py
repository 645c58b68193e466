"""Members report content: one report per member and target, trust-weighted, and enough weight
hides the target until a moderator looks (pages, the API and the service)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from conftest import make_user
from lyceum.community.models import HiddenReason, Thread
from lyceum.core.errors import NotAuthenticated, NotFound, PermissionDenied, RateLimited, ValidationFailed
from lyceum.moderation.models import Action, ActionKind, Case, CaseSource, Report
from lyceum.moderation.services import reports as services
from lyceum.notifications.models import Notification

from .workflow_helpers import make_reply, make_thread, screening_off

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _screening_off(monkeypatch):
    screening_off(monkeypatch)


@pytest.fixture
def thread(learner):
    return make_thread(learner, title="Cheap course keys", body="Buy here")


def _reporters(n: int) -> list:
    return [make_user(f"reporter{i}@example.org") for i in range(n)]


def test_a_report_opens_a_case_from_reports(outsider, thread):
    report = services.report_file(actor=outsider, kind="thread", target_id=thread.pk, reason="spam", note="ads")

    case = Case.objects.get()
    assert report.case == case
    assert (case.source, case.status, case.report_count, case.report_weight) == (CaseSource.REPORTS, "open", 1, 1.0)
    assert case.author == thread.author
    assert "Cheap course keys" in case.text


def test_a_second_report_by_the_same_member_is_a_friendly_no_op(outsider, thread):
    first = services.report_file(actor=outsider, kind="thread", target_id=thread.pk, reason="spam")
    again = services.report_file(actor=outsider, kind="thread", target_id=str(thread.pk), reason="other", note="x")

    assert again.pk == first.pk
    assert Report.objects.count() == 1
    assert Case.objects.get().report_count == 1


def test_reports_of_the_same_target_join_one_case(thread):
    for member in _reporters(2):
        services.report_file(actor=member, kind="thread", target_id=thread.pk, reason="spam")

    case = Case.objects.get()
    assert case.report_count == 2
    assert set(case.reports.values_list("case_id", flat=True)) == {case.pk}


@override_settings(LYCEUM_REPORTS_TO_HIDE=3)
def test_the_threshold_hides_the_target_pending_review_and_logs_one_auto_hide(thread):
    first, second, third = _reporters(3)
    services.report_file(actor=first, kind="thread", target_id=thread.pk, reason="spam")
    services.report_file(actor=second, kind="thread", target_id=thread.pk, reason="spam")
    thread.refresh_from_db()
    assert thread.hidden_at is None

    services.report_file(actor=third, kind="thread", target_id=thread.pk, reason="spam")

    thread.refresh_from_db()
    case = Case.objects.get()
    assert thread.hidden_at is not None and thread.hidden_reason == HiddenReason.REPORTS
    assert case.held is True
    action = Action.objects.get()
    assert (action.kind, action.moderator, action.subject, action.case) == (
        ActionKind.AUTO_HIDE,
        None,
        thread.author,
        case,
    )
    notice = Notification.objects.get(recipient=thread.author)
    assert notice.kind == "moderation" and notice.data["what"] == "held"


@override_settings(LYCEUM_REPORTS_TO_HIDE=2)
def test_trusted_members_reports_weigh_two(monkeypatch, thread):
    monkeypatch.setattr(services, "trust_level", lambda user: 3)
    trusted = make_user("trusted@example.org")

    services.report_file(actor=trusted, kind="thread", target_id=thread.pk, reason="harassment")

    case = Case.objects.get()
    assert case.report_weight == 2.0
    assert Thread.objects.get(pk=thread.pk).hidden_reason == HiddenReason.REPORTS


@override_settings(LYCEUM_REPORTS_TO_HIDE=5)
def test_below_the_threshold_nothing_is_hidden(thread):
    for member in _reporters(4):
        services.report_file(actor=member, kind="thread", target_id=thread.pk, reason="spam")

    thread.refresh_from_db()
    assert thread.hidden_at is None
    assert not Action.objects.exists()


def test_a_member_cannot_report_their_own_post(learner, thread):
    with pytest.raises(PermissionDenied):
        services.report_file(actor=learner, kind="thread", target_id=thread.pk, reason="spam")
    assert not Report.objects.exists()


def test_hidden_content_cannot_be_reported_by_readers(outsider, thread):
    from lyceum.community.services.visibility import content_set_hidden

    content_set_hidden(actor=None, obj=thread, hidden=True, reason=HiddenReason.HELD)
    with pytest.raises(NotFound):
        services.report_file(actor=outsider, kind="thread", target_id=thread.pk, reason="spam")


def test_a_thread_in_a_space_the_member_cannot_read_is_not_found(outsider, learner):
    from lyceum.community.tests.spaces_helpers import make_space

    space = make_space(access_plans=["pro-monthly"])
    private = Thread.objects.create(
        space=space, author=learner, title="Members only", body="x", last_activity_at=space.created_at
    )
    with pytest.raises(NotFound):
        services.report_file(actor=outsider, kind="thread", target_id=private.pk, reason="spam")


@pytest.mark.parametrize(
    ("kind", "target_id", "reason", "note", "field"),
    [
        ("course", 1, "spam", "", "kind"),
        ("", 1, "spam", "", "kind"),
        ("thread", "abc", "spam", "", "id"),
        ("thread", -3, "spam", "", "id"),
        ("thread", None, "spam", "", "id"),
        ("thread", "X", "ads'; DROP TABLE moderation_report;--", "", "reason"),
        ("thread", "X", "other", "   ", "note"),
        ("thread", "X", "spam", "n" * 501, "note"),
    ],
)
def test_bad_input_names_the_field(outsider, thread, kind, target_id, reason, note, field):
    with pytest.raises(ValidationFailed) as exc:
        services.report_file(
            actor=outsider, kind=kind, target_id=thread.pk if target_id == "X" else target_id, reason=reason, note=note
        )
    assert exc.value.field == field
    assert not Report.objects.exists()


def test_an_unknown_target_is_not_found(outsider):
    with pytest.raises(NotFound):
        services.report_file(actor=outsider, kind="reply", target_id=999999, reason="spam")


def test_visitors_cannot_report(thread):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        services.report_file(actor=AnonymousUser(), kind="thread", target_id=thread.pk, reason="spam")


@override_settings(LYCEUM_REPORT_RATE="2/h")
def test_reports_are_rate_limited(outsider, learner):
    threads = [make_thread(learner, title=f"T{i}") for i in range(3)]
    services.report_file(actor=outsider, kind="thread", target_id=threads[0].pk, reason="spam")
    services.report_file(actor=outsider, kind="thread", target_id=threads[1].pk, reason="spam")
    with pytest.raises(RateLimited):
        services.report_file(actor=outsider, kind="thread", target_id=threads[2].pk, reason="spam")
    assert Report.objects.count() == 2


@override_settings(LYCEUM_REPORTS_TO_HIDE=1)
def test_a_reported_reply_profile_and_group_are_hidden_through_their_apps(outsider, learner, moderator):
    from lyceum.community.models import StudyGroup
    from lyceum.community.services.groups import group_create

    reply = make_reply(learner, make_thread(moderator), body="spam reply")
    group = group_create(actor=learner, name="Buy followers")

    services.report_file(actor=outsider, kind="reply", target_id=reply.pk, reason="spam")
    services.report_file(actor=outsider, kind="profile", target_id=learner.pk, reason="spam")
    services.report_file(actor=outsider, kind="group", target_id=group.pk, reason="spam")

    reply.refresh_from_db()
    learner.refresh_from_db()
    assert reply.hidden_reason == HiddenReason.REPORTS
    assert learner.profile_hidden_at is not None
    assert StudyGroup.objects.get(pk=group.pk).hidden_reason == HiddenReason.REPORTS
    assert Action.objects.filter(kind=ActionKind.AUTO_HIDE).count() == 3


# --- the page -----------------------------------------------------------------------------------


def test_the_report_page_shows_the_form_and_files_a_report(client_for, outsider, thread):
    client = client_for(outsider)
    page = client.get(f"/report/thread/{thread.pk}/")
    assert page.status_code == 200
    assert "Cheap course keys" in page.content.decode()

    response = client.post(
        f"/report/thread/{thread.pk}/", {"reason": "spam", "note": "", "next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/community/t/{thread.pk}/"
    assert Report.objects.get().reporter == outsider


def test_the_report_page_asks_for_a_note_with_other(client_for, outsider, thread):
    response = client_for(outsider).post(f"/report/thread/{thread.pk}/", {"reason": "other", "note": ""})
    assert response.status_code == 422
    assert "Tell the moderators what is wrong." in response.content.decode()
    assert not Report.objects.exists()


@pytest.mark.parametrize("path", ["/report/thread/999999/", "/report/lesson/1/", "/report/bogus/1/"])
def test_unknown_things_are_404(client_for, outsider, path):
    assert client_for(outsider).get(path).status_code == 404


def test_own_content_is_403_and_visitors_sign_in(client, client_for, learner, thread):
    assert client_for(learner).post(f"/report/thread/{thread.pk}/", {"reason": "spam"}).status_code == 403
    response = client.get(f"/report/thread/{thread.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Report.objects.exists()


# --- the API ----------------------------------------------------------------------------------


def test_the_api_files_a_report(api, outsider, thread):
    response = api(outsider)("post", "/reports", {"kind": "thread", "id": thread.pk, "reason": "spam"})
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "thread" and body["target_id"] == thread.pk and body["case"] == Case.objects.get().pk
    again = api(outsider)("post", "/reports", {"kind": "thread", "id": thread.pk, "reason": "spam"})
    assert again.status_code == 201 and again.json()["id"] == body["id"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"kind": "thread", "id": "abc", "reason": "spam"}, 422, "id"),
        ({"kind": "thread", "reason": "spam"}, 422, "id"),
        ({"kind": "thread", "id": "X", "reason": "nope"}, 422, "reason"),
        ({"kind": "lesson", "id": "X", "reason": "spam"}, 422, "kind"),
        ({"kind": "thread", "id": "X", "reason": "other"}, 422, "note"),
        ({"kind": "thread", "id": 999999, "reason": "spam"}, 404, None),
    ],
)
def test_the_api_answers_bad_input_with_4xx_and_the_field(api, outsider, thread, body, status, field):
    if body.get("id") == "X":
        body = {**body, "id": thread.pk}
    response = api(outsider)("post", "/reports", body)
    assert response.status_code == status
    if field:
        assert response.json()["field"] == field
    assert not Report.objects.exists()


def test_the_api_needs_an_account_and_refuses_own_content(api, learner, thread):
    assert api()("post", "/reports", {"kind": "thread", "id": thread.pk, "reason": "spam"}).status_code == 401
    assert api(learner)("post", "/reports", {"kind": "thread", "id": thread.pk, "reason": "spam"}).status_code == 403
    assert not Report.objects.exists()


def test_the_report_page_says_when_you_already_reported(client_for, outsider, thread):
    services.report_file(actor=outsider, kind="thread", target_id=thread.pk, reason="spam")
    html = client_for(outsider).get(f"/report/thread/{thread.pk}/").content.decode()
    assert "You already reported this." in html and 'name="reason"' not in html

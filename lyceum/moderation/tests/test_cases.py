"""A moderator's decisions on a case: one log row each, the content changed through its app,
the author (and, when the content goes, the reporters) told, sanctions recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import make_user
from lyceum.community.models import HiddenReason, Revision, Thread
from lyceum.core.errors import Conflict, PermissionDenied, ValidationFailed
from lyceum.moderation.models import Action, ActionKind, Case, CaseStatus, Sanction, SanctionKind
from lyceum.moderation.selectors import active_sanction
from lyceum.moderation.services import cases as services
from lyceum.moderation.services.reports import report_file
from lyceum.notifications.models import Notification

from .workflow_helpers import held_case, make_reply, make_thread, queued_case, screening_off

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _screening_off(monkeypatch):
    screening_off(monkeypatch)


@pytest.fixture
def thread(learner):
    return make_thread(learner, title="Free keys", body="Come and see my study notes")


def _notice(user, what):
    return Notification.objects.filter(recipient=user, kind="moderation", data__what=what)


def test_approve_shows_held_content_again_resolves_and_tells_the_author(moderator, thread):
    case = held_case(thread)

    action = services.case_decide(actor=moderator, case=case, decision="approve", reason="Looks fine")

    thread.refresh_from_db()
    case.refresh_from_db()
    assert thread.hidden_at is None
    assert (case.status, case.decision, case.resolved_by, case.held) == (
        CaseStatus.RESOLVED,
        "approve",
        moderator,
        False,
    )
    assert Action.objects.get() == action
    assert (action.kind, action.moderator, action.subject, action.reason) == (
        "approve",
        moderator,
        thread.author,
        "Looks fine",
    )
    assert _notice(thread.author, "approved").count() == 1


def test_hide_keeps_the_post_out_of_sight_and_tells_author_and_reporters(moderator, outsider, thread):
    report_file(actor=outsider, kind="thread", target_id=thread.pk, reason="spam")
    case = Case.objects.get()

    services.case_decide(actor=moderator, case=case.pk, decision="hide", reason="Advertising")

    thread.refresh_from_db()
    assert thread.hidden_reason == HiddenReason.MODERATOR
    assert Action.objects.get().kind == ActionKind.HIDE
    assert _notice(thread.author, "hidden").get().data["reason"] == "Advertising"
    assert _notice(outsider, "report_resolved").count() == 1


def test_delete_deletes_a_thread_as_the_moderator(moderator, thread):
    case = queued_case(thread)

    action = services.case_decide(actor=moderator, case=case, decision="delete", reason="Spam")

    thread = Thread.objects.get(pk=thread.pk)
    assert thread.deleted_at is not None and thread.deleted_by == moderator
    assert action.details == {"done": "deleted"}
    assert _notice(thread.author, "deleted").count() == 1


def test_delete_on_a_profile_hides_it(moderator, outsider, learner):
    report_file(actor=outsider, kind="profile", target_id=learner.pk, reason="spam")

    services.case_decide(actor=moderator, case=Case.objects.get(), decision="delete", reason="Spam links in the bio")

    learner.refresh_from_db()
    assert learner.profile_hidden_at is not None
    assert _notice(learner, "hidden").count() == 1


def test_edit_replaces_the_text_keeps_a_revision_and_shows_it(moderator, thread):
    case = held_case(thread)

    services.case_decide(
        actor=moderator, case=case, decision="edit", reason="Removed the contact", title="Free keys", body="Cleaned"
    )

    thread.refresh_from_db()
    assert (thread.body, thread.hidden_at) == ("Cleaned", None)
    assert Revision.objects.get(thread=thread).body == "Come and see my study notes"
    action = Action.objects.get()
    assert action.details["before"]["body"] == "Come and see my study notes"
    assert _notice(thread.author, "edited").count() == 1


def test_edit_a_reply(moderator, learner):
    reply = make_reply(learner, make_thread(moderator), body="buy now")
    from lyceum.moderation.services.common import case_open
    from lyceum.moderation.targets import target_get

    case, _ = case_open(target=target_get(kind="reply", target_id=reply.pk), source="detector")
    services.case_decide(actor=moderator, case=case, decision="edit", reason="Link removed", body="[link removed]")
    reply.refresh_from_db()
    assert reply.body == "[link removed]"


def test_edit_needs_text_and_only_threads_and_replies_are_edited(moderator, outsider, learner, thread):
    case = queued_case(thread)
    with pytest.raises(ValidationFailed) as exc:
        services.case_decide(actor=moderator, case=case, decision="edit", reason="x", body="")
    assert exc.value.field == "body"
    report_file(actor=outsider, kind="profile", target_id=learner.pk, reason="spam")
    profile_case = Case.objects.get(target_kind="profile")
    with pytest.raises(ValidationFailed):
        services.case_decide(actor=moderator, case=profile_case, decision="edit", reason="x", body="new bio")
    assert not Action.objects.exists()


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_every_decision_needs_a_reason(moderator, thread, reason):
    case = held_case(thread)
    with pytest.raises(ValidationFailed) as exc:
        services.case_decide(actor=moderator, case=case, decision="hide", reason=reason)
    assert exc.value.field == "reason"
    assert not Action.objects.exists()
    assert Case.objects.get().status == CaseStatus.OPEN


def test_unknown_decision_is_refused(moderator, thread):
    with pytest.raises(ValidationFailed):
        services.case_decide(actor=moderator, case=queued_case(thread), decision="nuke", reason="x")


def test_a_resolved_case_is_not_decided_twice(moderator, thread):
    case = held_case(thread)
    services.case_decide(actor=moderator, case=case, decision="approve", reason="ok")
    with pytest.raises(Conflict):
        services.case_decide(actor=moderator, case=case, decision="hide", reason="changed my mind")
    assert Action.objects.count() == 1


@pytest.mark.parametrize("who", ["learner", "outsider", "instructor"])
def test_members_cannot_decide(request, who, thread):
    case = held_case(thread)
    with pytest.raises(PermissionDenied):
        services.case_decide(actor=request.getfixturevalue(who), case=case, decision="approve", reason="mine")
    assert not Action.objects.exists()
    assert Thread.objects.get(pk=thread.pk).hidden_at is not None


def test_warn_records_a_warning_and_keeps_the_case_open(moderator, thread):
    case = queued_case(thread)

    action = services.case_decide(actor=moderator, case=case, decision="warn", reason="Please no ads")

    sanction = Sanction.objects.get()
    assert (sanction.kind, sanction.user, sanction.action, sanction.ends_at) == (
        SanctionKind.WARN,
        thread.author,
        action,
        None,
    )
    assert Case.objects.get().status == CaseStatus.OPEN
    assert active_sanction(thread.author) is None  # a warning never stops posting
    assert _notice(thread.author, "warned").count() == 1


@pytest.mark.parametrize("days", [1, 3, 7, 30])
def test_mute_for_a_period(moderator, thread, days):
    before = timezone.now()
    services.case_decide(actor=moderator, case=queued_case(thread), decision="mute", reason="Spam", mute_days=days)

    sanction = Sanction.objects.get()
    assert sanction.kind == SanctionKind.MUTE
    assert before + timedelta(days=days) <= sanction.ends_at <= timezone.now() + timedelta(days=days)
    assert active_sanction(thread.author) == sanction
    notice = _notice(thread.author, "muted").get()
    assert notice.data["until"]


@pytest.mark.parametrize("days", [None, 0, 2, "3; DROP", 365])
def test_mute_needs_one_of_the_periods(moderator, thread, days):
    with pytest.raises(ValidationFailed) as exc:
        services.case_decide(actor=moderator, case=queued_case(thread), decision="mute", reason="x", mute_days=days)
    assert exc.value.field == "mute_days"
    assert not Sanction.objects.exists() and not Action.objects.exists()


def test_ban_with_and_without_an_end(moderator, thread, outsider):
    services.case_decide(actor=moderator, case=queued_case(thread), decision="ban", reason="Spam bot")
    assert Sanction.objects.get(user=thread.author).ends_at is None
    other = make_thread(outsider, title="Another")
    until = timezone.now() + timedelta(days=10)
    services.case_decide(actor=moderator, case=queued_case(other), decision="ban", reason="Abuse", ban_until=until)
    assert Sanction.objects.get(user=outsider).ends_at == until
    with pytest.raises(ValidationFailed):
        services.case_decide(
            actor=moderator, case=Case.objects.get(target_id=other.pk), decision="ban", reason="x",
            ban_until=timezone.now() - timedelta(days=1),
        )  # fmt: skip
    with pytest.raises(ValidationFailed):
        services.case_decide(
            actor=moderator, case=Case.objects.get(target_id=other.pk), decision="ban", reason="x", ban_until="soon"
        )
    assert Sanction.objects.count() == 2


def test_staff_cannot_be_sanctioned(moderator, operator):
    other_moderator = make_user("mod2@example.org", "moderator")
    case = queued_case(make_thread(other_moderator))
    with pytest.raises(PermissionDenied):
        services.case_decide(actor=operator, case=case, decision="ban", reason="x")


def test_lifting_a_mute_logs_one_row_and_tells_the_member(moderator, thread):
    services.case_decide(actor=moderator, case=queued_case(thread), decision="mute", reason="Spam", mute_days=7)
    sanction = Sanction.objects.get()

    services.sanction_lift(actor=moderator, sanction=sanction, reason="Cleared up")

    sanction.refresh_from_db()
    assert sanction.lifted_at is not None and sanction.lifted_by == moderator
    assert active_sanction(thread.author) is None
    assert list(Action.objects.values_list("kind", flat=True).order_by("id")) == ["mute", "lift"]
    assert _notice(thread.author, "lifted").count() == 1
    with pytest.raises(Conflict):
        services.sanction_lift(actor=moderator, sanction=sanction, reason="again")


@pytest.mark.parametrize("decision", ["approve", "hide", "delete", "warn", "mute", "ban"])
def test_every_decision_writes_exactly_one_log_row(moderator, thread, decision):
    case = held_case(thread)
    services.case_decide(actor=moderator, case=case, decision=decision, reason="Because", mute_days=3)
    assert Action.objects.count() == 1
    assert Action.objects.get().kind == decision


def test_approving_never_undoes_a_copyright_takedown(moderator, operator, thread):
    from lyceum.community.services.visibility import content_set_hidden

    content_set_hidden(actor=operator, obj=thread, hidden=True, reason=HiddenReason.TAKEDOWN)
    case = queued_case(thread)

    services.case_decide(actor=moderator, case=case, decision="approve", reason="Fine")

    assert Thread.objects.get(pk=thread.pk).hidden_reason == HiddenReason.TAKEDOWN


@pytest.mark.parametrize("who", ["learner", "outsider", "instructor"])
def test_members_cannot_sanction_or_lift(request, moderator, thread, who):
    services.case_decide(actor=moderator, case=queued_case(thread), decision="mute", reason="Spam", mute_days=1)
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.sanction_apply(actor=actor, user=thread.author, kind="ban", reason="x")
    with pytest.raises(PermissionDenied):
        services.sanction_lift(actor=actor, sanction=Sanction.objects.get(), reason="x")
    assert Sanction.objects.get().lifted_at is None
    assert Action.objects.count() == 1


def test_a_post_deleted_meanwhile_only_closes_the_case(moderator, learner, thread):
    from lyceum.community.services.spaces import thread_delete

    case = queued_case(thread)
    thread_delete(actor=learner, thread=thread)
    with pytest.raises(Conflict):
        services.case_decide(actor=moderator, case=case, decision="edit", reason="x", body="y")

    action = services.case_decide(actor=moderator, case=case, decision="delete", reason="Spam")

    assert action.details == {"gone": True}
    assert Case.objects.get().status == CaseStatus.RESOLVED
    assert Action.objects.count() == 1


def test_reviews_are_hidden_by_reports_and_by_moderators(moderator, outsider, learner):
    from django.test import override_settings

    from lyceum.feedback.models import Review
    from lyceum.learning.tests.factories import make_course

    review = Review.objects.create(course=make_course(), user=learner, rating=1, text="Scam, visit my shop")
    with override_settings(LYCEUM_REPORTS_TO_HIDE=1):
        report_file(actor=outsider, kind="review", target_id=review.pk, reason="spam")
    review.refresh_from_db()
    assert review.hidden_at is not None

    services.case_decide(actor=moderator, case=Case.objects.get(), decision="delete", reason="Advertising")

    review.refresh_from_db()
    assert review.hidden_at is not None
    assert Action.objects.latest("id").details == {"done": "hidden"}
    assert _notice(learner, "hidden").count() == 1

"""The staff pages: who may open them, what the queue shows, and what a page costs."""

from __future__ import annotations

import pytest

from conftest import make_user
from lyceum.community.services.groups import group_create
from lyceum.feedback.models import Review
from lyceum.learning.tests.factories import make_course
from lyceum.moderation.models import Action, Case, CaseStatus, SpamModel
from lyceum.moderation.services.cases import case_decide
from lyceum.moderation.services.reports import report_file

from .workflow_helpers import held_case, make_reply, make_thread, queued_case, screening_off

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    "/operator/moderation/",
    "/operator/moderation/log/",
    "/operator/moderation/appeals/",
]
OPERATOR_PAGES = ["/operator/moderation/rules/", "/operator/moderation/takedowns/"]


@pytest.fixture(autouse=True)
def _screening_off(monkeypatch):
    screening_off(monkeypatch)


def _fill_queue(n: int, reporters: list) -> None:
    """``n`` rounds of mixed cases: a held thread, a reported reply, review, profile and group."""
    course = make_course()
    for i in range(n):
        author = make_user(f"author{i}-{Case.objects.count()}@example.org")
        held_case(make_thread(author, title=f"Spam {i}"))
        reply = make_reply(author, make_thread(reporters[0], title=f"Q {i}"), body="buy now")
        review = Review.objects.create(course=course, user=author, rating=1, text="Terrible, visit x.top")
        group = group_create(actor=author, name=f"Followers {i}")
        for reporter in reporters:
            report_file(actor=reporter, kind="reply", target_id=reply.pk, reason="spam", note="ad")
            report_file(actor=reporter, kind="review", target_id=review.pk, reason="off_topic")
            report_file(actor=reporter, kind="profile", target_id=author.pk, reason="spam")
            report_file(actor=reporter, kind="group", target_id=group.pk, reason="other", note="selling")


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_moderators_and_operators_open_the_staff_pages(client_for, moderator, operator, path):
    assert client_for(moderator).get(path).status_code == 200
    assert client_for(operator).get(path).status_code == 200


@pytest.mark.parametrize("path", STAFF_PAGES + OPERATOR_PAGES)
def test_learners_and_instructors_get_403(client_for, learner, instructor, path):
    assert client_for(learner).get(path).status_code == 403
    assert client_for(instructor).get(path).status_code == 403


@pytest.mark.parametrize("path", STAFF_PAGES + OPERATOR_PAGES + ["/me/moderation/"])
def test_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_queue_shows_each_case_with_its_context(client_for, moderator, outsider, learner):
    thread = make_thread(learner, title="Cheap keys here")
    report_file(actor=outsider, kind="thread", target_id=thread.pk, reason="spam", note="Selling keys")
    case = held_case(thread)
    SpamModel.objects.create(metrics={"precision": 0.94, "recall": 0.81, "f1": 0.87, "n_train": 900, "n_test": 300})

    html = client_for(moderator).get("/operator/moderation/").content.decode()

    assert f'data-testid="case-{case.pk}"' in html
    assert "Cheap keys here" in html and "Selling keys" in html and "wechat_id" in html
    assert "Lena Learner" in html  # the author, with joined date, trust level and history
    assert "94%" in html and "81%" in html  # the classifier's held-out precision and recall


def test_the_queue_filters(client_for, moderator, outsider, learner):
    held = held_case(make_thread(learner, title="Held one"))
    reported = make_thread(learner, title="Reported one")
    report_file(actor=outsider, kind="thread", target_id=reported.pk, reason="spam")
    client = client_for(moderator)

    only_held = client.get("/operator/moderation/?held=1").content.decode()
    reports = client.get("/operator/moderation/?source=reports&kind=thread").content.decode()
    junk = client.get("/operator/moderation/?source=<script>&kind=1%27%20OR%201=1&page=abc")

    assert f"case-{held.pk}" in only_held and "Reported one" not in only_held
    assert "Reported one" in reports and "Held one" not in reports
    assert junk.status_code == 200


def test_the_queue_page_costs_the_same_with_more_cases(client_for, moderator, django_assert_max_num_queries):
    reporters = [make_user(f"rep{i}@example.org") for i in range(2)]
    _fill_queue(1, reporters)
    client = client_for(moderator)
    client.get("/operator/moderation/")  # warm the session and role caches
    with django_assert_max_num_queries(24):
        first = client.get("/operator/moderation/")
    _fill_queue(3, reporters)
    with django_assert_max_num_queries(24):
        second = client.get("/operator/moderation/")
    assert first.status_code == second.status_code == 200
    assert Case.objects.filter(status=CaseStatus.OPEN).count() == 20


def test_a_decision_without_a_reason_is_a_form_error(client_for, moderator, learner):
    case = held_case(make_thread(learner))
    client = client_for(moderator)
    assert client.get(f"/operator/moderation/cases/{case.pk}/").status_code == 200

    response = client.post(f"/operator/moderation/cases/{case.pk}/decide/", {"decision": "approve", "reason": ""})

    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not Action.objects.exists()


def test_one_click_decisions_from_the_case_page(client_for, moderator, learner):
    case = held_case(make_thread(learner))
    client = client_for(moderator)

    mute = client.post(
        f"/operator/moderation/cases/{case.pk}/decide/", {"decision": "mute", "reason": "Spam", "mute_days": "3"}
    )
    approve = client.post(f"/operator/moderation/cases/{case.pk}/decide/", {"decision": "approve", "reason": "OK"})

    assert mute.status_code == 302 and approve.status_code == 302
    assert list(Action.objects.order_by("id").values_list("kind", flat=True)) == ["mute", "approve"]
    assert Case.objects.get().status == CaseStatus.RESOLVED


@pytest.mark.parametrize(
    "data",
    [{"decision": "explode", "reason": "x"}, {"decision": "mute", "reason": "x", "mute_days": "2"},
     {"decision": "ban", "reason": "x", "ban_until": "yesterday"}],
)  # fmt: skip
def test_bad_decisions_are_form_errors(client_for, moderator, learner, data):
    case = held_case(make_thread(learner))
    response = client_for(moderator).post(f"/operator/moderation/cases/{case.pk}/decide/", data)
    assert response.status_code == 422
    assert not Action.objects.exists()


def test_a_missing_case_is_404(client_for, moderator):
    client = client_for(moderator)
    assert client.get("/operator/moderation/cases/999999/").status_code == 404
    assert (
        client.post("/operator/moderation/cases/999999/decide/", {"decision": "hide", "reason": "x"}).status_code == 404
    )


def test_learners_cannot_decide_through_the_page(client_for, learner, outsider):
    case = held_case(make_thread(learner))
    for who in (learner, outsider):
        response = client_for(who).post(
            f"/operator/moderation/cases/{case.pk}/decide/", {"decision": "approve", "reason": "mine"}
        )
        assert response.status_code == 403
    assert not Action.objects.exists()
    assert Case.objects.get().status == CaseStatus.OPEN


def test_the_log_filters_by_moderator_member_and_kind(client_for, moderator, operator, learner, outsider):
    case_decide(actor=moderator, case=queued_case(make_thread(learner, title="A")), decision="warn", reason="Be nice")
    case_decide(actor=operator, case=queued_case(make_thread(outsider, title="B")), decision="hide", reason="Ads here")
    client = client_for(moderator)

    by_mod = client.get(f"/operator/moderation/log/?moderator={moderator.pk}").content.decode()
    by_member = client.get(f"/operator/moderation/log/?member={outsider.pk}").content.decode()
    by_kind = client.get("/operator/moderation/log/?kind=warn").content.decode()
    junk = client.get("/operator/moderation/log/?moderator=x&member=-1&kind=<b>&page=999")

    assert "Be nice" in by_mod and "Ads here" not in by_mod
    assert "Ads here" in by_member and "Be nice" not in by_member
    assert "Be nice" in by_kind and "Ads here" not in by_kind
    assert junk.status_code == 200


def test_the_log_page_is_bounded(client_for, moderator, learner, django_assert_max_num_queries):
    for i in range(12):
        case_decide(actor=moderator, case=queued_case(make_thread(learner, title=f"T{i}")), decision="hide", reason="x")
    client = client_for(moderator)
    client.get("/operator/moderation/log/")
    with django_assert_max_num_queries(12):
        assert client.get("/operator/moderation/log/").status_code == 200


# --- a moderator moderates but never sees payment data ------------------------------------------


@pytest.mark.parametrize(
    "path", ["/operator/orders/", "/operator/orders/ORD-1/", "/operator/payouts/", "/operator/payouts.csv"]
)
def test_moderators_cannot_open_the_payment_pages(client_for, moderator, path):
    assert client_for(moderator).get(path).status_code == 403


def test_moderators_cannot_refund_through_the_api(api, moderator):
    response = api(moderator)("post", "/orders/ORD-1/refunds", {"amount": 100, "reason": "x"})
    assert response.status_code == 403


def test_member_text_is_sanitised_on_the_staff_pages(client_for, moderator, outsider, learner):
    thread = make_thread(learner, title="Hi <img src=x onerror=alert(1)>", body="<script>alert('x')</script>**bold**")
    report_file(actor=outsider, kind="thread", target_id=thread.pk, reason="other", note="<script>alert(2)</script>")
    case = Case.objects.get()
    client = client_for(moderator)
    for path in ("/operator/moderation/", f"/operator/moderation/cases/{case.pk}/"):
        html = client.get(path).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "<strong>bold</strong>" in html


def test_moderators_see_a_moderation_box_on_member_pages_and_nobody_else(moderator, outsider, learner):
    from lyceum.core import hooks
    from lyceum.moderation.profile_section import moderation_section

    case_decide(actor=moderator, case=queued_case(make_thread(learner)), decision="mute", reason="Ads", mute_days=7)

    assert moderation_section(member=learner, viewer=outsider) == []
    assert moderation_section(member=learner, viewer=None) == []
    [section] = moderation_section(member=learner, viewer=moderator)
    assert (section["decisions"], section["open_cases"], section["sanction"].kind) == (1, 1, "mute")
    assert moderation_section in hooks._providers["member_profile.sections"]


def test_lifting_a_sanction_from_the_case_page(client_for, moderator, learner):
    from lyceum.moderation.models import Sanction

    case = queued_case(make_thread(learner))
    case_decide(actor=moderator, case=case, decision="mute", reason="Ads", mute_days=7)
    sanction = Sanction.objects.get()
    assert (
        client_for(learner).post(f"/operator/moderation/sanctions/{sanction.pk}/lift/", {"reason": "x"}).status_code
        == 403
    )
    client = client_for(moderator)
    assert "Lift" in client.get(f"/operator/moderation/cases/{case.pk}/").content.decode()

    no_reason = client.post(f"/operator/moderation/sanctions/{sanction.pk}/lift/", {"reason": "", "case": case.pk})
    assert no_reason.status_code == 302 and Sanction.objects.get().lifted_at is None
    lifted = client.post(f"/operator/moderation/sanctions/{sanction.pk}/lift/", {"reason": "Sorted", "case": case.pk})

    assert lifted["Location"] == f"/operator/moderation/cases/{case.pk}/"
    assert Sanction.objects.get().lifted_by == moderator
    assert client.post("/operator/moderation/sanctions/999999/lift/", {"reason": "x"}).status_code == 404


def test_the_member_page_shows_the_box_to_moderators_only(client_for, moderator, outsider, learner):
    case_decide(actor=moderator, case=queued_case(make_thread(learner)), decision="warn", reason="Be kind")
    staff_view = client_for(moderator).get(f"/members/{learner.pk}/").content.decode()
    member_view = client_for(outsider).get(f"/members/{learner.pk}/").content.decode()
    assert 'data-testid="moderation-member"' in staff_view and "Earlier decisions: 1 · open cases: 1" in staff_view
    assert 'data-testid="moderation-member"' not in member_view

"""The churn-risk and retention-campaign pages: who may see them, filters, the campaign flow, the
learner's message page, query budgets and the Chinese rendering."""

from __future__ import annotations

import re
from typing import Any

import pytest

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.analytics.campaigns import campaign_send
from lyceum.analytics.models import CampaignGroup, CampaignMember, RetentionCampaign
from lyceum.commerce.models import Coupon
from lyceum.notifications.models import Notification

from .test_retention_campaigns import make_learners, make_model, score

pytestmark = pytest.mark.django_db

AT_RISK = "/operator/retention/"
MODEL = "/operator/retention/model/"
CAMPAIGNS = "/operator/retention/campaigns/"
NEW = "/operator/retention/campaigns/new/"
EVIL = "<script>alert(1)</script>"


@pytest.fixture
def scored(db):
    """A model and six learners scored 90 %, 80 % ... 40 %; the first three stalled, the rest quiet."""
    model = make_model()
    users = make_learners(6)
    stalled = [{"feature": "days_since_active", "value": 12, "weight": 0.8, "context": {}}]
    quiet = [{"feature": "community_28", "value": 0, "weight": 0.4, "context": {}}]
    for i, user in enumerate(users):
        score(model, user, 0.9 - i * 0.1, stalled if i < 3 else quiet)
    return model, users


def _campaign(operator: Any, users: list[Any], **fields: Any) -> RetentionCampaign:
    values: dict[str, Any] = {"name": "Come back", "message_title": "We miss you", "coupon_percent_off": 15}
    values.update(fields)
    return campaign_send(actor=operator, user_ids=[u.pk for u in users], **values)


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'name="user" value="(\d+)"', html)]


# --- who may see what -------------------------------------------------------------------------------


def _operator_urls(campaign: RetentionCampaign) -> list[str]:
    return [AT_RISK, MODEL, CAMPAIGNS, NEW, f"{CAMPAIGNS}{campaign.pk}/"]


def test_anonymous_visitors_are_sent_to_sign_in_and_learners_and_instructors_refused(
    client, client_for, scored, operator, learner, instructor
):
    _model, users = scored
    campaign = _campaign(operator, users[:2])
    for url in _operator_urls(campaign):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        assert client_for(learner).get(url).status_code == 403, url
        assert client_for(instructor).get(url).status_code == 403, url


def test_a_learner_cannot_send_a_campaign(client_for, scored, learner):
    _model, users = scored
    response = client_for(learner).post(
        NEW, {"user": [u.pk for u in users], "send": "1", "name": "x", "message_title": "Hi", "holdout_percent": 0,
              "coupon_valid_days": 14},
    )  # fmt: skip
    assert response.status_code == 403
    assert not RetentionCampaign.objects.exists() and not Notification.objects.exists()


def test_without_a_model_the_pages_explain_how_to_train_one(client_for, operator):
    for url in (AT_RISK, MODEL, NEW):
        response = client_for(operator).get(url)
        assert response.status_code == 200, url
        assert "manage.py train_churn" in response.content.decode()
    assert client_for(operator).post(NEW, {"user": ["1"], "send": "1"}).status_code == 200
    assert not RetentionCampaign.objects.exists()


# --- the at-risk list ------------------------------------------------------------------------------


def test_operator_sees_learners_riskiest_first_with_reasons_in_words(client_for, scored, operator, instructor):
    model, users = scored
    score(model, instructor, 0.99)  # staff are never listed, even when scored
    response = client_for(operator).get(AT_RISK)
    html = response.content.decode()
    assert response.status_code == 200
    assert _ids(html) == [u.pk for u in users]
    assert "90%" in html and "no activity for 12 days" in html
    assert "no posts, replies or check-ins in the last 4 weeks" in html
    assert "0.81" in html and "62%" in html  # held-out AUC and precision at the top decile
    assert 'href="/operator/retention/model/"' in html
    assert 'action="/operator/retention/campaigns/new/"' in html and "csrfmiddlewaretoken" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"min_risk": "65"}, [0, 1, 2]),
        ({"min_risk": "0"}, [0, 1, 2, 3, 4, 5]),
        ({"reason": "community_28"}, [3, 4, 5]),
        ({"reason": "community_28", "min_risk": "55"}, [3]),
        ({"reason": "days_since_active"}, [0, 1, 2]),
    ],
)
def test_filters(client_for, scored, operator, query, expected):
    _model, users = scored
    response = client_for(operator).get(AT_RISK, query)
    assert response.status_code == 200
    assert _ids(response.content.decode()) == [users[i].pk for i in expected]


def test_search_by_name_or_email(client_for, scored, operator):
    _model, users = scored
    html = client_for(operator).get(AT_RISK, {"q": users[2].email.upper()}).content.decode()
    assert _ids(html) == [users[2].pk]


@pytest.mark.parametrize(
    "query", [{"min_risk": "150"}, {"min_risk": "abc"}, {"reason": "nonsense"}, {"q": "x" * 200}, {"page": "x"}]
)
def test_bad_filters_are_form_errors_never_a_crash(client_for, scored, operator, query):
    response = client_for(operator).get(AT_RISK, query)
    assert response.status_code in (200, 400)
    if "page" not in query:
        assert response.status_code == 400 and "field-errors" in response.content.decode()


def test_the_list_is_paginated(client_for, operator):
    model = make_model()
    users = make_learners(55)
    for i, user in enumerate(users):
        score(model, user, 0.99 - i * 0.01)
    first = client_for(operator).get(AT_RISK).content.decode()
    second = client_for(operator).get(AT_RISK, {"page": "2"}).content.decode()
    assert len(_ids(first)) == 50 and _ids(second) == [u.pk for u in users[50:]]
    assert "55 learners match." in first


def test_at_risk_list_query_count_does_not_grow_with_rows(client_for, operator, django_assert_max_num_queries):
    model = make_model()
    client = client_for(operator)
    for user in make_learners(3):
        score(model, user, 0.5)
    with django_assert_max_num_queries(12) as few:
        assert client.get(AT_RISK).status_code == 200
    for user in make_learners(30):
        score(model, user, 0.6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(AT_RISK, {"reason": "days_since_active", "min_risk": "10"}).status_code == 200


# --- the model page ---------------------------------------------------------------------------------


def test_model_page_shows_metrics_and_what_raises_or_lowers_risk(client_for, scored, operator):
    html = client_for(operator).get(MODEL).content.decode()
    assert "0.81" in html and "62%" in html and "30%" in html
    assert "2026-05-01" in html and "1200" in html and "2026-08-31" in html and "400" in html
    table = html[html.index('data-testid="coefficients"') :]
    # strongest first: days since active (+0.9, raises), study minutes (-0.6, lowers), purchases (-0.2)
    assert table.index("Days since last activity") < table.index("Study minutes in the last 2 weeks")
    assert table.index("Study minutes in the last 2 weeks") < table.index("Purchases so far")
    assert "raises risk" in table and "lowers risk" in table
    assert "<svg" in table and "style=" not in html.split("<body", 1)[1]


# --- creating and sending a campaign ------------------------------------------------------------------


def _send_data(**fields: Any) -> dict[str, Any]:
    data = {
        "send": "1", "name": "Spring nudge", "message_title": "We kept your seat",
        "message_body": "Come **back**", "coupon_percent_off": "20", "coupon_valid_days": "14",
        "holdout_percent": "20", "coupon_currency": "CNY", "idempotency_key": "k-1",
    }  # fmt: skip
    data.update(fields)
    return data


def test_posting_a_selection_shows_the_form_with_a_preview(client_for, scored, operator):
    _model, users = scored
    response = client_for(operator).post(NEW, {"user": [users[0].pk, users[1].pk, users[2].pk], "min_risk": "65"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="name"' in html and 'name="idempotency_key"' in html
    preview = html[html.index('data-testid="preview"') :]
    assert "<dd>3</dd>" in preview and "≈ 1" in preview  # 20 % of 3 rounds to 1
    assert sorted(_ids(html)) == [users[0].pk, users[1].pk, users[2].pk]
    assert not RetentionCampaign.objects.exists()


def test_updating_the_preview_keeps_the_values_and_judges_nothing_yet(client_for, scored, operator):
    _model, users = scored
    data = {"user": [u.pk for u in users], "preview": "1", "name": "", "message_title": "Kept title",
            "holdout_percent": "50", "idempotency_key": "k-77"}  # fmt: skip
    response = client_for(operator).post(NEW, data)
    html = response.content.decode()
    assert response.status_code == 200 and "field-errors" not in html
    assert "Expected hold-out (50%)" in html and "≈ 3" in html
    assert 'value="Kept title"' in html and 'value="k-77"' in html
    assert not RetentionCampaign.objects.exists()


def test_selecting_all_matching_uses_the_filter(client_for, scored, operator):
    response = client_for(operator).post(NEW, {"all_matching": "1", "reason": "community_28"})
    html = response.content.decode()
    assert "<dd>3</dd>" in html and 'name="all_matching" value="1"' in html and _ids(html) == []


def test_sending_creates_the_campaign_and_redirects_to_it(
    client_for, scored, operator, django_capture_on_commit_callbacks
):
    _model, users = scored
    client = client_for(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(NEW, _send_data(all_matching="1", reason="days_since_active", min_risk="50"))
    campaign = RetentionCampaign.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{CAMPAIGNS}{campaign.pk}/"
    assert set(CampaignMember.objects.values_list("user_id", flat=True)) == {u.pk for u in users[:3]}
    assert campaign.criteria["reason"] == "days_since_active" and campaign.criteria["min_risk"] == 50
    assert campaign.criteria["selection"] == "all_matching" and campaign.coupon_percent_off == 20
    # the same form posted again (double click, back and resubmit) sends nothing more
    assert (
        client.post(NEW, _send_data(all_matching="1", reason="days_since_active", min_risk="50"))["Location"]
        == f"{CAMPAIGNS}{campaign.pk}/"
    )
    assert RetentionCampaign.objects.count() == 1 and CampaignMember.objects.count() == 3
    treated = CampaignMember.objects.filter(group=CampaignGroup.TREATMENT).count()
    assert Coupon.objects.count() == treated == Notification.objects.count()


def test_amount_off_is_entered_in_major_units(client_for, scored, operator):
    _model, users = scored
    client_for(operator).post(
        NEW, _send_data(user=[users[0].pk], coupon_percent_off="", coupon_amount_off="25.50", holdout_percent="0")
    )
    campaign = RetentionCampaign.objects.get()
    assert campaign.coupon_amount_off == 2550 and campaign.coupon_currency == "CNY"
    assert Coupon.objects.get().amount_off == 2550


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"holdout_percent": "60"}, "less than or equal to 50"),
        ({"coupon_percent_off": "0"}, "greater than or equal to 1"),
        ({"message_title": "", "message_body": "", "coupon_percent_off": ""}, "Send a message, a coupon or both."),
        ({"coupon_amount_off": "5"}, "not both"),
        ({"message_body": "x" * 2001}, "at most 2000 characters"),
        ({"user": ["abc"]}, "The selection is not valid"),
        ({"user": []}, "Select at least one learner."),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_sent(client_for, scored, operator, fields, message):
    _model, users = scored
    data = _send_data(user=[users[0].pk, users[1].pk])
    data.update(fields)
    response = client_for(operator).post(NEW, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RetentionCampaign.objects.exists() and not Coupon.objects.exists()


def test_ids_of_staff_or_unscored_accounts_are_refused(client_for, scored, operator, instructor, outsider):
    _model, users = scored
    for stranger in (instructor, outsider):
        response = client_for(operator).post(NEW, _send_data(user=[users[0].pk, stranger.pk]))
        assert response.status_code == 400
        assert "no current risk score" in response.content.decode()
    assert not RetentionCampaign.objects.exists() and not Notification.objects.exists()


# --- campaign pages ---------------------------------------------------------------------------------


def test_campaign_list_and_detail(client_for, scored, operator, monkeypatch):
    from lyceum.analytics import campaigns

    _model, users = scored
    monkeypatch.setattr(campaigns, "assign_group", lambda salt, uid, p: ("treatment", "holdout")[uid % 2])
    campaign = _campaign(operator, users, name=EVIL, message_body=f"**Hello** {EVIL}", holdout_percent=50)
    listing = client_for(operator).get(CAMPAIGNS).content.decode()
    assert f"{CAMPAIGNS}{campaign.pk}/" in listing and EVIL not in listing
    response = client_for(operator).get(f"{CAMPAIGNS}{campaign.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert EVIL not in html and "<strong>Hello</strong>" in html
    assert "Too few learners to tell" in html and "activity as of the last rollup" in html
    assert 'data-testid="group-treatment"' in html and 'data-testid="group-holdout"' in html
    assert html.count("<tr>") >= 1 + len(users)
    assert client_for(operator).get(f"{CAMPAIGNS}999999/").status_code == 404


def test_campaign_detail_query_count_does_not_grow_with_members(client_for, operator, django_assert_max_num_queries):
    model = make_model()
    few_users = make_learners(3)
    many_users = make_learners(40)
    for user in few_users + many_users:
        score(model, user, 0.7)
    few = _campaign(operator, few_users, name="few")
    many = _campaign(operator, many_users, name="many")
    client = client_for(operator)
    with django_assert_max_num_queries(14) as small:
        assert client.get(f"{CAMPAIGNS}{few.pk}/").status_code == 200
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(f"{CAMPAIGNS}{many.pk}/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(CAMPAIGNS).status_code == 200


# --- the learner's message --------------------------------------------------------------------------


def test_a_contacted_learner_sees_the_message_and_their_own_coupon(client_for, scored, operator):
    _model, users = scored
    campaign = _campaign(operator, users, message_body=f"Come **back** {EVIL}", holdout_percent=0)
    member = CampaignMember.objects.select_related("coupon").get(campaign=campaign, user=users[0])
    other = CampaignMember.objects.select_related("coupon").get(campaign=campaign, user=users[1])
    response = client_for(users[0]).get(f"/me/messages/{campaign.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "We miss you" in html and "<strong>back</strong>" in html and EVIL not in html
    assert member.coupon.code in html and other.coupon.code not in html
    assert 'href="/courses/"' in html


def test_the_message_page_is_404_for_hold_out_learners_and_anyone_else(
    client, client_for, scored, operator, outsider, monkeypatch
):
    from lyceum.analytics import campaigns

    _model, users = scored
    monkeypatch.setattr(campaigns, "assign_group", lambda salt, uid, p: ("treatment", "holdout")[uid == users[1].pk])
    campaign = _campaign(operator, users[:2], holdout_percent=50)
    url = f"/me/messages/{campaign.pk}/"
    assert CampaignMember.objects.get(user=users[1]).group == CampaignGroup.HOLDOUT
    assert client_for(users[0]).get(url).status_code == 200
    assert client_for(users[1]).get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(operator).get(url).status_code == 404
    assert client_for(users[0]).get("/me/messages/999999/").status_code == 404
    assert client.get(url).status_code == 302


# --- Chinese -------------------------------------------------------------------------------------


def test_pages_render_in_chinese(client_for, scored, operator):
    _model, users = scored
    campaign = _campaign(operator, users, holdout_percent=0)
    client = client_for(operator)
    for url in (AT_RISK, MODEL, CAMPAIGNS, f"{CAMPAIGNS}{campaign.pk}/"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, url
        assert '<html lang="zh-hans">' in response.content.decode(), url
    response = client.post(NEW, {"user": [users[0].pk]}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    learner_page = client_for(users[0]).get(f"/me/messages/{campaign.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert learner_page.status_code == 200
    html = client.get(AT_RISK, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "12" in html  # the reasons render through the Chinese catalogue (or English where not yet translated)


def test_staff_role_holders_are_not_in_the_list_even_as_learners(client_for, operator):
    model = make_model()
    both = make_user("both@example.org", Role.LEARNER, Role.MODERATOR)
    score(model, both, 0.95)
    assert _ids(client_for(operator).get(AT_RISK).content.decode()) == []


def test_detail_reads_a_clear_difference_and_a_campaign_without_hold_out(client_for, operator):
    from datetime import timedelta

    from django.utils import timezone

    from lyceum.accounts.models import User
    from lyceum.analytics.models import UserDay
    from lyceum.analytics.rollup import platform_tz

    # given 40 contacted and 40 held-out learners, 30 vs 10 of whom came back
    people = User.objects.bulk_create([User(email=f"bulk-{i}@example.org") for i in range(80)])
    now = timezone.now()
    campaign = RetentionCampaign.objects.create(
        name="Measured", created_at=now, sent_at=now, holdout_percent=50, salt="s", message_title="Hi"
    )
    CampaignMember.objects.bulk_create(
        CampaignMember(campaign=campaign, user=u, group="treatment" if i < 40 else "holdout", probability=0.6)
        for i, u in enumerate(people)
    )
    day = now.astimezone(platform_tz()).date() + timedelta(days=1)
    back = people[:30] + people[40:50]
    UserDay.objects.bulk_create(UserDay(day=day, user_id=u.pk, activities=1) for u in back)

    html = client_for(operator).get(f"{CAMPAIGNS}{campaign.pk}/").content.decode()

    # 75 % vs 25 %: +50 points, interval about +31 … +69
    differences = html[html.index('data-testid="differences"') :]
    assert "+50.0 pts" in differences and "Contacted learners did better" in differences
    assert "75.0%" in html and "25.0%" in html

    alone = _campaign(operator, make_learners_scored(3), holdout_percent=0)
    assert "No hold-out group" in client_for(operator).get(f"{CAMPAIGNS}{alone.pk}/").content.decode()


def make_learners_scored(n: int) -> list[Any]:
    model = make_model()
    users = make_learners(n)
    for user in users:
        score(model, user, 0.7)
    return users

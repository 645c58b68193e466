"""Retention campaigns: hold-out assignment, sending (coupon + message to the treatment group only),
validation, idempotency, and the per-group results."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.analytics import campaigns
from lyceum.analytics.campaigns import assign_group, campaign_results, campaign_send, difference
from lyceum.analytics.models import (
    CampaignGroup,
    CampaignMember,
    ChurnModel,
    ChurnScore,
    RetentionCampaign,
    UserDay,
)
from lyceum.analytics.rollup import platform_tz
from lyceum.commerce.models import Coupon, CouponRedemption, Order, OrderStatus
from lyceum.commerce.services.coupons import coupon_quote
from lyceum.core.errors import ValidationFailed
from lyceum.core.models import Event
from lyceum.notifications.models import Notification

_seq = itertools.count(1)

REASONS = [
    {"feature": "days_since_active", "value": 12, "weight": 0.8, "context": {}},
    {"feature": "study_minutes_14", "value": 0, "weight": 0.5, "context": {}},
    {"feature": "purchases", "value": 0, "weight": 0.2, "context": {}},
]


# --- helpers (the view tests import these) ------------------------------------------------------------


def make_model(**fields: Any) -> ChurnModel:
    values: dict[str, Any] = {
        "trained_at": timezone.now(),
        "as_of": timezone.now().date() - timedelta(days=1),
        "features": ["days_since_active", "study_minutes_14", "purchases"],
        "means": [5.0, 2.0, 0.3],
        "scales": [4.0, 1.5, 0.5],
        "coefficients": [0.9, -0.6, -0.2],
        "intercept": -1.2,
        "metrics": {
            "auc": 0.81, "precision_top_decile": 0.62, "base_rate": 0.3, "n_train": 1200, "n_test": 400,
            "positives_train": 360, "positives_test": 120, "train_from": "2026-05-01", "train_to": "2026-08-01",
            "test_from": "2026-08-31", "test_to": "2026-10-01", "shuffled": False,
        },
    }  # fmt: skip
    values.update(fields)
    return ChurnModel.objects.create(**values)


def make_learners(n: int, *, prefix: str = "at-risk") -> list[Any]:
    return [make_user(f"{prefix}-{next(_seq)}@example.org", Role.LEARNER) for _ in range(n)]


def score(model: ChurnModel, user: Any, probability: float, reasons: list[dict[str, Any]] | None = None) -> ChurnScore:
    reasons = REASONS if reasons is None else reasons
    return ChurnScore.objects.create(
        model=model,
        user=user,
        day=model.as_of + timedelta(days=1),
        probability=probability,
        features={"days_since_active": 12, "active_days_14": 1, "study_minutes_14": 0},
        reasons=reasons,
        reason_keys=" " + " ".join(r["feature"] for r in reasons) + " ",
    )


def send(actor: Any, users: list[Any], **fields: Any) -> RetentionCampaign:
    values: dict[str, Any] = {
        "name": "Come back",
        "message_title": "We miss you",
        "message_body": "Here is **20 %** off.",
        "coupon_percent_off": 20,
        "holdout_percent": 50,
    }
    values.update(fields)
    return campaign_send(actor=actor, user_ids=[u.pk for u in users], **values)


@pytest.fixture
def scored(db):
    """A model and eight learners scored by it."""
    model = make_model()
    users = make_learners(8)
    for i, user in enumerate(users):
        score(model, user, 0.9 - i * 0.05)
    return model, users


# --- hold-out assignment ----------------------------------------------------------------------------


@pytest.mark.parametrize("percent", [0, 10, 20, 50])
def test_holdout_share_is_about_the_percentage(percent):
    groups = [assign_group("salt-a", user_id, percent) for user_id in range(1, 2001)]
    share = groups.count(CampaignGroup.HOLDOUT) / len(groups)
    assert abs(share - percent / 100) < 0.035, share  # ±3.5 points: well over 3 standard errors at n = 2000
    assert set(groups) <= {CampaignGroup.HOLDOUT, CampaignGroup.TREATMENT}


def test_holdout_is_stable_per_salt_and_learner_and_differs_between_salts():
    first = [assign_group("salt-a", i, 20) for i in range(1, 2001)]
    again = [assign_group("salt-a", i, 20) for i in range(1, 2001)]
    other = [assign_group("salt-b", i, 20) for i in range(1, 2001)]
    assert first == again
    assert first != other
    # independent between campaigns: about 20 % × 80 % × 2 of learners switch groups
    switched = sum(a != b for a, b in zip(first, other, strict=True)) / len(first)
    assert 0.25 < switched < 0.39, switched


def test_holdout_is_not_the_lowest_ids():
    groups = [assign_group("salt-a", i, 20) for i in range(1, 2001)]
    assert CampaignGroup.HOLDOUT in groups[:100] and CampaignGroup.TREATMENT in groups[:100]
    assert CampaignGroup.HOLDOUT in groups[-100:]


# --- sending ---------------------------------------------------------------------------------------


def test_send_contacts_only_the_treatment_group_with_their_own_coupon(
    scored, operator, outsider, django_capture_on_commit_callbacks
):
    model, users = scored
    with django_capture_on_commit_callbacks(execute=True):
        campaign = send(operator, users, holdout_percent=20, criteria={"min_risk": 50})
    members = {m.user_id: m for m in CampaignMember.objects.filter(campaign=campaign)}
    assert set(members) == {u.pk for u in users}
    for user in users:
        member = members[user.pk]
        assert member.group == assign_group(campaign.salt, user.pk, 20)
        assert member.reasons == REASONS
        assert member.probability == ChurnScore.objects.get(user=user).probability
        notes = Notification.objects.filter(recipient=user)
        if member.group == CampaignGroup.TREATMENT:
            assert member.coupon is not None and member.coupon.owner_id == user.pk
            assert member.coupon.max_redemptions == 1 and member.coupon.percent_off == 20
            assert member.coupon.source == f"campaign:{campaign.pk}" and member.coupon.code.startswith("BACK-")
            assert member.contacted_at is not None
            note = notes.get()
            assert note.kind == "offers" and note.url == f"/me/messages/{campaign.pk}/"
            assert note.data == {"title": "We miss you", "coupon": member.coupon.code}
        else:
            assert member.coupon is None and member.contacted_at is None
            assert not notes.exists()
    groups = [m.group for m in members.values()]
    assert CampaignGroup.TREATMENT in groups  # all 8 in a 20 % hold-out: p = 0.2⁸
    treated = [m for m in members.values() if m.group == CampaignGroup.TREATMENT]
    assert Coupon.objects.filter(source=f"campaign:{campaign.pk}").count() == len(treated)
    assert campaign.criteria["min_risk"] == 50 and campaign.churn_model == model
    event = Event.objects.get(name="retention_campaign.sent")
    assert event.object_id == str(campaign.pk)
    assert event.props["members"] == 8 and event.props["treatment"] == len(treated)
    assert event.props["holdout"] == 8 - len(treated) and event.props["coupons"] == len(treated)


def test_personal_coupon_is_refused_to_anyone_else(scored, operator, outsider):
    from lyceum.commerce.tests.helpers import make_product

    _model, users = scored
    campaign = send(operator, users, holdout_percent=0)
    member = CampaignMember.objects.filter(campaign=campaign).select_related("coupon", "user").first()
    product = make_product()
    quote = coupon_quote(user=member.user, product=product, code=member.coupon.code)
    assert quote.discount == product.list_price * 20 // 100
    with pytest.raises(ValidationFailed) as refused:
        coupon_quote(user=outsider, product=product, code=member.coupon.code)
    assert refused.value.field == "coupon"


def test_message_only_campaign_mints_no_coupon(scored, operator):
    _model, users = scored
    campaign = send(operator, users, coupon_percent_off=None, holdout_percent=0)
    assert not Coupon.objects.exists()
    assert Notification.objects.filter(kind="offers").count() == len(users)
    assert Notification.objects.first().data == {"title": "We miss you", "coupon": ""}
    assert campaign.coupon_currency == ""


def test_double_submit_with_the_same_key_sends_once(scored, operator):
    _model, users = scored
    first = send(operator, users, idempotency_key="form-123")
    second = send(operator, users, idempotency_key="form-123")
    assert first.pk == second.pk
    assert RetentionCampaign.objects.count() == 1
    assert CampaignMember.objects.count() == len(users)
    assert Event.objects.filter(name="retention_campaign.sent").count() == 1
    treated = CampaignMember.objects.filter(group=CampaignGroup.TREATMENT).count()
    assert Coupon.objects.count() == treated == Notification.objects.count()


def test_double_submit_without_a_key_is_recognised_by_its_content(scored, operator):
    _model, users = scored
    first = send(operator, users)
    assert send(operator, users).pk == first.pk
    assert RetentionCampaign.objects.count() == 1
    # a different campaign to the same learners is a new one
    assert send(operator, users, name="Second try").pk != first.pk


BAD_INPUT = [
    ({"name": ""}, "name"),
    ({"name": "x" * 121}, "name"),
    ({"message_title": "", "message_body": "", "coupon_percent_off": None}, "message_title"),
    ({"message_title": "", "message_body": "Body without a title"}, "message_title"),
    ({"message_body": "x" * 2001}, "message_body"),
    ({"coupon_percent_off": 0}, "coupon_percent_off"),
    ({"coupon_percent_off": 101}, "coupon_percent_off"),
    ({"coupon_percent_off": 10, "coupon_amount_off": 500}, "coupon_percent_off"),
    ({"coupon_percent_off": None, "coupon_amount_off": 0}, "coupon_amount_off"),
    ({"coupon_valid_days": 0}, "coupon_valid_days"),
    ({"holdout_percent": -1}, "holdout_percent"),
    ({"holdout_percent": 51}, "holdout_percent"),
]


@pytest.mark.parametrize(("fields", "field"), BAD_INPUT)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_sent(scored, operator, fields, field):
    _model, users = scored
    with pytest.raises(ValidationFailed) as refused:
        send(operator, users, **fields)
    assert refused.value.field == field
    assert not RetentionCampaign.objects.exists() and not Coupon.objects.exists()
    assert not Notification.objects.exists() and not Event.objects.filter(name="retention_campaign.sent").exists()


def test_ids_without_a_score_staff_and_strangers_are_refused(scored, operator, instructor, outsider):
    model, users = scored
    score(model, instructor, 0.99)  # staff must never be messaged, even if scored
    for extra in ([instructor], [outsider], [operator]):
        with pytest.raises(ValidationFailed) as refused:
            send(operator, users + extra)
        assert refused.value.field == "user_ids"
    with pytest.raises(ValidationFailed) as refused:
        campaign_send(actor=operator, name="x", user_ids=[999999], message_title="Hi")
    assert refused.value.field == "user_ids"
    with pytest.raises(ValidationFailed) as refused:
        send(operator, [])
    assert refused.value.field == "user_ids"
    assert not RetentionCampaign.objects.exists() and not Notification.objects.exists()


def test_scores_of_an_older_model_do_not_count(scored, operator):
    _old, users = scored
    make_model()  # newer, nobody scored yet
    with pytest.raises(ValidationFailed) as refused:
        send(operator, users)
    assert refused.value.field == "user_ids"


def test_more_than_5000_learners_is_refused_before_any_query(operator, django_assert_num_queries):
    with django_assert_num_queries(0), pytest.raises(ValidationFailed) as refused:
        campaign_send(actor=operator, name="Everyone", user_ids=list(range(1, 5002)), message_title="Hi")
    assert refused.value.field == "user_ids"


def test_without_a_model_the_send_is_refused(operator, learner):
    with pytest.raises(ValidationFailed) as refused:
        campaign_send(actor=operator, name="x", user_ids=[learner.pk], message_title="Hi")
    assert refused.value.field == "user_ids"


def test_a_failure_midway_leaves_nothing_half_sent(scored, operator, monkeypatch):
    _model, users = scored
    calls = []

    def failing_notify(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("mail queue down")

    monkeypatch.setattr(campaigns, "notify", failing_notify)
    with pytest.raises(RuntimeError):
        send(operator, users, holdout_percent=0)
    assert not RetentionCampaign.objects.exists() and not CampaignMember.objects.exists()
    assert not Coupon.objects.exists() and not Event.objects.filter(name="coupon.minted").exists()


# --- results -----------------------------------------------------------------------------------------


def _at(day, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=platform_tz())


def test_results_count_came_back_bought_and_redeemed_per_group(scored, operator, monkeypatch):
    from lyceum.commerce.tests.helpers import make_product

    _model, users = scored
    # given a fixed split (odd ids held out), so each group has four learners
    monkeypatch.setattr(
        campaigns, "assign_group", lambda salt, user_id, percent: ("holdout", "treatment")[user_id % 2 == 0]
    )
    campaign = send(operator, users, holdout_percent=50)
    sent_day = campaign.sent_at.astimezone(platform_tz()).date()
    members = list(CampaignMember.objects.filter(campaign=campaign).select_related("coupon").order_by("user_id"))
    treated = [m for m in members if m.group == CampaignGroup.TREATMENT]
    held = [m for m in members if m.group == CampaignGroup.HOLDOUT]
    # came back: activity in the window counts, before it or after it does not
    UserDay.objects.create(day=sent_day, user_id=treated[0].user_id, activities=1)
    UserDay.objects.create(day=sent_day + timedelta(days=29), user_id=treated[-1].user_id, activities=2)
    UserDay.objects.create(day=sent_day + timedelta(days=30), user_id=treated[-1].user_id, activities=2)
    UserDay.objects.create(day=sent_day - timedelta(days=1), user_id=held[0].user_id, activities=1)
    UserDay.objects.create(day=sent_day + timedelta(days=3), user_id=held[-1].user_id, activities=1)
    # bought: a paid order in the window; pending or outside the window does not count
    product = make_product()

    def order(member: CampaignMember, status: str, paid_at: datetime | None, coupon: Coupon | None = None) -> Order:
        return Order.objects.create(
            number=f"T-{next(_seq)}", user_id=member.user_id, product=product, status=status, currency="CNY",
            subtotal=19900, discount=0, total=19900, expires_at=timezone.now() + timedelta(hours=1), paid_at=paid_at,
            coupon=coupon,
        )  # fmt: skip

    paid = order(treated[0], OrderStatus.PAID, _at(sent_day + timedelta(days=2)), coupon=treated[0].coupon)
    CouponRedemption.objects.create(coupon=treated[0].coupon, user_id=treated[0].user_id, order=paid, amount=3980)
    order(treated[-1], OrderStatus.PENDING, None)
    order(treated[-1], OrderStatus.PAID, _at(sent_day + timedelta(days=31)))
    order(held[0], OrderStatus.REFUNDED, _at(sent_day + timedelta(days=5)))  # bought, then refunded: bought

    results = campaign_results(campaign)

    assert results.start == sent_day and results.end == sent_day + timedelta(days=30)
    assert results.treatment.members == 4 and results.holdout.members == 4
    assert results.treatment.came_back == 2 and results.holdout.came_back == 1
    assert results.treatment.bought == 1 and results.holdout.bought == 1
    assert results.treatment.redeemed == 1 and results.holdout.redeemed == 0
    assert results.treatment.came_back_rate == 0.5 and results.holdout.bought_rate == 0.25
    assert results.came_back.verdict == "too_few"  # 8 learners: far too few to tell
    assert not results.complete


def test_difference_confidence_interval_and_verdicts():
    clear = difference(60, 200, 30, 200)  # 30 % vs 15 %
    assert clear.points == 15.0
    # se = sqrt(.3*.7/200 + .15*.85/200) = 0.0411; ±1.96 se = ±8.05 points
    assert clear.low == pytest.approx(6.9, abs=0.1) and clear.high == pytest.approx(23.1, abs=0.1)
    assert clear.verdict == "better" and clear.conclusive
    assert difference(30, 200, 60, 200).verdict == "worse"
    assert difference(32, 200, 30, 200).verdict == "unclear"
    assert difference(20, 29, 1, 200).verdict == "too_few"
    assert difference(5, 10, 0, 0) == campaigns.Difference(None, None, None, "too_few")

"""Retention campaigns: contact at-risk learners, keep a random hold-out, measure the difference.

Writes go through ``campaign_send`` only. The learners come from the churn scores of the
latest model (``churn.model.latest_model``); each is put in the treatment or the hold-out
group by ``assign_group`` — a keyed hash of the campaign's random salt and the learner's id,
so the split is random across learners and the same every time it is recomputed. Treatment
learners get the message (a notification of kind ``offers``) and, if the campaign has one, a
personal single-use coupon minted by commerce; hold-out learners get nothing.

``campaign_results`` compares the groups over the campaign's window: who came back (any
activity in the ``UserDay`` rollup) and who bought (a paid order), with the difference in
percentage points and its 95 % confidence interval, so an operator can tell an effect from
noise. Activity comes from the rollups: figures are as of the last ``rollup_analytics`` run.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lyceum.accounts.models import Role
from lyceum.commerce.models import DEFAULT_CURRENCY, CouponRedemption, Order
from lyceum.commerce.services.coupons import PAID_STATUSES, coupon_mint_personal
from lyceum.core import events
from lyceum.core.errors import ValidationFailed
from lyceum.notifications.models import Kind
from lyceum.notifications.services import notify

from .churn.model import latest_model
from .models import (
    CampaignGroup,
    CampaignMember,
    ChurnModel,
    ChurnScore,
    RetentionCampaign,
    UserDay,
    Watermark,
)
from .rollup import day_bounds, platform_tz

NAME_MAX = 120
TITLE_MAX = 120
MESSAGE_MAX = 2000
HOLDOUT_MAX = 50
MAX_LEARNERS = 5000
COUPON_DAYS_MAX = 366
MIN_GROUP_SIZE = 30  # below this per group the normal approximation says nothing useful
Z_95 = 1.959963984540054
# Without an idempotency key from the form, the same campaign (same operator, name, learners,
# message and offer) submitted again within this window is the same submission.
DUPLICATE_WINDOW = timedelta(hours=1)
# Staff roles are never contacted, even if they were scored: campaigns are for learners.
STAFF_ROLES: tuple[str, ...] = (Role.INSTRUCTOR, Role.MODERATOR, Role.OPERATOR)


# --- hold-out assignment ------------------------------------------------------------------------


def group_draw(salt: str, user_id: int) -> float:
    """HMAC-SHA256 of the learner id keyed by the campaign salt, as a number uniform in [0, 1)."""
    digest = hmac.new(salt.encode(), str(int(user_id)).encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_group(salt: str, user_id: int, holdout_percent: int) -> str:
    """``"holdout"`` for a ``holdout_percent`` share of learners, ``"treatment"`` for the rest.

    Random across learners (the salt is secret and new for each campaign), stable for one
    learner within one campaign, and independent between campaigns."""
    return CampaignGroup.HOLDOUT if group_draw(salt, user_id) < holdout_percent / 100 else CampaignGroup.TREATMENT


# --- reads ----------------------------------------------------------------------------------------


def contactable_scores(model: ChurnModel) -> QuerySet[ChurnScore]:
    """Scores of ``model`` for learners a campaign may contact: active, not erased, not staff."""
    return (
        ChurnScore.objects.filter(
            model=model,
            user__is_active=True,
            user__erased_at__isnull=True,
            user__is_staff=False,
            user__is_superuser=False,
        )
        .exclude(user__groups__name__in=STAFF_ROLES)
        .select_related("user")
    )


def at_risk_list(
    *, model: ChurnModel, min_risk: int | None = None, reason: str = "", q: str = ""
) -> QuerySet[ChurnScore]:
    """The at-risk list, riskiest first: ``min_risk`` in percent, ``reason`` a feature key that must
    be among the learner's top reasons, ``q`` part of the name or e-mail address."""
    scores = contactable_scores(model)
    if min_risk:
        scores = scores.filter(probability__gte=min_risk / 100)
    if reason:
        scores = scores.filter(reason_keys__contains=f" {reason} ")
    if q:
        scores = scores.filter(Q(user__display_name__icontains=q) | Q(user__email__icontains=q))
    return scores.order_by("-probability", "user_id")


def campaign_list() -> QuerySet[RetentionCampaign]:
    return (
        RetentionCampaign.objects.select_related("created_by")
        .annotate(
            member_count=Count("members"),
            treatment_count=Count("members", filter=Q(members__group=CampaignGroup.TREATMENT)),
        )
        .order_by("-created_at", "-id")
    )


def campaign_members(campaign: RetentionCampaign) -> QuerySet[CampaignMember]:
    """Members with whether each came back and bought within the campaign's window."""
    came_back, bought = _outcomes(campaign)
    return (
        CampaignMember.objects.filter(campaign=campaign)
        .select_related("user", "coupon")
        .annotate(came_back=came_back, bought=bought)
        .order_by("group", "-probability", "user_id")
    )


def _outcomes(campaign: RetentionCampaign) -> tuple[Exists, Exists]:
    """Per member: any activity in the window (rollup), any order paid in the window."""
    start, end = outcome_window(campaign)
    first, last = day_bounds(start)[0], day_bounds(end)[0]
    came_back = Exists(UserDay.objects.filter(user_id=OuterRef("user_id"), day__gte=start, day__lt=end))
    paid = Order.objects.filter(status__in=PAID_STATUSES, paid_at__gte=first, paid_at__lt=last)
    return came_back, Exists(paid.filter(user_id=OuterRef("user_id")))


def offer_for_user(*, user: Any, campaign_id: int) -> CampaignMember | None:
    """The treatment-group membership of ``user`` in the campaign (its coupon included), else None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        CampaignMember.objects.filter(campaign_id=campaign_id, user=user, group=CampaignGroup.TREATMENT)
        .select_related("campaign", "coupon")
        .first()
    )


# --- sending ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Offer:
    percent_off: int | None
    amount_off: int | None
    currency: str
    valid_days: int

    @property
    def present(self) -> bool:
        return self.percent_off is not None or self.amount_off is not None


def _validate(
    *,
    name: str,
    user_ids: list[int],
    message_title: str,
    message_body: str,
    coupon_percent_off: int | None,
    coupon_amount_off: int | None,
    coupon_currency: str,
    coupon_valid_days: int,
    holdout_percent: int,
) -> _Offer:
    if not name:
        raise ValidationFailed(_("Give the campaign a name."), field="name")
    if len(name) > NAME_MAX:
        raise ValidationFailed(_("The name is longer than %(n)s characters.") % {"n": NAME_MAX}, field="name")
    if len(message_title) > TITLE_MAX:
        raise ValidationFailed(
            _("The title is longer than %(n)s characters.") % {"n": TITLE_MAX}, field="message_title"
        )
    if len(message_body) > MESSAGE_MAX:
        raise ValidationFailed(
            _("The message is longer than %(n)s characters.") % {"n": MESSAGE_MAX}, field="message_body"
        )
    if message_body and not message_title:
        raise ValidationFailed(_("Give the message a title: learners see it in their notifications."),
                               field="message_title")  # fmt: skip
    if coupon_percent_off is not None and coupon_amount_off is not None:
        raise ValidationFailed(_("Give either a percentage or an amount off, not both."), field="coupon_percent_off")
    if coupon_percent_off is not None and not 1 <= coupon_percent_off <= 100:
        raise ValidationFailed(_("The percentage must be between 1 and 100."), field="coupon_percent_off")
    if coupon_amount_off is not None and coupon_amount_off < 1:
        raise ValidationFailed(_("The amount off must be positive."), field="coupon_amount_off")
    currency = (coupon_currency or DEFAULT_CURRENCY).upper()
    if coupon_amount_off is not None and not (len(currency) == 3 and currency.isalpha()):
        raise ValidationFailed(_("Choose the currency of the amount off."), field="coupon_currency")
    offer = _Offer(coupon_percent_off, coupon_amount_off, currency, coupon_valid_days)
    if offer.present and not 1 <= coupon_valid_days <= COUPON_DAYS_MAX:
        raise ValidationFailed(_("A coupon is valid for 1 to %(n)s days.") % {"n": COUPON_DAYS_MAX},
                               field="coupon_valid_days")  # fmt: skip
    if not message_title and not offer.present:
        raise ValidationFailed(_("Send a message, a coupon or both."), field="message_title")
    if not 0 <= holdout_percent <= HOLDOUT_MAX:
        raise ValidationFailed(_("The hold-out share must be between 0 and %(n)s %%.") % {"n": HOLDOUT_MAX},
                               field="holdout_percent")  # fmt: skip
    if not user_ids:
        raise ValidationFailed(_("Select at least one learner."), field="user_ids")
    if len(user_ids) > MAX_LEARNERS:
        raise ValidationFailed(
            _("A campaign reaches at most %(max)s learners; %(n)s are selected. Narrow the filter.")
            % {"max": MAX_LEARNERS, "n": len(user_ids)},
            field="user_ids",
        )
    return offer


def _fingerprint(*, actor: Any, name: str, user_ids: list[int], parts: tuple[Any, ...]) -> str:
    text = "|".join([str(getattr(actor, "pk", "")), name, ",".join(map(str, user_ids)), *map(str, parts)])
    return "auto:" + hashlib.sha256(text.encode()).hexdigest()[:40]


def _duplicate(key: str, now: datetime) -> RetentionCampaign | None:
    campaigns = RetentionCampaign.objects.filter(criteria__submission=key)
    if key.startswith("auto:"):
        campaigns = campaigns.filter(created_at__gte=now - DUPLICATE_WINDOW)
    return campaigns.order_by("id").first()


def campaign_send(
    *,
    actor: Any,
    name: str,
    user_ids: list[int],
    message_title: str = "",
    message_body: str = "",
    coupon_percent_off: int | None = None,
    coupon_amount_off: int | None = None,
    coupon_currency: str = "",
    coupon_valid_days: int = 14,
    holdout_percent: int = 20,
    criteria: dict[str, Any] | None = None,
    idempotency_key: str = "",
    now: datetime | None = None,
) -> RetentionCampaign:
    """Create a campaign for ``user_ids`` and contact its treatment group, all or nothing.

    Every id must have a churn score of the latest model and be a contactable learner (never
    staff, never an arbitrary account). A second submission with the same ``idempotency_key``
    (or, without one, the same content within ``DUPLICATE_WINDOW``) returns the first campaign
    and sends nothing again. Raises ``ValidationFailed`` naming the field at fault."""
    now = now or timezone.now()
    name, message_title, message_body = name.strip(), message_title.strip(), message_body.strip()
    ids = sorted({int(i) for i in user_ids})
    offer = _validate(
        name=name, user_ids=ids, message_title=message_title, message_body=message_body,
        coupon_percent_off=coupon_percent_off, coupon_amount_off=coupon_amount_off,
        coupon_currency=coupon_currency, coupon_valid_days=coupon_valid_days, holdout_percent=holdout_percent,
    )  # fmt: skip
    key = (idempotency_key or "").strip()[:64] or _fingerprint(
        actor=actor, name=name, user_ids=ids,
        parts=(message_title, message_body, offer.percent_off, offer.amount_off, offer.currency,
               offer.valid_days, holdout_percent),
    )  # fmt: skip
    with transaction.atomic():
        model = latest_model()
        if model is None:
            raise ValidationFailed(_("There are no churn scores yet: train the model first."), field="user_ids")
        # One send at a time per model: a double submit waits here, then finds the first campaign.
        ChurnModel.objects.select_for_update().filter(pk=model.pk).first()
        if (existing := _duplicate(key, now)) is not None:
            return existing
        scores = {s.user_id: s for s in contactable_scores(model).filter(user_id__in=ids)}
        if missing := [i for i in ids if i not in scores]:
            raise ValidationFailed(
                ngettext(
                    "%(n)s selected account has no current risk score or is not a learner who may be contacted.",
                    "%(n)s selected accounts have no current risk score or are not learners who may be contacted.",
                    len(missing),
                )
                % {"n": len(missing)},
                field="user_ids",
            )
        campaign = RetentionCampaign.objects.create(
            name=name, created_by=actor if getattr(actor, "pk", None) else None, created_at=now, sent_at=now,
            churn_model=model, criteria={**(criteria or {}), "submission": key}, holdout_percent=holdout_percent,
            salt=secrets.token_hex(16), message_title=message_title, message_body=message_body,
            coupon_percent_off=offer.percent_off, coupon_amount_off=offer.amount_off,
            coupon_currency=offer.currency if offer.present else "", coupon_valid_days=offer.valid_days,
        )  # fmt: skip
        url = reverse("analytics:offer", args=[campaign.pk])
        members: list[CampaignMember] = []
        coupons = notified = 0
        for user_id in ids:
            score = scores[user_id]
            group = assign_group(campaign.salt, user_id, holdout_percent)
            member = CampaignMember(
                campaign=campaign, user_id=user_id, group=group, probability=score.probability, reasons=score.reasons
            )
            if group == CampaignGroup.TREATMENT:
                if offer.present:
                    member.coupon = coupon_mint_personal(
                        actor=actor, owner=score.user, percent_off=offer.percent_off, amount_off=offer.amount_off,
                        currency=offer.currency, valid_days=offer.valid_days, source=f"campaign:{campaign.pk}",
                        prefix="BACK", now=now,
                    )  # fmt: skip
                    coupons += 1
                sent = notify(
                    recipient=score.user, kind=Kind.OFFERS, actor=actor,
                    data={"title": message_title, "coupon": member.coupon.code if member.coupon else ""},
                    url=url, dedupe_key=f"campaign:{campaign.pk}", at=now,
                )  # fmt: skip
                notified += sent is not None
                member.contacted_at = now
            members.append(member)
        CampaignMember.objects.bulk_create(members, batch_size=1000)
        treatment = sum(m.group == CampaignGroup.TREATMENT for m in members)
        events.emit(
            "retention_campaign.sent", actor=actor, obj=campaign, model=model.pk, members=len(members),
            treatment=treatment, holdout=len(members) - treatment, coupons=coupons, notified=notified,
            holdout_percent=holdout_percent,
        )  # fmt: skip
    return campaign


# --- results ------------------------------------------------------------------------------------


def send_day(campaign: RetentionCampaign) -> date:
    return (campaign.sent_at or campaign.created_at).astimezone(platform_tz()).date()


def outcome_window(campaign: RetentionCampaign) -> tuple[date, date]:
    """``[send day, send day + window_days)`` in platform days."""
    start = send_day(campaign)
    return start, start + timedelta(days=campaign.window_days)


@dataclass(frozen=True)
class GroupResult:
    group: str
    members: int
    came_back: int
    bought: int
    redeemed: int  # coupons redeemed (hold-out learners have none)

    @property
    def came_back_rate(self) -> float | None:
        return self.came_back / self.members if self.members else None

    @property
    def bought_rate(self) -> float | None:
        return self.bought / self.members if self.members else None


@dataclass(frozen=True)
class Difference:
    """Treatment rate − hold-out rate in percentage points, with a 95 % confidence interval."""

    points: float | None
    low: float | None
    high: float | None
    verdict: str  # "too_few", "unclear" (the interval includes 0), "better", "worse"

    @property
    def conclusive(self) -> bool:
        return self.verdict in ("better", "worse")


@dataclass(frozen=True)
class CampaignResults:
    start: date
    end: date  # exclusive
    complete: bool  # the whole window is in the past
    last_rollup: datetime | None
    treatment: GroupResult
    holdout: GroupResult
    came_back: Difference
    bought: Difference


def difference(success_t: int, n_t: int, success_h: int, n_h: int, *, min_size: int = MIN_GROUP_SIZE) -> Difference:
    """Two-proportion difference with the normal-approximation (Wald) 95 % interval."""
    if n_t == 0 or n_h == 0:
        return Difference(None, None, None, "too_few")
    p_t, p_h = success_t / n_t, success_h / n_h
    diff = p_t - p_h
    se = math.sqrt(p_t * (1 - p_t) / n_t + p_h * (1 - p_h) / n_h)
    low, high = diff - Z_95 * se, diff + Z_95 * se
    if n_t < min_size or n_h < min_size:
        verdict = "too_few"
    elif low > 0:
        verdict = "better"
    elif high < 0:
        verdict = "worse"
    else:
        verdict = "unclear"
    return Difference(round(diff * 100, 1), round(low * 100, 1), round(high * 100, 1), verdict)


def campaign_results(campaign: RetentionCampaign, *, today: date | None = None) -> CampaignResults:
    """Members, came back, bought and coupons redeemed per group over the campaign's window."""
    start, end = outcome_window(campaign)
    came_back, bought = _outcomes(campaign)
    redeemed = Exists(CouponRedemption.objects.filter(coupon_id=OuterRef("coupon_id")))
    rows = {
        row["group"]: row
        for row in CampaignMember.objects.filter(campaign=campaign)
        .values("group")
        .annotate(
            n=Count("pk"),
            back=Count("pk", filter=came_back),
            bought=Count("pk", filter=bought),
            redeemed=Count("pk", filter=Q(coupon__isnull=False) & redeemed),
        )
        .order_by()
    }

    def group(name: str) -> GroupResult:
        row = rows.get(name, {})
        return GroupResult(
            group=name, members=row.get("n", 0), came_back=row.get("back", 0), bought=row.get("bought", 0),
            redeemed=row.get("redeemed", 0),
        )  # fmt: skip

    t, h = group(CampaignGroup.TREATMENT), group(CampaignGroup.HOLDOUT)
    today = today or timezone.now().astimezone(platform_tz()).date()
    mark = Watermark.objects.filter(pk=1).values_list("updated_at", flat=True).first()
    return CampaignResults(
        start=start,
        end=end,
        complete=today >= end,
        last_rollup=mark,
        treatment=t,
        holdout=h,
        came_back=difference(t.came_back, t.members, h.came_back, h.members),
        bought=difference(t.bought, t.members, h.bought, h.members),
    )

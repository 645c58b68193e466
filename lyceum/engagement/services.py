"""Writes: points awards and revocations, the daily check-in, study days, badges, rewards.

Points are awarded by the event handlers (``handlers.py``), never by views. Every change to
a member's points locks their balance row first, so awards, caps, revocations and
redemptions for one member are serialised and a rerun handler finds its earlier row.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.commerce.services.coupons import coupon_mint_personal
from lyceum.community.services.groups import local_day
from lyceum.core import events
from lyceum.core.cache import after_commit
from lyceum.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from .badges import BADGES_BY_SLUG
from .levels import level_for
from .models import BadgeAward, DailyCheckIn, PointBalance, PointEntry, Redemption, Reward, StudyDay
from .rules import SPEND_ACTION, rule_for

User = Any


def _require_member(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in first."))


def _locked_balance(user_id: int) -> PointBalance:
    PointBalance.objects.bulk_create([PointBalance(user_id=user_id)], ignore_conflicts=True)
    return PointBalance.objects.select_for_update().get(user_id=user_id)


# --------------------------------------------------------------------------- points


@transaction.atomic
def points_award(
    *,
    user: Any,
    action: str,
    source_key: str,
    at: datetime | None = None,
    event_id: int | None = None,
    course_id: int | None = None,
    group_id: int | None = None,
) -> PointEntry | None:
    """Award ``action``'s points to ``user`` for ``source_key`` once; ``None`` when it was awarded
    before (a rerun handler) or today's cap for the action is used up."""
    rule = rule_for(action)
    if rule.points <= 0 or not getattr(user, "pk", None) or not user.is_active:
        return None
    when = at or timezone.now()
    day = local_day(user, when)
    balance = _locked_balance(user.pk)
    if PointEntry.objects.filter(user=user, action=action, source_key=source_key, reverses__isnull=True).exists():
        return None
    points = rule.points
    if rule.daily_cap:
        earned = (
            PointEntry.objects.filter(user=user, action=action, day=day, reverses__isnull=True, points__gt=0).aggregate(
                total=Sum("points")
            )["total"]
            or 0
        )
        points = min(points, rule.daily_cap - earned)
        if points <= 0:
            return None
    try:
        with transaction.atomic():
            entry = PointEntry.objects.create(
                user=user, points=points, action=action, reason=action, source_event_id=event_id,
                source_key=source_key[:80], course_id=course_id, group_id=group_id, day=day, created_at=when,
            )  # fmt: skip
    except IntegrityError:  # pragma: no cover - the balance lock serialises one member's awards
        return None
    balance.balance += points
    balance.lifetime += points
    fields = ["balance", "lifetime", "updated_at"]
    level = level_for(balance.lifetime)
    reached = level.number > balance.top_level
    if reached:
        balance.top_level = level.number
        fields.append("top_level")
    balance.save(update_fields=fields)
    events.emit(
        "points.awarded", actor=user, obj=entry, at=at, user=user.pk, action=action, points=points,
        source=entry.source_key, course=course_id, group=group_id,
    )  # fmt: skip
    if reached:
        events.emit(
            "level.reached", actor=user, obj=balance, at=at, user=user.pk, level=level.number, slug=level.slug,
            name_en=level.name_en, name_zh=level.name_zh, lifetime=balance.lifetime,
        )  # fmt: skip
    return entry


@transaction.atomic
def points_revoke(
    *,
    user_id: int,
    reason: str,
    actions: tuple[str, ...] | list[str],
    source_key: str = "",
    source_prefix: str = "",
    course_id: int | None = None,
    event_id: int | None = None,
) -> list[PointEntry]:
    """Take back the awards matching ``actions`` and ``source_key`` (or ``source_prefix``, or
    ``course_id``) that are not taken back yet, each with a negative row pointing at it.

    The ledger row carries the full amount; the balance stops at 0 (points already spent stay
    spent) and lifetime points (the level) go down by the amount. Levels reached are not
    announced twice, and trust follows lifetime points."""
    if not (source_key or source_prefix or course_id):
        raise ValueError("points_revoke needs a source key, prefix or course")
    awards = PointEntry.objects.filter(
        user_id=user_id, action__in=list(actions), reverses__isnull=True, points__gt=0, reversed_by__isnull=True
    )
    if source_key:
        awards = awards.filter(source_key=source_key)
    if source_prefix:
        awards = awards.filter(source_key__startswith=source_prefix)
    if course_id:
        awards = awards.filter(course_id=course_id)
    if not awards.exists():
        return []
    balance = _locked_balance(user_id)
    now = timezone.now()
    revoked: list[PointEntry] = []
    for award in awards.order_by("id"):
        try:
            with transaction.atomic():
                entry = PointEntry.objects.create(
                    user_id=user_id, points=-award.points, action=award.action, reason=reason,
                    source_event_id=event_id, source_key=award.source_key, course_id=award.course_id,
                    group_id=award.group_id, day=award.day, reverses=award, created_at=now,
                )  # fmt: skip
        except IntegrityError:  # pragma: no cover - a concurrent rerun took it back first
            continue
        balance.balance = max(0, balance.balance - award.points)
        balance.lifetime = max(0, balance.lifetime - award.points)
        revoked.append(entry)
    if revoked:
        balance.save(update_fields=["balance", "lifetime", "updated_at"])
        for entry in revoked:
            events.emit(
                "points.revoked", actor=None, obj=entry, user=user_id, action=entry.action, points=entry.points,
                source=entry.source_key, reason=reason,
            )  # fmt: skip
    return revoked


# --------------------------------------------------------------------------- daily check-in and study days


@transaction.atomic
def daily_checkin(*, actor: Any, at: datetime | None = None) -> tuple[DailyCheckIn, bool]:
    """签到 for the member's local day. Returns ``(checkin, created)``; a second one that day
    changes nothing. The points come from the ``daily.checked_in`` handler."""
    _require_member(actor)
    when = at or timezone.now()
    day = local_day(actor, when)
    try:
        with transaction.atomic():
            checkin = DailyCheckIn.objects.create(user=actor, day=day, created_at=when)
    except IntegrityError:
        return DailyCheckIn.objects.get(user=actor, day=day), False
    StudyDay.objects.bulk_create([StudyDay(user=actor, day=day)], ignore_conflicts=True)  # the streak counts it now
    events.emit("daily.checked_in", actor=actor, obj=checkin, at=at, day=day.isoformat())
    return checkin, True


# "This member's study day is recorded", remembered once the row is committed, so the lesson
# views and video progress after the first of the day cost neither a query nor a round trip:
# first in this process (a bounded set), then a cache marker per (member, day) shared by the
# processes. Both only ever say what the database already holds (StudyDay rows are never deleted
# apart from with their user); a miss (evicted, another process, cache down) means one EXISTS.
# The process set keys on the member's ``date_joined`` too: a database rebuilt under the same ids
# (tests) never matches a remembered day.
STUDY_DAY_MARK_SECONDS = 2 * 24 * 3600
_STUDIED_HERE_MAX = 20_000
_studied_here: set[tuple[int, Any, date]] = set()


def _study_day_mark_key(user_id: int, day: date) -> str:
    return f"engagement:studied:{user_id}:{day.isoformat()}"


def _studied_here_key(user: Any, day: date) -> tuple[int, Any, date]:
    return (user.pk, getattr(user, "date_joined", None), day)


def _study_day_remember(user: Any, day: date, *, shared: bool) -> None:
    key, here = _study_day_mark_key(user.pk, day), _studied_here_key(user, day)

    def remember() -> None:
        # Only after a real commit: a test's on_commit capture runs this inside the test
        # transaction, which then rolls the row back (the cache is cleared between tests).
        if not connection.in_atomic_block:
            if len(_studied_here) >= _STUDIED_HERE_MAX:
                _studied_here.clear()
            _studied_here.add(here)
        if shared:
            cache.set(key, 1, timeout=STUDY_DAY_MARK_SECONDS)

    after_commit("engagement:study_day", remember)


def study_day_record(*, user: Any, at: datetime) -> tuple[date, bool]:
    """Count ``at`` as a study day in the member's time zone. Returns ``(day, new)``; a day
    already counted is known in memory (no cost) or from the cache (one read), else costs one
    query (lesson views and video progress come often)."""
    day = local_day(user, at)
    if _studied_here_key(user, day) in _studied_here:
        return day, False
    if cache.get(_study_day_mark_key(user.pk, day)):
        _study_day_remember(user, day, shared=False)
        return day, False
    if StudyDay.objects.filter(user=user, day=day).exists():
        _study_day_remember(user, day, shared=True)
        return day, False
    StudyDay.objects.bulk_create([StudyDay(user=user, day=day)], ignore_conflicts=True)
    _study_day_remember(user, day, shared=True)
    return day, True


# --------------------------------------------------------------------------- badges


@transaction.atomic
def badge_award(*, user: Any, badge: str, period: str = "", at: datetime | None = None) -> BadgeAward | None:
    """Give ``badge`` to ``user`` (once, or once per ``period``); ``None`` when already held."""
    definition = BADGES_BY_SLUG.get(badge)
    if definition is None:
        raise ValidationFailed(_("Unknown badge."), field="badge")
    when = at or timezone.now()
    try:
        with transaction.atomic():
            award = BadgeAward.objects.create(user=user, badge=badge, period=period, awarded_at=when)
    except IntegrityError:
        return None
    events.emit(
        "badge.awarded", actor=user, obj=award, at=at, user=user.pk, badge=badge, period=period,
        name_en=definition.name_en, name_zh=definition.name_zh,
    )  # fmt: skip
    return award


def badges_check(*, user: Any, slugs: tuple[str, ...] | list[str], at: datetime | None = None) -> list[BadgeAward]:
    """Award each badge of ``slugs`` whose criterion ``user`` now meets and does not hold yet."""
    held = set(BadgeAward.objects.filter(user=user, badge__in=list(slugs)).values_list("badge", flat=True))
    awarded = []
    for slug in slugs:
        definition = BADGES_BY_SLUG[slug]
        if slug in held or definition.earned is None or not definition.earned(user):
            continue
        award = badge_award(user=user, badge=slug, at=at)
        if award is not None:
            awarded.append(award)
    return awarded


def top_contributor_award(*, now: datetime | None = None) -> BadgeAward | None:
    """The previous calendar month's top contributor (platform time zone) gets the badge, once."""
    from .selectors import month_window, top_contributor

    now = now or timezone.now()
    this_month_start, _end = month_window(now)
    last_month_start, _ = month_window(this_month_start - timedelta(days=1))
    period = f"{last_month_start:%Y-%m}"
    if BadgeAward.objects.filter(badge="top_contributor", period=period).exists():
        return None
    winner = top_contributor(start=last_month_start, end=this_month_start)
    if winner is None:
        return None
    return badge_award(user=winner, badge="top_contributor", period=period, at=now)


# --------------------------------------------------------------------------- rewards


def _whole(value: Any, *, field: str, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise ValidationFailed(_("Enter a whole number."), field=field)
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(_("Enter a whole number."), field=field) from None
    if not low <= number <= high:
        raise ValidationFailed(_("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high}, field=field)
    return number


def _optional_whole(value: Any, *, field: str, low: int, high: int) -> int | None:
    return None if value in (None, "") else _whole(value, field=field, low=low, high=high)


@transaction.atomic
def reward_save(
    *,
    actor: Any,
    reward: Reward | None = None,
    title_en: Any,
    title_zh: Any = "",
    points_cost: Any,
    percent_off: Any = None,
    amount_off: Any = None,
    currency: Any = "",
    valid_days: Any = 30,
    stock: Any = 0,
    is_active: bool = True,
) -> Reward:
    """Create or change a reward (operators only)."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_role("operator"):
        raise PermissionDenied(_("Only operators can manage rewards."))
    clean_title = " ".join(str(title_en or "").split())
    if not clean_title:
        raise ValidationFailed(_("This field is required."), field="title_en")
    if len(clean_title) > 120:
        raise ValidationFailed(_("Use at most %(n)d characters.") % {"n": 120}, field="title_en")
    clean_title_zh = " ".join(str(title_zh or "").split())[:120]
    cost = _whole(points_cost, field="points_cost", low=1, high=1_000_000)
    percent = _optional_whole(percent_off, field="percent_off", low=1, high=100)
    amount = _optional_whole(amount_off, field="amount_off", low=1, high=100_000_000)
    if (percent is None) == (amount is None):
        raise ValidationFailed(_("Give either a percentage or an amount off."), field="percent_off")
    clean_currency = str(currency or "").strip().upper()
    if amount is not None and clean_currency and (len(clean_currency) != 3 or not clean_currency.isalpha()):
        raise ValidationFailed(_("Use a three-letter currency code."), field="currency")
    days = _whole(valid_days, field="valid_days", low=1, high=366)
    clean_stock = _whole(stock, field="stock", low=0, high=1_000_000)
    reward = Reward(created_by=actor) if reward is None else Reward.objects.select_for_update().get(pk=reward.pk)
    reward.title_en, reward.title_zh, reward.points_cost = clean_title, clean_title_zh, cost
    reward.percent_off, reward.amount_off = percent, amount
    reward.currency = (clean_currency or settings.LYCEUM_CURRENCY) if amount is not None else ""
    reward.valid_days, reward.stock, reward.is_active = days, clean_stock, bool(is_active)
    reward.save()
    events.emit("reward.saved", actor=actor, obj=reward, points_cost=cost, stock=clean_stock, active=reward.is_active)
    return reward


@transaction.atomic
def reward_redeem(*, actor: Any, reward_id: Any, at: datetime | None = None) -> Redemption:
    """Spend points on a reward: one personal coupon, the stock down by one, a negative ledger row.

    The member's balance row and the reward row are locked (in that order), so concurrent
    redemptions never overdraw the balance nor oversell the stock."""
    _require_member(actor)
    try:
        pk = int(reward_id)
    except (TypeError, ValueError):
        raise NotFound(_("This reward does not exist.")) from None
    if not Reward.objects.filter(pk=pk, is_active=True).exists():
        raise NotFound(_("This reward does not exist."))
    balance = _locked_balance(actor.pk)
    reward = Reward.objects.select_for_update().get(pk=pk)
    if not reward.is_active:  # pragma: no cover - switched off while we waited for the lock
        raise NotFound(_("This reward does not exist."))
    if reward.stock < 1:
        raise Conflict(_("This reward is out of stock."), code="out_of_stock")
    if balance.balance < reward.points_cost:
        raise Conflict(
            _("You need %(cost)d points; you have %(balance)d.")
            % {"cost": reward.points_cost, "balance": balance.balance},
            code="not_enough_points",
        )
    when = at or timezone.now()
    coupon = coupon_mint_personal(
        actor=actor, owner=actor, percent_off=reward.percent_off, amount_off=reward.amount_off,
        currency=reward.currency, valid_days=reward.valid_days, source=f"reward:{reward.pk}", prefix="PTS", now=when,
    )  # fmt: skip
    redemption = Redemption.objects.create(
        reward=reward, user=actor, points=reward.points_cost, coupon=coupon, created_at=when
    )
    PointEntry.objects.create(
        user=actor, points=-reward.points_cost, action=SPEND_ACTION, reason=SPEND_ACTION,
        source_key=f"redemption:{redemption.pk}", day=local_day(actor, when), created_at=when,
    )  # fmt: skip
    balance.balance -= reward.points_cost
    balance.save(update_fields=["balance", "updated_at"])
    Reward.objects.filter(pk=reward.pk).update(stock=F("stock") - 1)
    events.emit(
        "reward.redeemed", actor=actor, obj=redemption, at=at, reward=reward.pk, points=reward.points_cost,
        coupon=coupon.code, name_en=reward.title_en, name_zh=reward.title_zh or reward.title_en,
    )  # fmt: skip
    return redemption

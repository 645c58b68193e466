"""Points, check-in, rewards and leaderboards in ``/api/v1``.

Mount with ``api.add_router("/", lyceum.engagement.api.router)``. Everything needs a signed-in
member; the same rules as the pages (group boards for members, course boards for learners).
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from lyceum.core.errors import PermissionDenied

from . import selectors, services

router = Router(tags=["points and rewards"])


def _member(request: HttpRequest) -> None:
    if not getattr(request.user, "is_authenticated", False):
        raise PermissionDenied(_("Sign in first."))


class LevelOut(Schema):
    number: int
    slug: str
    name: str
    threshold: int


class LedgerOut(Schema):
    points: int
    action: str
    reason: str
    source: str
    day: date
    at: datetime


class BadgeOut(Schema):
    slug: str
    name: str
    period: str
    awarded_at: datetime


class PointsOut(Schema):
    balance: int
    lifetime: int
    level: LevelOut
    next_level: LevelOut | None
    progress_percent: int
    streak: int
    longest_streak: int
    checked_in_today: bool
    badges: list[BadgeOut]
    ledger: list[LedgerOut]


class CheckInOut(Schema):
    day: date
    created: bool
    streak: int


class RewardOut(Schema):
    id: int
    title: str
    points_cost: int
    percent_off: int | None
    amount_off: int | None
    currency: str
    valid_days: int
    stock: int


class RedemptionOut(Schema):
    id: int
    reward: int
    points: int
    coupon: str
    valid_until: datetime | None
    balance: int


class StandingOut(Schema):
    rank: int
    user: int
    name: str
    points: int


class LeaderboardOut(Schema):
    period: str
    scope: str
    start: datetime
    end: datetime
    course: int | None
    group: int | None
    rows: list[StandingOut]
    my_points: int


class LeaderboardFilters(Schema):
    period: str = Field("week", description="week | month")
    course: int | None = None
    group: int | None = None


def _level(level) -> dict:  # type: ignore[no-untyped-def]
    return {"number": level.number, "slug": level.slug, "name": level.name, "threshold": level.threshold}


@router.get("/me/points", response=PointsOut, summary="My balance, level, streak, badges and recent points")
def my_points(request: HttpRequest) -> dict:
    _member(request)
    s = selectors.points_summary(user=request.user)
    assert s.streak is not None
    return {
        "balance": s.balance, "lifetime": s.lifetime, "level": _level(s.level),
        "next_level": _level(s.next_level) if s.next_level else None, "progress_percent": s.progress_percent,
        "streak": s.streak.current, "longest_streak": s.streak.longest, "checked_in_today": s.checked_in_today,
        "badges": [
            {"slug": h.badge.slug, "name": h.badge.name, "period": h.award.period, "awarded_at": h.award.awarded_at}
            for h in s.badges if h.award is not None
        ],
        "ledger": [
            {"points": r.entry.points, "action": r.entry.action, "reason": r.reason, "source": r.entry.source_key,
             "day": r.entry.day, "at": r.entry.created_at}
            for r in s.ledger
        ],
    }  # fmt: skip


@router.post("/me/checkin", response={201: CheckInOut, 200: CheckInOut}, summary="签到: check in for today")
def checkin(request: HttpRequest) -> Status:
    _member(request)
    row, created = services.daily_checkin(actor=request.user)
    streak = selectors.streak_for(user=request.user)
    return Status(201 if created else 200, {"day": row.day, "created": created, "streak": streak.current})


@router.get("/rewards", response=list[RewardOut], summary="Rewards on offer")
def rewards(request: HttpRequest) -> list[dict]:
    _member(request)
    return [
        {"id": r.pk, "title": r.title, "points_cost": r.points_cost, "percent_off": r.percent_off,
         "amount_off": r.amount_off, "currency": r.currency, "valid_days": r.valid_days, "stock": r.stock}
        for r in selectors.rewards_for_members()
    ]  # fmt: skip


@router.post("/rewards/{reward_id}/redeem", response={201: RedemptionOut}, summary="Spend points on a reward")
def redeem(request: HttpRequest, reward_id: int) -> Status:
    _member(request)
    redemption = services.reward_redeem(actor=request.user, reward_id=reward_id)
    balance = selectors.points_summary(user=request.user, ledger_rows=0).balance
    coupon = redemption.coupon
    return Status(
        201,
        {"id": redemption.pk, "reward": redemption.reward_id, "points": redemption.points,
         "coupon": coupon.code if coupon else "", "valid_until": coupon.ends_at if coupon else None,
         "balance": balance},
    )  # fmt: skip


@router.get("/leaderboards", response=LeaderboardOut, summary="Points this week or month: everyone, a course, a group")
def leaderboards(request: HttpRequest, filters: Query[LeaderboardFilters]) -> dict:
    board = selectors.leaderboard(
        viewer=request.user, period=filters.period, course=filters.course, group=filters.group
    )
    return {
        "period": board.period, "scope": board.scope, "start": board.start, "end": board.end,
        "course": board.course.pk if board.course else None, "group": board.group.pk if board.group else None,
        "rows": [{"rank": r.rank, "user": r.user.pk, "name": r.user.get_short_name(), "points": r.points}
                 for r in board.rows],
        "my_points": board.my_points,
    }  # fmt: skip

"""Demo points, levels, badges, streaks and rewards, from the demo members' own history.

Runs after the learning, commerce, community and feedback demos. Those write through the
real services, so the engagement handlers already ran after each commit; this step makes
the result complete and repeatable:

1. 签到: demo learners check in on about 60 % of the days they signed in over the last
   60 days (deterministic: the choice hangs on the sign-in event's id);
2. turns lesson views and video progress into study days in bulk (each member's zone);
3. replays the engagement source events no ledger row points at yet (a handler that
   failed, a broker that was down): awards are unique per source, so nothing doubles;
4. checks every badge criterion for members with activity, awards last month's top
   contributor, and puts three rewards on offer.

Running it again changes nothing.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

REPLAYED = (
    "lesson.completed", "quiz.submitted", "course.completed", "reply.accepted", "reply.unaccepted",
    "thread.voted", "thread.unvoted", "reply.voted", "reply.unvoted", "thread.deleted", "thread.hidden",
    "reply.deleted", "reply.hidden", "checkin.created", "event.attended", "review.posted", "review.hidden",
    "enrollment.revoked", "daily.checked_in",
)  # fmt: skip
STUDY_EVENTS = ("lesson.viewed", "video.progressed")
CHECKIN_SHARE = 0.6
CHECKIN_DAYS = 60
REWARDS = (
    {"title_en": "10% off any course", "title_zh": "全场课程九折券", "points_cost": 150, "percent_off": 10,
     "valid_days": 30, "stock": 50},
    {"title_en": "¥20 off your next order", "title_zh": "下单立减 20 元", "points_cost": 300, "amount_off": 2000,
     "currency": "CNY", "valid_days": 30, "stock": 20},
    {"title_en": "Half price on one course", "title_zh": "单门课程五折券", "points_cost": 1000, "percent_off": 50,
     "valid_days": 14, "stock": 5},
)  # fmt: skip


def _replay(ctx: Any) -> int:
    from lyceum.core.models import Event

    from .handlers import HANDLERS
    from .models import PointEntry

    seen = set(PointEntry.objects.filter(source_event_id__isnull=False).values_list("source_event_id", flat=True))
    pending = [
        pk for pk in Event.objects.filter(name__in=REPLAYED).order_by("occurred_at", "id").values_list("id", flat=True)
        if pk not in seen
    ]  # fmt: skip
    for start in ctx.progress(range(0, len(pending), 500), desc="engagement", total=-(-len(pending) // 500)):
        for event in (
            Event.objects.select_related("actor")
            .filter(pk__in=pending[start : start + 500])
            .order_by("occurred_at", "id")
        ):
            for handler in HANDLERS[event.name]:
                handler(event)
    return len(pending)


def _study_days() -> None:
    from lyceum.accounts.models import User
    from lyceum.community.services.groups import local_day
    from lyceum.core.models import Event

    from .models import StudyDay

    users = {
        u.pk: u for u in User.objects.filter(pk__in=Event.objects.filter(name__in=STUDY_EVENTS).values("actor_id"))
    }
    days = {
        (actor_id, local_day(users[actor_id], at))
        for actor_id, at in Event.objects.filter(name__in=STUDY_EVENTS, actor_id__in=users).values_list(
            "actor_id", "occurred_at"
        )
    }
    StudyDay.objects.bulk_create(
        [StudyDay(user_id=user_id, day=day) for user_id, day in sorted(days)], ignore_conflicts=True, batch_size=2000
    )


def _daily_checkins(ctx: Any) -> None:
    from lyceum.core.models import Event

    from .services import daily_checkin

    since = ctx.now - timedelta(days=CHECKIN_DAYS)
    sign_ins = (
        Event.objects.filter(name="user.signed_in", occurred_at__gte=since, occurred_at__lte=ctx.now)
        .exclude(actor=None)
        .select_related("actor")
        .order_by("occurred_at", "id")
    )
    for event in sign_ins.iterator(chunk_size=1000):
        if event.actor.is_active and random.Random(event.pk).random() < CHECKIN_SHARE:
            daily_checkin(actor=event.actor, at=event.occurred_at)


def _badges(ctx: Any) -> None:
    from lyceum.accounts.models import User

    from .badges import BADGES
    from .models import PointBalance, StudyDay
    from .services import badges_check, top_contributor_award

    active = set(PointBalance.objects.values_list("user_id", flat=True)) | set(
        StudyDay.objects.values_list("user_id", flat=True).distinct()
    )
    slugs = [b.slug for b in BADGES if b.earned is not None]
    for user in User.objects.filter(pk__in=active).order_by("pk"):
        badges_check(user=user, slugs=slugs, at=ctx.now)
    top_contributor_award(now=ctx.now)


def _rewards() -> None:
    from lyceum.accounts.models import User

    from .models import Reward
    from .services import reward_save

    operator = User.objects.filter(groups__name="operator").order_by("pk").first()
    if operator is None:
        return
    for spec in REWARDS:
        if not Reward.objects.filter(title_en=spec["title_en"]).exists():
            reward_save(actor=operator, **spec)


def seed(ctx: Any) -> None:
    _daily_checkins(ctx)
    _study_days()
    replayed = _replay(ctx)
    _badges(ctx)
    _rewards()
    from .models import BadgeAward, PointBalance

    ctx.stdout.write(
        f"engagement: {PointBalance.objects.count()} members with points, {BadgeAward.objects.count()} badges, "
        f"{replayed} events replayed"
    )

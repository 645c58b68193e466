"""Fold the append-only ``core.Event`` log into the rollup tables (``models.py``).

``rollup_run()`` (``manage.py rollup_analytics``, scheduled every 5 minutes):

1. takes the watermark row under a lock (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
   serialises writers) for the whole run, so two runs never interleave: the second one
   waits and then finds nothing new;
2. reads the ids after the watermark in chunks and collects the platform-timezone days
   their events happened on (``--full``: every day from the first event to the last);
3. rebuilds each touched day from *all* of that day's raw events (one day in memory at a
   time): day tables are deleted and rewritten, fact tables merged order-independently;
4. rebuilds the window tables (WAU, MAU, churn, cohorts) from the first touched day on,
   streaming ``UserDay`` one day at a time;
5. moves the watermark with a conditional ``UPDATE ... WHERE last_event_id = <read value>``.

Because a day is always rebuilt from its raw events, running twice, or in chunks, gives
exactly the tables a full recompute gives (``tests/test_rollup.py``).

Known limit: an event whose transaction commits after a later id was already rolled up is
picked up the next time its day is touched again (today's day is touched by every run that
sees new events), not otherwise. Such stragglers are seconds old, so they land on today.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min, Q

from lyceum.accounts.models import User
from lyceum.core.bulk import insert_rows
from lyceum.core.models import Event

from .models import (
    BuyerDay,
    CohortDay,
    CohortWeek,
    CourseDay,
    CourseRevenueDay,
    CurrencyDay,
    DayStat,
    DayWindow,
    EnrollmentFact,
    ReviewFact,
    UserDay,
    UserFact,
    Watermark,
)

logger = logging.getLogger(__name__)

# METRICS.md "qualifying activity": sign-in, lesson view, video progress, quiz submission,
# post or reply, event attendance. Catalog page views (and visits) do not qualify.
ACTIVITY_EVENTS: tuple[str, ...] = (
    "user.signed_in",
    "lesson.viewed",
    "video.progressed",
    "quiz.submitted",
    "thread.created",
    "reply.created",
    "group.posted",
    "event.attended",
)
# Study time is estimated from the learning events of a learner's day: the gaps between
# consecutive ones, each gap counted up to ``SESSION_GAP_SECONDS`` (a longer pause ends a session).
STUDY_EVENTS: frozenset[str] = frozenset({"lesson.viewed", "video.progressed", "quiz.submitted"})
SESSION_GAP_SECONDS = 30 * 60
BUSINESS_EVENTS: tuple[str, ...] = (
    "visit.started",
    "user.signed_up",
    "enrollment.created",
    "course.completed",
    "order.paid",
    "order.refunded",
    "review.posted",
    "review.edited",
)
COHORT_DAYS = 30  # CohortDay keeps offsets 0..30 (URR30)
DAY_TABLES: tuple[Any, ...] = (UserDay, DayStat, CourseDay, CurrencyDay, CourseRevenueDay, BuyerDay)
ALL_TABLES: tuple[Any, ...] = (
    *DAY_TABLES,
    DayWindow,
    UserFact,
    EnrollmentFact,
    ReviewFact,
    CohortDay,
    CohortWeek,
)
BATCH = 2000


@dataclass(frozen=True)
class RollupResult:
    events: int  # events after the watermark (all events with --full)
    days: int  # days rebuilt
    last_event_id: int
    full: bool


def platform_tz() -> tzinfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_bounds(day: date, tz: tzinfo | None = None) -> tuple[datetime, datetime]:
    """[start, end) of a platform-timezone day as aware datetimes."""
    tz = tz or platform_tz()
    nxt = day + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=tz), datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)


def rollup_run(*, full: bool = False, chunk_size: int = 50_000) -> RollupResult:
    """Fold new events (all events with ``full``) into the rollups. Safe to run concurrently."""
    Watermark.objects.get_or_create(pk=1)
    tz = platform_tz()
    with transaction.atomic():
        mark = Watermark.objects.select_for_update().get(pk=1)
        seen = mark.last_event_id
        top = Event.objects.aggregate(top=Max("id"))["top"] or 0
        if full:
            for model in ALL_TABLES:
                model.objects.all().delete()
            bounds = Event.objects.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
            days: set[date] = set()
            if bounds["first"] is not None:
                first, last = bounds["first"].astimezone(tz).date(), bounds["last"].astimezone(tz).date()
                days = {first + timedelta(days=i) for i in range((last - first).days + 1)}
            events = Event.objects.filter(id__lte=top).count()
        elif top <= seen:
            return RollupResult(events=0, days=0, last_event_id=seen, full=False)
        else:
            days, events = _touched_days(seen, top, chunk_size, tz)
        staff = set(User.objects.filter(is_staff=True).values_list("id", flat=True))
        for day in sorted(days):
            _day_rebuild(day, tz, staff)
        if days:
            _windows_rebuild(min(days), max(days))
        moved = Watermark.objects.filter(pk=1, last_event_id=seen).update(last_event_id=top)
        if not moved:  # pragma: no cover - the row lock makes this unreachable; kept as a guard
            logger.warning("analytics watermark moved under a running rollup; left as is")
    return RollupResult(events=events, days=len(days), last_event_id=top, full=full)


def _touched_days(after: int, top: int, chunk_size: int, tz: tzinfo) -> tuple[set[date], int]:
    days: set[date] = set()
    cache: dict[int, date] = {}  # quarter-hour -> day: one timezone conversion per 15 minutes
    count = 0
    low = after
    while low < top:
        high = min(low + chunk_size, top)
        for at in Event.objects.filter(id__gt=low, id__lte=high).values_list("occurred_at", flat=True).iterator():
            key = int(at.timestamp()) // 900
            day = cache.get(key)
            if day is None:
                day = cache[key] = at.astimezone(tz).date()
            days.add(day)
            count += 1
        low = high
    return days, count


def _chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - naive on purpose: SQLite returns naive UTC text


def _seconds(value: datetime | str) -> float:
    """Seconds since the epoch of a raw ``occurred_at`` (SQLite: UTC text; PostgreSQL: aware)."""
    if isinstance(value, str):
        return (datetime.fromisoformat(value) - _EPOCH).total_seconds()
    if value.tzinfo is None:
        return (value - _EPOCH).total_seconds()
    return value.timestamp()


def _raw_rows(qs: Any) -> Iterator[tuple[Any, ...]]:
    """Rows of a ``values_list`` queryset straight from the cursor, in chunks."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(5000):
            yield from rows


def _study_seconds(times: list[float]) -> int:
    times.sort()
    return int(sum(min(b - a, SESSION_GAP_SECONDS) for a, b in itertools.pairwise(times)))


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _split(amount: int, weights: list[tuple[int, int]]) -> dict[int, int]:
    """Split ``amount`` over ``(key, weight)`` pairs to the cent (largest remainder)."""
    total = sum(w for _, w in weights)
    if total <= 0 or not weights:
        return {}
    shares = {key: amount * w // total for key, w in weights}
    rest = amount - sum(shares.values())
    for key, _w in sorted(weights, key=lambda kw: (-(amount * kw[1] % total), kw[0]))[:rest]:
        shares[key] += 1
    return shares


def _day_rebuild(day: date, tz: tzinfo, staff: set[int]) -> None:
    start, end = day_bounds(day, tz)
    raw = Event.objects.filter(occurred_at__gte=start, occurred_at__lt=end).order_by()

    # --- qualifying activity -> UserDay
    counts: Counter[int] = Counter()
    study: dict[int, list[float]] = defaultdict(list)
    rows = raw.filter(name__in=ACTIVITY_EVENTS, actor__isnull=False).values_list("actor_id", "name", "occurred_at")
    for actor_id, name, at in _raw_rows(rows):  # the bulk of the events: no per-row ORM conversion
        if actor_id in staff:
            continue
        counts[actor_id] += 1
        if name in STUDY_EVENTS:
            study[actor_id].append(_seconds(at))
    seconds = {uid: _study_seconds(study.get(uid, [])) for uid in counts}

    # --- business events -> day totals, facts
    stat = DayStat(day=day, active_users=len(counts), activities=sum(counts.values()))
    stat.study_seconds = sum(seconds.values())
    stat.study_minutes = {str(m): n for m, n in sorted(Counter(s // 60 for s in seconds.values()).items())}
    course_days: dict[int, CourseDay] = {}
    currencies: dict[str, CurrencyDay] = {}
    course_revenue: dict[tuple[int, str], CourseRevenueDay] = {}
    buyers: dict[tuple[str, int], BuyerDay] = {}
    user_facts: dict[int, dict[str, date]] = defaultdict(dict)
    enrollment_facts: dict[int, dict[str, Any]] = defaultdict(dict)
    review_facts: dict[int, dict[str, Any]] = defaultdict(dict)
    orders_paid: list[tuple[int, str, int]] = []  # (order id, currency, total) without a course prop
    orders_refunded: list[tuple[int, str, int]] = []

    def course_day(course_id: int) -> CourseDay:
        if course_id not in course_days:
            course_days[course_id] = CourseDay(day=day, course_id=course_id)
        return course_days[course_id]

    def currency_day(currency: str) -> CurrencyDay:
        if currency not in currencies:
            currencies[currency] = CurrencyDay(day=day, currency=currency)
        return currencies[currency]

    def course_money(course_id: int, currency: str) -> CourseRevenueDay:
        key = (course_id, currency)
        if key not in course_revenue:
            course_revenue[key] = CourseRevenueDay(day=day, course_id=course_id, currency=currency)
        return course_revenue[key]

    def first(uid: int | None, field: str) -> None:
        if uid is not None:
            facts = user_facts[uid]
            facts[field] = min(facts.get(field, day), day)

    business = raw.filter(name__in=BUSINESS_EVENTS).values_list("id", "name", "actor_id", "object_id", "props")
    for event_id, name, actor_id, object_id, props in business.iterator(chunk_size=5000):
        props = props if isinstance(props, dict) else {}
        if name == "visit.started":
            stat.visits += 1
        elif name == "user.signed_up":
            stat.signups += 1
            first(actor_id or _int(object_id), "signed_up_on")
        elif name == "enrollment.created":
            course_id = _int(props.get("course"))
            enrollment_id = _int(object_id)
            if props.get("renewed") or course_id is None or enrollment_id is None:
                continue  # renewing access is not a new enrollment
            stat.enrollments += 1
            course_day(course_id).enrollments += 1
            fact = enrollment_facts[enrollment_id]
            fact.update(user_id=actor_id, course_id=course_id, started_on=min(fact.get("started_on", day), day))
            first(actor_id, "first_enrolled_on")
        elif name == "course.completed":
            course_id = _int(object_id)
            stat.completions += 1
            if course_id is not None:
                course_day(course_id).completions += 1
            enrollment_id = _int(props.get("enrollment"))
            if enrollment_id is not None:
                fact = enrollment_facts[enrollment_id]
                fact["completed_on"] = min(fact.get("completed_on", day), day)
            first(actor_id, "first_completed_on")
        elif name in ("order.paid", "order.refunded"):
            currency = str(props.get("currency") or settings.LYCEUM_CURRENCY)[:3]
            amount = _int(props.get("total" if name == "order.paid" else "amount")) or 0
            course_id = _int(props.get("course"))
            if name == "order.paid":
                money = currency_day(currency)
                money.orders += 1
                money.revenue += amount
                if actor_id is not None:
                    buyer = buyers.setdefault(
                        (currency, actor_id), BuyerDay(day=day, currency=currency, user_id=actor_id)
                    )
                    buyer.orders += 1
                    buyer.total += amount
                    first(actor_id, "first_paid_on")
                if course_id is not None:
                    course_money(course_id, currency).revenue += amount
                elif (order_id := _int(object_id)) is not None:
                    orders_paid.append((order_id, currency, amount))
            else:
                money = currency_day(currency)
                money.refund_count += 1
                money.refunds += amount
                if course_id is not None:
                    course_money(course_id, currency).refunds += amount
                elif (order_id := _int(object_id)) is not None:
                    orders_refunded.append((order_id, currency, amount))
        elif name in ("review.posted", "review.edited"):
            review_id = _int(object_id)
            if review_id is None:
                continue
            fact = review_facts[review_id]
            if name == "review.posted":
                fact["posted_on"] = min(fact.get("posted_on", day), day)
            rating = _int(props.get("rating"))
            if rating is not None and event_id > fact.get("rating_event_id", 0):
                fact.update(rating=rating, rating_event_id=event_id, course_id=_int(props.get("course")))

    # Orders without a course prop (real ones): split by their lines, refunds like the lines.
    if orders_paid or orders_refunded:
        from lyceum.commerce.models import OrderLine

        lines: dict[int, list[tuple[int, int]]] = defaultdict(list)
        ids = sorted({o for o, _, _ in orders_paid} | {o for o, _, _ in orders_refunded})
        for chunk in _chunks(ids):
            for order_id, course_id, amount in OrderLine.objects.filter(
                order_id__in=chunk, course__isnull=False
            ).values_list("order_id", "course_id", "amount"):
                lines[order_id].append((course_id, amount))
        for order_id, currency, _amount in orders_paid:
            for course_id, amount in lines.get(order_id, []):
                course_money(course_id, currency).revenue += amount
        for order_id, currency, amount in orders_refunded:
            for course_id, share in _split(amount, lines.get(order_id, [])).items():
                course_money(course_id, currency).refunds += share

    for model in DAY_TABLES:
        model.objects.filter(day=day).delete()
    day_value = connection.ops.adapt_datefield_value(day)
    insert_rows(UserDay, ["day", "user_id", "activities", "study_seconds"],
            [(day_value, uid, n, seconds[uid]) for uid, n in counts.items()])  # fmt: skip
    if counts or any((stat.visits, stat.signups, stat.enrollments, stat.completions)):
        stat.save(force_insert=True)  # days without events keep no row (as if never touched)
    CourseDay.objects.bulk_create(course_days.values(), batch_size=BATCH)
    CurrencyDay.objects.bulk_create(currencies.values(), batch_size=BATCH)
    CourseRevenueDay.objects.bulk_create(course_revenue.values(), batch_size=BATCH)
    _buyers_link(day, list(buyers.values()))
    BuyerDay.objects.bulk_create(buyers.values(), batch_size=BATCH)
    _merge_facts(UserFact, "user_id", user_facts, _merge_min)
    _merge_facts(EnrollmentFact, "enrollment_id", enrollment_facts, _merge_enrollment)
    _merge_facts(ReviewFact, "review_id", review_facts, _merge_review)


def _buyers_link(day: date, rows: list[BuyerDay]) -> None:
    """Set each buyer's ``previous_day`` and make the buyer's next paying day point back here
    (purchases are never removed, so a day only ever gains buyers)."""
    if not rows:
        return
    users = sorted({row.user_id for row in rows})
    before: dict[tuple[int, str], date] = {}
    after: dict[tuple[int, str], date] = {}
    for chunk in _chunks(users):
        mine = BuyerDay.objects.filter(user_id__in=chunk).order_by()
        for user_id, currency, last in (
            mine.filter(day__lt=day).values_list("user_id", "currency").annotate(last=Max("day"))
        ):
            before[user_id, currency] = last
        for user_id, currency, following in (
            mine.filter(day__gt=day).values_list("user_id", "currency").annotate(following=Min("day"))
        ):
            after[user_id, currency] = following
    for row in rows:
        row.previous_day = before.get((row.user_id, row.currency))
        following = after.get((row.user_id, row.currency))
        if following is not None:
            BuyerDay.objects.filter(user_id=row.user_id, currency=row.currency, day=following).filter(
                Q(previous_day__isnull=True) | Q(previous_day__lt=day)
            ).update(previous_day=day)


def _merge_min(row: Any, new: dict[str, Any]) -> bool:
    changed = False
    for field, value in new.items():
        old = getattr(row, field)
        if old is None or value < old:
            setattr(row, field, value)
            changed = True
    return changed


def _merge_enrollment(row: Any, new: dict[str, Any]) -> bool:
    changed = _merge_min(row, {k: v for k, v in new.items() if k in ("started_on", "completed_on")})
    for field in ("user_id", "course_id"):
        if new.get(field) is not None and getattr(row, field) != new[field]:
            setattr(row, field, new[field])
            changed = True
    return changed


def _merge_review(row: Any, new: dict[str, Any]) -> bool:
    changed = _merge_min(row, {k: v for k, v in new.items() if k == "posted_on"})
    if new.get("rating_event_id", 0) > row.rating_event_id:  # the latest event's rating and course win
        row.rating, row.rating_event_id, row.course_id = new["rating"], new["rating_event_id"], new["course_id"]
        changed = True
    return changed


def _merge_facts(model: Any, key: str, updates: dict[int, dict[str, Any]], merge: Any) -> None:
    if not updates:
        return
    fields = [f.name for f in model._meta.fields if f.name != key]
    changed, created = [], []
    ids = sorted(updates)
    for chunk in _chunks(ids):
        existing = {getattr(row, key): row for row in model.objects.filter(**{f"{key}__in": chunk})}
        for pk in chunk:
            row = existing.get(pk)
            if row is None:
                row = model(**{key: pk})
                merge(row, updates[pk])
                created.append(row)
            elif merge(row, updates[pk]):
                changed.append(row)
    model.objects.bulk_create(created, batch_size=BATCH)
    if changed:
        _update(model, key, fields, changed)


def _adapter(model: Any, name: str) -> Any:
    if model._meta.get_field(name).get_internal_type() == "DateField":
        return connection.ops.adapt_datefield_value
    return lambda value: value


def _update(model: Any, key: str, fields: list[str], rows: list[Any]) -> None:
    """``UPDATE ... WHERE key = %s`` per changed fact row (cheaper than bulk_update's CASE)."""
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(f).column for f in fields]
    sql = f"UPDATE {quote(model._meta.db_table)} SET {', '.join(f'{quote(c)} = %s' for c in columns)} "  # noqa: S608
    sql += f"WHERE {quote(key)} = %s"
    adapters = [_adapter(model, f) for f in fields]
    params = [
        (
            *(
                adapt(getattr(row, f)) if getattr(row, f) is not None else None
                for adapt, f in zip(adapters, fields, strict=True)
            ),
            getattr(row, key),
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        for chunk in _chunks(params, BATCH):
            cursor.executemany(sql, chunk)


# --- windows: WAU, MAU, churn, cohorts -----------------------------------------------------


class _Window:
    """Distinct users over the days [d + lo, d + hi] as ``d`` slides forward."""

    def __init__(self, lo: int, hi: int) -> None:
        self.lo, self.hi = lo, hi
        self.count: Counter[int] = Counter()

    def add(self, users: Iterable[int]) -> None:
        self.count.update(users)

    def remove(self, users: Iterable[int]) -> None:
        count = self.count
        for user in users:
            n = count[user] - 1
            if n:
                count[user] = n
            else:
                del count[user]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _windows_rebuild(first_touched: date, last_touched: date) -> None:
    """Rebuild DayWindow, CohortDay and CohortWeek from the Monday of ``first_touched - 29``
    (churn looks 29 days ahead) to 30 days after ``last_touched`` (MAU and cohort days look 30
    days back) or the last day with activity if later (a late sign-up moves later cohort weeks)."""
    last_active = UserDay.objects.aggregate(last=Max("day"))["last"]
    begin = _monday(first_touched - timedelta(days=29))
    end = max(last_touched + timedelta(days=COHORT_DAYS), last_active or last_touched)
    signups = dict(
        UserFact.objects.filter(signed_up_on__isnull=False).values_list("user_id", "signed_up_on").iterator()
    )
    loaded: dict[date, frozenset[int]] = {}

    def users_on(day: date) -> frozenset[int]:
        if day not in loaded:
            loaded[day] = frozenset(UserDay.objects.filter(day=day).values_list("user_id", flat=True))
        return loaded[day]

    wau, mau, base, after = _Window(-6, 0), _Window(-29, 0), _Window(-28, -1), _Window(0, 29)
    windows = (wau, mau, base, after)
    before = begin - timedelta(days=1)
    for window in windows:
        for offset in range(window.lo, window.hi + 1):
            window.add(users_on(before + timedelta(days=offset)))

    day_windows: list[DayWindow] = []
    cohort_days: list[CohortDay] = []
    cohort_weeks: list[CohortWeek] = []
    week_sets: dict[date, set[int]] = defaultdict(set)
    day = begin
    while day <= end:
        for window in windows:
            window.remove(users_on(day - timedelta(days=1) + timedelta(days=window.lo)))
            window.add(users_on(day + timedelta(days=window.hi)))
        churned = sum(1 for user in base.count if user not in after.count)
        if mau.count or base.count:  # all-zero days keep no row
            day_windows.append(
                DayWindow(day=day, wau=len(wau.count), mau=len(mau.count), churn_base=len(base.count), churned=churned)
            )
        by_cohort: Counter[date] = Counter()
        for user in users_on(day):
            signed = signups.get(user)
            if signed is None or signed > day:
                continue
            if (day - signed).days <= COHORT_DAYS:
                by_cohort[signed] += 1
            week_sets[_monday(signed)].add(user)
        cohort_days.extend(
            CohortDay(signed_up_on=s, day=day, offset=(day - s).days, users=n) for s, n in sorted(by_cohort.items())
        )
        if day.weekday() == 6 or day == end:
            monday = _monday(day)
            cohort_weeks.extend(CohortWeek(cohort=c, week=monday, users=len(u)) for c, u in sorted(week_sets.items()))
            week_sets.clear()
        for stale in [d for d in loaded if d < day - timedelta(days=31)]:
            del loaded[stale]
        day += timedelta(days=1)

    DayWindow.objects.filter(day__gte=begin, day__lte=end).delete()
    CohortDay.objects.filter(day__gte=begin, day__lte=end).delete()
    CohortWeek.objects.filter(week__gte=begin, week__lte=end).delete()
    DayWindow.objects.bulk_create(day_windows, batch_size=BATCH)
    CohortDay.objects.bulk_create(cohort_days, batch_size=BATCH)
    CohortWeek.objects.bulk_create(cohort_weeks, batch_size=BATCH)

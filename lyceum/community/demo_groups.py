"""Demo study groups: six groups around demo courses and topics, with members, posts and
check-in histories that give real streaks (some still going, some broken).

Everything goes through ``services.groups`` with backdated ``at`` times; rows the services
stamp with "now" (group ``created_at``) are backdated afterwards. The whole plan is drawn
before anything is checked, so a rerun consumes the random stream identically and a group
that already exists is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction

from lyceum.accounts.models import Topic, User
from lyceum.courses.models import Course
from lyceum.learning.models import Enrollment

from .models import StudyGroup
from .services import groups as services


@dataclass(frozen=True)
class Spec:
    name: str
    description: str
    course: str | None
    topic: str
    visibility: str
    max_members: int
    goal_minutes: int
    goal_text: str
    size: int
    demo_learner: str | None  # "owner", "member" or None
    posts: tuple[str, ...]


SPECS = [
    Spec(
        "Python 零基础打卡营",
        "每天 30 分钟，一起把《Python 从零到一》学完。卡住了就在群里问，每周日晚上互相看作业。",
        "python-zero-to-one",
        "programming",
        "public",
        30,
        150,
        "完成第 2 章并提交一次练习",
        12,
        "member",
        (
            "大家好！我是组织者，每天晚上 9 点我会在这里打卡，欢迎一起 🙌",
            '分享一个小技巧：`print(f"{x=}")` 可以同时打印变量名和值，调试很方便。',
            "第 2 章的列表推导式有点绕，有没有人愿意周末一起过一遍？",
            "连续打卡一周了，感觉比一个人学坚持得久多了！",
        ),
    ),
    Spec(
        "SQL Night Owls",
        "Working through SQL for Analysts after work. One query a night, share the tricky ones.",
        "sql-for-analysts",
        "data",
        "public",
        12,
        120,
        "Finish the window functions module",
        7,
        "owner",
        (
            "Welcome, owls 🦉 Post the query that surprised you today.",
            "TIL: `COUNT(col)` skips NULLs but `COUNT(*)` doesn't. Cost me an hour.",
            "Anyone want to pair on the joins exercise on Saturday morning (UTC)?",
        ),
    ),
    Spec(
        "AI 读书会 · 提示词工程",
        "小范围读书会：每周读一节《提示词工程》，周五线上讨论 30 分钟。邀请制。",
        "prompt-engineering-zh",
        "ai",
        "invite",
        8,
        90,
        "每人写 3 个改进前后的提示词对比",
        6,
        None,
        (
            "本周的讨论题：few-shot 示例放在前面还是后面效果更好？",
            "我整理了一份常用提示词模板，放在共享文档里了，欢迎补充。",
        ),
    ),
    Spec(
        "English Pronunciation 30-Day Challenge",
        "Ten minutes a day of shadowing and minimal pairs. Record yourself, compare, check in. 每天十分钟练发音。",
        "english-pronunciation-30",
        "languages",
        "public",
        50,
        70,
        "Nail the /θ/ and /ð/ sounds",
        14,
        None,
        (
            "Day 1 tip: record yourself *before* you start so you can hear the difference in 30 days.",
            "今天练了 think / sink，终于分清楚了 😂",
            "Minimal pairs that help me: ship/sheep, full/fool, bad/bed.",
        ),
    ),
    Spec(
        "Remote Work Habits Circle",
        "For people learning to work well from home: deep-work blocks, async writing, boundaries.",
        None,
        "career",
        "public",
        10,
        100,
        "Two 90-minute focus blocks without chat open",
        5,
        None,
        (
            "What is your shutdown ritual at the end of the day?",
            "Trying time-blocking in my calendar this week — will report back.",
        ),
    ),
    Spec(
        "理财小白互助组",
        "一起学《个人理财入门》，记账、存钱、弄懂基金。不推荐具体产品，只交流方法。",
        "personal-finance-zh",
        "finance",
        "invite",
        6,
        60,
        "记账满 7 天",
        5,
        None,
        ("记账第三天，发现外卖花得比想象中多很多……", "推荐大家先把应急金存够 3 个月生活费再考虑投资。"),
    ),
]

NOTES_ZH = ["看完一节视频并做了笔记", "做完课后练习", "复习了上周的内容", "卡在一道题上，明天继续", "把代码跑通了", ""]
NOTES_EN = ["Watched a lesson and took notes", "Did the exercises", "Reviewed last week", "Stuck on one problem", ""]
MINUTES = [10, 15, 20, 25, 30, 30, 40, 45, 60, 90]
HISTORY_DAYS = 35


@dataclass
class MemberPlan:
    user_index: int
    joined_days_ago: int
    checkin_offsets: list[int]  # days ago (0 = today)
    minutes: list[int]
    notes: list[str]
    lesson_steps: list[bool]
    minute_shifts: list[int]  # how long before "now minus N days" the check-in happened


def _habit(rng: Any, joined_days_ago: int) -> list[int]:
    """Days ago with a check-in: an ongoing streak for some, a broken one or scattered days for others."""
    kind = rng.choices(["ongoing", "yesterday", "broken", "scattered"], weights=[0.35, 0.2, 0.25, 0.2])[0]
    length = rng.randint(2, 14)
    density = rng.uniform(0.3, 0.7)
    extra = [d for d in range(joined_days_ago + 1) if rng.random() < density]
    if kind == "ongoing":
        run = list(range(0, length))
    elif kind == "yesterday":
        run = list(range(1, length + 1))
    elif kind == "broken":
        gap = rng.randint(3, 8)
        run = list(range(gap, gap + length))
    else:
        run = []
    if kind in ("ongoing", "yesterday"):
        # keep the run's edge clear so the streak is exactly as drawn
        edge = run[-1] + 1
        extra = [d for d in extra if d > edge]
    else:
        extra = [d for d in extra if d > 1]
    return sorted({d for d in run + extra if d <= joined_days_ago}, reverse=True)


def seed(ctx: Any) -> None:
    rng = ctx.rng
    learners = list(User.objects.filter(email__startswith="learner0", email__endswith="@example.com").order_by("email"))
    main = User.objects.filter(email="learner@example.com").first()
    if not learners or main is None:
        ctx.stdout.write("community: no demo learners for study groups")
        return
    enrolled: dict[str, set[int]] = {}
    for slug, user_id in Enrollment.objects.filter(revoked_at__isnull=True).values_list("course__slug", "user_id"):
        enrolled.setdefault(slug, set()).add(user_id)
    # Draw the whole plan first.
    plans: list[tuple[Spec, int, int, list[MemberPlan], list[tuple[int, int]]]] = []
    for spec in SPECS:
        created_days_ago = rng.randint(HISTORY_DAYS - 5, HISTORY_DAYS)
        # Course groups are mostly people taking the course (so progress shows), plus a few others.
        taking = [i for i, u in enumerate(learners) if u.pk in enrolled.get(spec.course or "", set())]
        others = [i for i, u in enumerate(learners) if u.pk not in enrolled.get(spec.course or "", set())]
        from_course = rng.sample(taking, min(len(taking), spec.size * 2 // 3))
        indexes = from_course + rng.sample(others, min(len(others), spec.size - len(from_course)))
        owner_index = indexes[0]
        members = []
        for idx in indexes:
            joined = rng.randint(1, created_days_ago)
            offsets = _habit(rng, joined)
            members.append(
                MemberPlan(
                    idx,
                    joined,
                    offsets,
                    [rng.choice(MINUTES) for _ in offsets],
                    [rng.choice(NOTES_ZH if rng.random() < 0.6 else NOTES_EN) for _ in offsets],
                    [rng.random() < 0.4 for _ in offsets],
                    [rng.randint(1, 600) for _ in offsets],
                )
            )
        main_offsets = list(range(0, 6)) if spec.demo_learner == "owner" else [1, 2, 3, 6, 7, 9]
        main_plan = MemberPlan(-1, created_days_ago, main_offsets, [rng.choice(MINUTES) for _ in main_offsets],
                               [rng.choice(NOTES_EN) for _ in main_offsets], [True for _ in main_offsets],
                               [rng.randint(1, 30) for _ in main_offsets])  # fmt: skip
        member_plans = [main_plan, *members] if spec.demo_learner else members
        posts = [(rng.randrange(len(member_plans) + 1), rng.randint(0, created_days_ago)) for _ in spec.posts]
        plans.append((spec, owner_index, created_days_ago, member_plans, posts))

    created = 0
    for spec, owner_index, created_days_ago, members, posts in plans:
        if StudyGroup.objects.filter(name=spec.name).exists():
            continue
        with transaction.atomic():
            _seed_group(ctx, spec, learners, main, owner_index, created_days_ago, members, posts)
        created += 1
    ctx.stdout.write(f"community: {created} study groups")


def _seed_group(
    ctx: Any,
    spec: Spec,
    learners: list[User],
    main: User,
    owner_index: int,
    created_days_ago: int,
    members: list[MemberPlan],
    posts: list[tuple[int, int]],
) -> None:
    now = ctx.now
    course = Course.objects.filter(slug=spec.course).first() if spec.course else None
    topic = Topic.objects.filter(slug=spec.topic).first()
    lessons = list(course.lessons.order_by("module__position", "position", "pk")) if course else []
    owner = main if spec.demo_learner == "owner" else learners[owner_index]
    created_at = now - timedelta(days=created_days_ago, hours=3)
    group = services.group_create(
        actor=owner, name=spec.name, description=spec.description, visibility=spec.visibility,
        max_members=spec.max_members, course=course, topic=topic, weekly_goal_minutes=spec.goal_minutes,
        weekly_goal_text=spec.goal_text, at=created_at,
    )  # fmt: skip
    StudyGroup.objects.filter(pk=group.pk).update(created_at=created_at, updated_at=created_at)
    people: list[User] = [owner]
    for plan in members:
        user = main if plan.user_index == -1 else learners[plan.user_index]
        if user.pk != owner.pk and len(people) < spec.max_members:
            joined_at = min(now - timedelta(days=plan.joined_days_ago, hours=2), now)
            joined_at = max(joined_at, created_at + timedelta(minutes=5))
            services.group_join(actor=user, group=group, invite_code=group.invite_code, at=joined_at)
            people.append(user)
        elif user.pk != owner.pk:
            continue
        step = 0
        for offset, minutes, note, advance, shift in zip(
            plan.checkin_offsets, plan.minutes, plan.notes, plan.lesson_steps, plan.minute_shifts, strict=True
        ):
            at = now - timedelta(days=offset, minutes=shift)
            if at < created_at:
                continue
            lesson = None
            if lessons and advance:
                lesson = lessons[min(step, len(lessons) - 1)]
                step += 1
            services.checkin_create(actor=user, group=group, minutes=minutes, note=note, lesson=lesson, at=at)
    for (who, days_ago), body in zip(posts, spec.posts, strict=True):
        author = owner if who == 0 else people[who % len(people)]
        at = max(now - timedelta(days=days_ago, hours=1), created_at + timedelta(minutes=10))
        services.group_post(actor=author, group=group, body=body, at=at)

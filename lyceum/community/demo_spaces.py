"""Demo spaces: the global community, a space per published course, a members-only lounge,
threads and questions in Chinese and English with replies, votes and accepted answers.

Everything is written through ``services.spaces`` with backdated ``at`` times (rate limits
off, as for any import). All random values are drawn before anything is checked, and a
thread is recognised by its space, author and title, so a rerun changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lyceum.accounts.models import User
from lyceum.courses.models import Course, CourseInstructor, CourseStatus
from lyceum.learning.models import Enrollment

from . import access
from .models import PostPolicy, Reply, Space, SpaceKind, Thread, ThreadKind
from .services import spaces as services

PAID_SLUG = "pro-lounge"
PLAN_SLUGS = ["membership-monthly", "membership-yearly"]  # the commerce demo's membership plans
COURSE_SPACES_WITH_THREADS = 12
HISTORY_DAYS = 60


@dataclass(frozen=True)
class Post:
    kind: str
    title: str
    body: str
    tags: tuple[str, ...]
    replies: tuple[str, ...]  # the first is the best answer for questions


GLOBAL_POSTS = [
    Post(
        ThreadKind.DISCUSSION,
        "大家好，我是新来的 👋",
        "刚注册 Lyceum，想系统地学习**数据分析**。有没有同样在学的朋友？一起打卡吧！",
        ("自我介绍", "数据分析"),
        (
            "欢迎欢迎！可以加入学习小组，每天打卡很有动力。",
            "我也在学 SQL，一起加油 💪",
            "推荐先把 Excel 和 SQL 打牢，再学 Python。",
        ),
    ),
    Post(
        ThreadKind.QUESTION,
        "How do you stay consistent with self-paced courses?",
        "I start strong and then drop off after week two. What routines actually work for you?",
        ("motivation", "habits"),
        (
            "Small daily goals beat weekend marathons. "
            "I do 25 minutes every morning before work and check in with my study group.",
            "Booking the next lesson in my calendar like a meeting helped a lot.",
            "Public accountability: post your progress here every Friday!",
        ),
    ),
    Post(
        ThreadKind.QUESTION,
        "工作之余每天只有一小时，怎么安排学习？",
        "在职转行数据方向，晚上只有一个小时左右。应该先刷课还是先做项目？",
        ("时间管理", "转行"),
        (
            "建议「学一节 + 练一题」：看完一节课马上做对应的小练习，周末再串成一个小项目。",
            "我是每天通勤听音频课，晚上只做练习，效率高很多。",
        ),
    ),
    Post(
        ThreadKind.DISCUSSION,
        "Share your favourite learning resources for 2026",
        "Books, podcasts, newsletters — what taught you the most this year? I'll start: *The Pragmatic Programmer*.",
        ("resources",),
        (
            "*Designing Data-Intensive Applications*, still the best.",
            "《深度学习》花书，配合课程一起看效果很好。",
            "The Changelog podcast for keeping up with open source.",
        ),
    ),
    Post(
        ThreadKind.QUESTION,
        "Markdown tips: how do I post code here?",
        "When I paste Python the indentation disappears. How do I keep it?",
        ("help", "markdown"),
        (
            "Wrap it in a fenced block with three backticks and the language:\n\n"
            '```python\ndef hello(name):\n    return f"Hello, {name}!"\n```',
            "Inline code works with single backticks: `print()`.",
        ),
    ),
    Post(
        ThreadKind.DISCUSSION,
        "求推荐：适合初学者的机器学习项目",
        "学完了线性回归和逻辑回归，想找一个能写进简历的小项目，大家有什么推荐？",
        ("机器学习", "项目"),
        (
            "Kaggle 的泰坦尼克和房价预测很适合入门，记得写清楚特征工程的思路。",
            "可以试试用公开的空气质量数据做预测，数据清洗的部分很锻炼人。",
        ),
    ),
]

COURSE_POSTS = [
    Post(
        ThreadKind.QUESTION,
        "第三节的练习题答案和视频里不一样？",
        "我按视频步骤做，结果和讲义里的答案差了一点，是我哪里理解错了吗？",
        ("练习",),
        (
            "讲义里用的是更新后的数据集，视频录制时还是旧版，两种结果都对。我会在下次更新里补充说明。",
            "我也遇到了，换成讲义附带的数据文件就一致了。",
        ),
    ),
    Post(
        ThreadKind.QUESTION,
        "Is there a recommended order for the optional lessons?",
        "The outline marks some lessons as optional. Should I do them before the final quiz?",
        ("outline",),
        (
            "Do them after module 2: they deepen the topics the final quiz checks, but the quiz doesn't require them.",
            "I skipped them first and came back later — worked fine.",
        ),
    ),
    Post(
        ThreadKind.QUESTION,
        "Error when running the example code",
        "I get `ModuleNotFoundError` on the second example. Which version should I install?",
        ("setup", "error"),
        (
            "Install the versions in the course's requirements file: "
            "`pip install -r requirements.txt` inside a fresh virtualenv.",
            "Make sure your editor uses the same interpreter as your terminal.",
        ),
    ),
    Post(
        ThreadKind.DISCUSSION,
        "学完这门课的感受",
        "节奏很好，练习题设计得很用心。希望后面能多一些实战案例！",
        ("反馈",),
        ("同感，尤其是第二章的案例很实用。", "期待进阶课 🙏"),
    ),
    Post(
        ThreadKind.QUESTION,
        "课程的证书可以写进简历吗？",
        "完成后发的证书有编号，企业能验证吗？",
        ("证书",),
        ("可以，证书页面是公开的，招聘方输入编号就能验证。", "我面试时直接放了证书链接，面试官还问了项目细节。"),
    ),
    Post(
        ThreadKind.DISCUSSION,
        "Study buddies for this course?",
        "Anyone in the Europe/Asia time zones want to go through one module a week together?",
        ("study-group",),
        ("Count me in! I'm in Singapore.", "Berlin here — let's start a group."),
    ),
]

PAID_POSTS = [
    Post(
        ThreadKind.DISCUSSION,
        "会员专属：本月直播答疑整理",
        "把上次直播里大家问得最多的 10 个问题整理在这里，欢迎补充。",
        ("直播", "答疑"),
        ("感谢整理！第 4 个问题的回答特别有帮助。", "能否把回放链接也放上来？"),
    ),
    Post(
        ThreadKind.QUESTION,
        "Career switch: portfolio or certificates first?",
        "Pro members — when you changed careers, what got you interviews: your portfolio or your certificates?",
        ("career",),
        (
            "Portfolio, every time. Certificates got me past the HR filter, the projects got me the offer.",
            "Both, but write a short case study for each project.",
        ),
    ),
]

ANNOUNCEMENT = Post(
    ThreadKind.ANNOUNCEMENT,
    "Welcome to the Lyceum community · 欢迎来到社区",
    "Ask questions, share what you learn and help each other. Please read the space rules, be kind, "
    "and use **Question** threads when you need an answer so others can find it later.\n\n"
    "提问时请选择「问题」类型，被采纳的回答会置顶显示，方便后来的同学查找。",
    ("welcome",),
    (),
)


@dataclass
class Plan:
    space_slug: str
    post: Post
    author_index: int
    days_ago: float
    reply_indices: list[int]
    reply_gaps: list[float]  # hours after the previous post
    accept: bool
    nest_last: bool
    voter_indices: list[int]


def _draw(rng: Any, space_slug: str, posts: list[Post], count: int) -> list[Plan]:
    plans = []
    for post in rng.sample(posts, min(count, len(posts))):
        plans.append(
            Plan(
                space_slug=space_slug,
                post=post,
                author_index=rng.randrange(10_000),
                days_ago=rng.uniform(1, HISTORY_DAYS),
                reply_indices=[rng.randrange(10_000) for _ in post.replies],
                reply_gaps=[rng.uniform(0.5, 30) for _ in post.replies],
                accept=rng.random() < 0.6,
                nest_last=rng.random() < 0.5,
                voter_indices=[rng.randrange(10_000) for _ in range(rng.randint(0, 8))],
            )
        )
    return plans


def _spaces(operator: User | None, courses: list[Course]) -> dict[str, Space]:
    spaces = {"general": Space.objects.get_or_create(slug="general", defaults={"name": "Community"})[0]}
    for course in courses:
        space = services.space_for_course(course=course)
        spaces[space.slug] = space
    paid = Space.objects.filter(slug=PAID_SLUG).first()
    if paid is None and operator is not None:
        paid = services.space_create(
            actor=operator, slug=PAID_SLUG, name="Pro lounge · 会员专区",
            description="For Lyceum Pro members: monthly live Q&A notes, career talk and early course previews.",
            rules="Members only. Keep shared material inside the lounge.", kind=SpaceKind.PAID,
            access_plans=PLAN_SLUGS, post_policy=PostPolicy.MEMBERS, position=1,
        )  # fmt: skip
    if paid is not None:
        spaces[paid.slug] = paid
    return spaces


def _readers(space: Space, learners: list[User], staff: list[User]) -> list[User]:
    if space.kind == SpaceKind.GLOBAL:
        return learners[:120] or staff
    if space.kind == SpaceKind.COURSE:
        ids = set(
            Enrollment.objects.filter(course_id=space.course_id, revoked_at__isnull=True).values_list(
                "user_id", flat=True
            )
        )
        return [u for u in learners if u.pk in ids][:60]
    return [u for u in learners[:150] if access.can_read_space(u, space)][:40]


def _around(people: list[User], index: int, when: datetime, ctx: Any) -> User:
    """``people[index]``, or — when the learning demo recorded who was active on which day — the
    ``index``-th of those active that day, so nobody posts after they have left the platform
    (the churn model learns from these histories). Falls back to everyone when nobody was."""
    days: dict[int, list[date]] = ctx.data.get("learning_active_days") or {}
    if days:
        day = when.astimezone(timezone.get_default_timezone()).date()
        active = [p for p in people if day in set(days.get(p.pk, ()))]
        if active:
            return active[index % len(active)]
    return people[index % len(people)]


def _write(plan: Plan, space: Space, readers: list[User], answerers: list[User], ctx: Any) -> bool:
    if not readers:
        return False
    when = ctx.now - timedelta(days=plan.days_ago)
    author = _around(readers, plan.author_index, when, ctx)
    if plan.post.kind == ThreadKind.ANNOUNCEMENT:
        author = answerers[0]
    if Thread.objects.filter(space=space, title=plan.post.title).exists():
        return False
    thread = services.thread_create(
        actor=author, space=space, title=plan.post.title, body=plan.post.body, kind=plan.post.kind,
        tags=list(plan.post.tags), at=when, rate_limit=False,
    )  # fmt: skip
    repliers = answerers + readers
    replies: list[Reply] = []
    for i, (body, index, gap) in enumerate(zip(plan.post.replies, plan.reply_indices, plan.reply_gaps, strict=True)):
        # Questions in course spaces get their first (best) answer from an instructor.
        when = min(when + timedelta(hours=gap), ctx.now - timedelta(minutes=5))
        replier = answerers[index % len(answerers)] if i == 0 and answerers else _around(repliers, index, when, ctx)
        parent = replies[0] if (plan.nest_last and i == len(plan.post.replies) - 1 and replies) else None
        replies.append(
            services.reply_create(actor=replier, thread=thread, body=body, parent=parent, at=when, rate_limit=False)
        )
    voters = {readers[i % len(readers)].pk: readers[i % len(readers)] for i in plan.voter_indices}
    for voter in voters.values():
        if voter.pk != author.pk:
            services.thread_vote(actor=voter, thread=thread, at=when)
        if replies and voter.pk != replies[0].author_id:
            services.reply_vote(actor=voter, reply=replies[0], at=when)
    if plan.post.kind == ThreadKind.QUESTION and plan.accept and replies:
        services.reply_accept(actor=author, reply=replies[0], at=min(when + timedelta(hours=2), ctx.now))
    return True


def seed(ctx: Any) -> None:
    rng = ctx.rng
    courses = list(Course.objects.filter(status=CourseStatus.PUBLISHED).order_by("-enrollment_count", "pk"))
    busy = courses[:COURSE_SPACES_WITH_THREADS]
    # Draw everything first so a rerun consumes the random stream identically.
    plans = [Plan("general", ANNOUNCEMENT, 0, HISTORY_DAYS + 5, [], [], False, False, [])]
    plans += _draw(rng, "general", GLOBAL_POSTS, len(GLOBAL_POSTS))
    course_plans = [(course, _draw(rng, "", COURSE_POSTS, rng.randint(2, 4))) for course in busy]
    plans += _draw(rng, PAID_SLUG, PAID_POSTS, len(PAID_POSTS))

    operator = User.objects.filter(email="operator@example.com").first()
    staff = list(User.objects.filter(email__in=["operator@example.com", "moderator@example.com"]).order_by("email"))
    learners = list(
        User.objects.filter(Q(email__startswith="learner"), email__endswith="@example.com", is_active=True).order_by(
            "email"
        )
    )
    with transaction.atomic():
        spaces = _spaces(operator, courses)
    for course, course_specific in course_plans:
        slug = next(s.slug for s in spaces.values() if s.course_id == course.pk)
        for plan in course_specific:
            plan.space_slug = slug
            plans.append(plan)
    instructors: dict[int, list[User]] = {}
    for link in CourseInstructor.objects.filter(course__in=busy).select_related("user").order_by("pk"):
        instructors.setdefault(link.course_id, []).append(link.user)

    created = 0
    readers: dict[str, list[User]] = {}
    for plan in ctx.progress(plans, desc="community", total=len(plans)):
        space = spaces.get(plan.space_slug)
        if space is None:
            continue
        if space.slug not in readers:
            readers[space.slug] = _readers(space, learners, staff)
        answerers = instructors.get(space.course_id or 0, []) if space.kind == SpaceKind.COURSE else staff
        with transaction.atomic():
            created += _write(plan, space, readers[space.slug], answerers or staff, ctx)
    ctx.stdout.write(
        f"community: {created} threads created, {Thread.objects.count()} in total, {Space.objects.count()} spaces"
    )

"""Demo accounts: the four role accounts and N learners with varied survey answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction

from . import services
from .models import Format, Goal, Level, Role, StudyTime, Topic, User

DEMO_PASSWORD = "lyceum-demo-2026"
# Staff roles must use two-factor sign-in; the demo staff share this published secret.
# `manage.py demo_otp` prints the current code. Never reuse it outside the demo.
DEMO_TOTP_SECRET = "LYCEUMDEMOSTAFFTOTPSECRETKEYABCD"  # base32: A-Z and 2-7 only
DEMO_DOMAIN = "example.com"

ROLE_ACCOUNTS = [
    # email, display name, roles, locale
    ("operator", "林运营 Lin (Operator)", (Role.OPERATOR,), "zh-hans"),
    ("instructor", "Dr. Ada Chen 陈老师", (Role.INSTRUCTOR,), "en"),
    ("moderator", "Sam Moderator 王版主", (Role.MODERATOR,), "en"),
    ("learner", "小明 Xiaoming", (Role.LEARNER,), "zh-hans"),
]

ZH_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余"
    "于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
ZH_GIVEN = [
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀兰", "霞", "平", "刚", "桂英", "晨", "子涵", "欣怡", "梓轩", "浩然", "雨桐", "思远", "若曦", "嘉怡", "宇航",
    "一诺", "佳琪", "俊杰", "诗涵", "文博", "婉清", "天佑",
]  # fmt: skip
EN_FIRST = [
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "Lucas", "Mia", "Mason", "Amelia", "Ethan",
    "Harper", "Logan", "Evelyn", "James", "Abigail", "Aiden", "Emily", "Daniel", "Priya", "Arjun", "Yuki",
    "Kenji", "Lena", "Mateo", "Sofia", "Omar", "Fatima", "Chloe",
]  # fmt: skip
EN_LAST = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Martinez", "Lopez", "Wilson",
    "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Lee", "Clark", "Walker", "Young", "Patel", "Tanaka",
    "Schmidt", "Rossi", "Kim",
]  # fmt: skip
TIMEZONES_ZH = ["Asia/Shanghai", "Asia/Shanghai", "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore"]
TIMEZONES_EN = ["Europe/London", "America/New_York", "America/Los_Angeles", "Europe/Berlin", "Asia/Singapore", "UTC"]

# Goals weighted like a knowledge-payment community: most come to skill up.
GOAL_WEIGHTS = {Goal.SKILL_UP: 0.62, Goal.CAREER_CHANGE: 0.33, Goal.EXAM: 0.18, Goal.HOBBY: 0.27}
FORMAT_WEIGHTS = {Format.VIDEO: 0.78, Format.TEXT: 0.46, Format.AUDIO: 0.22, Format.LIVE: 0.31}
TOPIC_WEIGHTS = {
    "programming": 0.45, "data": 0.38, "ai": 0.41, "design": 0.18, "product": 0.22, "marketing": 0.15,
    "languages": 0.2, "career": 0.28, "finance": 0.17, "writing": 0.12,
}  # fmt: skip


def _name(rng: Any, chinese: bool) -> str:
    if chinese:
        return rng.choice(ZH_SURNAMES) + rng.choice(ZH_GIVEN)
    return f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"


def _answers(rng: Any, topics: list[str]) -> services.SurveyAnswers:
    goals = [g.value for g, w in GOAL_WEIGHTS.items() if rng.random() < w] or [Goal.SKILL_UP.value]
    formats = [f.value for f, w in FORMAT_WEIGHTS.items() if rng.random() < w] or [Format.VIDEO.value]
    interests: dict[str, str] = {}
    for slug in topics:
        if rng.random() < TOPIC_WEIGHTS.get(slug, 0.2):
            interests[slug] = rng.choices(Level.values, weights=[0.55, 0.33, 0.12])[0]
    if not interests:
        interests[rng.choice(topics)] = Level.BEGINNER.value
    hours = max(0, min(40, int(rng.gauss(5, 3))))
    study_time = rng.choices(StudyTime.values, weights=[0.12, 0.1, 0.38, 0.15, 0.15, 0.1])[0]
    return services.SurveyAnswers(goals, interests, hours, formats, study_time)


def seed(ctx: Any) -> None:
    rng = ctx.rng
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: PBKDF2 per user would be slow
    topics = list(Topic.objects.values_list("slug", flat=True))
    created = 0

    for local, display, roles, locale in ROLE_ACCOUNTS:
        email = f"{local}@{DEMO_DOMAIN}"
        if not User.objects.filter(email=email).exists():
            with transaction.atomic():
                services.user_create(
                    email=email, display_name=display, password_hash=password_hash, roles=roles,
                    locale=locale, joined_at=ctx.now - timedelta(days=200), method="demo",
                )  # fmt: skip
            created += 1
        if set(roles) - {Role.LEARNER}:
            services.mfa_totp_enable(user=User.objects.get(email=email), secret=DEMO_TOTP_SECRET)
    learner = User.objects.get(email=f"learner@{DEMO_DOMAIN}")

    for i in ctx.progress(range(1, ctx.users + 1), desc="learners", total=ctx.users):
        # Draw every random value before checking existence so reruns see the same stream.
        chinese = rng.random() < 0.6
        name = _name(rng, chinese)
        locale = "zh-hans" if chinese else "en"
        tz_name = rng.choice(TIMEZONES_ZH if chinese else TIMEZONES_EN)
        # Sign-ups grow over the last 180 days: more recent days are likelier.
        days_ago = int(180 * (1 - rng.random() ** 0.7))
        joined = ctx.now - timedelta(days=days_ago, hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
        outcome = rng.random()
        answers = _answers(rng, topics)
        answered_at = joined + timedelta(minutes=rng.randint(2, 30))
        email = f"learner{i:04d}@{DEMO_DOMAIN}"
        if User.objects.filter(email=email).exists():
            continue
        with transaction.atomic():
            user = services.user_create(
                email=email, display_name=name, password_hash=password_hash, locale=locale,
                timezone_name=tz_name, joined_at=joined, method="demo",
            )  # fmt: skip
            if outcome < 0.72:
                services.learner_profile_save(actor=user, user=user, answers=answers, at=answered_at)
            elif outcome < 0.85:
                services.learner_profile_skip(user=user, at=answered_at)
        created += 1

    if not hasattr(learner, "learner_profile"):
        services.learner_profile_save(
            actor=learner,
            user=learner,
            answers=services.SurveyAnswers(
                goals=[Goal.SKILL_UP.value, Goal.CAREER_CHANGE.value],
                interests={
                    "programming": Level.BEGINNER.value,
                    "data": Level.BEGINNER.value,
                    "ai": Level.BEGINNER.value,
                },
                weekly_hours=6,
                formats=[Format.VIDEO.value, Format.TEXT.value],
                study_time=StudyTime.EVENING.value,
            ),
        )
    ctx.stdout.write(f"accounts: {created} created, {User.objects.count()} in total")
    ctx.data["sign_ins"] = [
        "",
        f"Demo sign-ins (password for all: {DEMO_PASSWORD}):",
        *[f"  {local:<11} {local}@{DEMO_DOMAIN}" for local, *_rest in ROLE_ACCOUNTS],
        f"  + {ctx.users} learners: learner0001@{DEMO_DOMAIN} ...",
        "Staff accounts use two-factor sign-in: `make demo-otp` prints the current code",
        f"(or add the secret {DEMO_TOTP_SECRET} to an authenticator app).",
    ]

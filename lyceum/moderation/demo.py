"""Demo moderation: the community rules (v1, English and Chinese) accepted by the members who
post, two spammer accounts whose posts the spam filter holds or members report (hidden after
three reports), a resolved history (approve, hide, warn, a 3-day mute), one open appeal and one
copyright complaint.

Runs after the community and feedback demos. Everything goes through the services; nothing
draws from ``ctx.rng`` (the later demos keep their random stream), and every step looks for what
it made before, so a rerun changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db.models import Q

from lyceum.accounts.models import User
from lyceum.accounts.services import user_create
from lyceum.community.models import Reply, Space, Thread
from lyceum.community.services import spaces as community
from lyceum.core.errors import ApplicationError
from lyceum.courses.models import CourseStatus, Lesson

from .models import Action, ActionKind, Appeal, Case, CaseStatus, CommunityRules, RulesAcceptance, TakedownRequest
from .services import appeals, cases, reports, rules, takedowns

RULES_EN = """\
# Community rules

Lyceum is a place to learn together. These rules keep it useful and kind.

1. **Be respectful.** Disagree with ideas, not people. No harassment, insults or discrimination.
2. **Stay on topic.** Post in the space that fits; course spaces are for that course.
3. **No spam or advertising.** No selling, no referral links, no "add me on WeChat/QQ" for
   paid services, no exam-taking or course-cheating offers.
4. **Respect copyright.** Do not share paid course material, books or videos you have no right to
   share. Rights holders can [report an infringement](/copyright/).
5. **Protect privacy.** Never post someone else's contact details or private messages.
6. **Help others learn.** Do not post full solutions to graded quizzes; explain the idea instead.

Moderators may hide, edit or remove posts that break these rules, warn members, and mute or ban
repeat offenders. Every decision is explained to you, and you can appeal it once from
*Moderation notices*.
"""

RULES_ZH = """\
# 社区规范

Lyceum 是大家一起学习的地方。以下规范让社区保持有用、友善。

1. **互相尊重。** 对事不对人，禁止骚扰、辱骂和歧视。
2. **不跑题。** 在合适的版块发帖；课程版块只讨论该课程。
3. **禁止垃圾信息和广告。** 不卖货、不发推广链接，不以"加微信/QQ"招揽付费服务，不得提供代考、刷课。
4. **尊重版权。** 不分享无权分享的付费课程资料、书籍或视频。权利人可以[举报侵权](/copyright/)。
5. **保护隐私。** 不得公开他人的联系方式或私信内容。
6. **帮助他人学习。** 不要直接贴出测验的完整答案，讲清思路即可。

版主可以隐藏、编辑或删除违反规范的内容，警告成员，并对屡次违规者禁言或封禁。每一项处理都会告诉你原因，
你可以在「管理通知」中申诉一次。
"""

SPAMMERS = [
    ("spammer1", "课程资料分享王"),
    ("spammer2", "Easy Cert Helper"),
]
# (spammer index, title, body): the filter holds most of these (contact ids, exam-cheating offers)
SPAM_POSTS = [
    (0, "全套付费课程资料免费领取", "全套 Python、数据分析付费课程资料，加V信 kecheng8888 免费领取，名额有限！"),
    (0, "代考代刷 包过", "各类证书代考、网课代刷，包过不过全退。扣扣 2847561930 详聊。"),
    (1, "Pass any certification exam guaranteed", "We take the exam for you. 100% pass. WhatsApp +1 555 0100 222"),
]
# published, then reported by three members (hidden pending review)
REPORTED_POST = (
    1,
    "Cheap premium accounts for every course platform",
    "Selling shared premium accounts for all the big course platforms, half price. Message me for a price list.",
)
REPORTERS = 3
DEMO_NOTE = "demo"


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _spammers(ctx: Any) -> list[User]:
    password_hash = make_password(None)  # unusable: nobody signs in as a spammer
    made = []
    for local, name in SPAMMERS:
        email = f"{local}@example.com"
        user = _user(email)
        if user is None:
            user = user_create(
                email=email, display_name=name, password_hash=password_hash, joined_at=ctx.now - timedelta(days=1),
                method="demo",
            )  # fmt: skip
        made.append(user)
    return made


def _accept_for_posters(version: int, extra: list[User]) -> int:
    posters = (
        User.objects.filter(
            Q(threads__isnull=False) | Q(replies__isnull=False) | Q(course_reviews__isnull=False)
            | Q(owned_groups__isnull=False)
        )
        .exclude(pk__in=RulesAcceptance.objects.filter(version=version).values("user_id"))
        .distinct()
    )  # fmt: skip
    accepted = 0
    for user in [*posters, *[u for u in extra if not RulesAcceptance.objects.filter(user=u, version=version).exists()]]:
        rules.rules_accept(actor=user, version=version)
        accepted += 1
    return accepted


def _post(author: User, space: Space, title: str, body: str, at: Any) -> Thread | None:
    found = Thread.objects.filter(space=space, author=author, title=title).first()
    if found is not None:
        return found
    try:
        return community.thread_create(actor=author, space=space, title=title, body=body, at=at, rate_limit=False)
    except ApplicationError:  # a newcomer limit of the spam filter refused it: that is the point
        return None


def _open_case(kind: str, target_id: int) -> Case | None:
    return Case.objects.filter(target_kind=kind, target_id=target_id, status=CaseStatus.OPEN).first()


def _decided(kind: str, target_id: int, decision: str) -> bool:
    return Action.objects.filter(target_kind=kind, target_id=target_id, kind=decision).exists()


def seed(ctx: Any) -> None:
    operator = _user("operator@example.com")
    moderator = _user("moderator@example.com")
    space = Space.objects.filter(slug="general").first()
    learners = list(
        User.objects.filter(email__startswith="learner0", email__endswith="@example.com", is_active=True).order_by(
            "email"
        )[:12]
    )
    if operator is None or moderator is None or space is None or len(learners) < REPORTERS + 3:
        ctx.stdout.write("moderation: skipped (needs the accounts and community demos)")
        return

    current = CommunityRules.objects.order_by("-version").first()
    if current is None:
        current = rules.rules_publish(actor=operator, body_en=RULES_EN, body_zh=RULES_ZH)
    spammers = _spammers(ctx)
    accepted = _accept_for_posters(current.version, [*learners, *spammers])

    # spam: the filter holds what it recognises; the rest is reported by members
    for i, (who, title, body) in enumerate(SPAM_POSTS):
        _post(spammers[who], space, title, body, ctx.now - timedelta(hours=30 - i))
    who, title, body = REPORTED_POST
    reported = _post(spammers[who], space, title, body, ctx.now - timedelta(hours=20))
    if reported is not None:
        for member in learners[:REPORTERS]:
            try:
                reports.report_file(actor=member, kind="thread", target_id=reported.pk, reason="spam", note="")
            except ApplicationError:  # hidden already (a rerun): nothing to add
                break

    _history(moderator, space, spammers, learners)
    _takedown()
    ctx.stdout.write(
        f"moderation: rules v{current.version} ({accepted} acceptances added), "
        f"{Case.objects.filter(status=CaseStatus.OPEN).count()} open cases, "
        f"{Action.objects.count()} log rows, {Appeal.objects.count()} appeals"
    )


def _history(moderator: User, space: Space, spammers: list[User], learners: list[User]) -> None:
    """Resolved decisions: approve a false alarm, hide an advert and mute its author for 3 days,
    warn a rude member (who appeals)."""
    asker, rude, reporter = learners[3], learners[4], learners[5]
    # approve: a member's honest question reported as off-topic
    question = _post(
        asker, space, "Is it OK to share my course notes here?",
        "I wrote summaries of the SQL course for myself. Would anyone find them useful?",
        None,
    )  # fmt: skip
    if question is not None and not _decided("thread", question.pk, ActionKind.APPROVE):
        reports.report_file(actor=reporter, kind="thread", target_id=question.pk, reason="off_topic")
        case = _open_case("thread", question.pk)
        if case is not None:
            cases.case_decide(
                actor=moderator, case=case, decision=ActionKind.APPROVE,
                reason="Sharing your own notes is welcome (rule 6 is about quiz answers).",
            )  # fmt: skip

    # hide + a 3-day mute: an advert by a spammer that the filter let through
    advert = _post(spammers[0], space, "学习群推荐", "推荐一个学习交流群，群里每天分享资料，私信我拉你进群～", None)
    if advert is not None and not _decided("thread", advert.pk, ActionKind.HIDE):
        if advert.hidden_at is None:
            reports.report_file(actor=reporter, kind="thread", target_id=advert.pk, reason="spam")
        case = _open_case("thread", advert.pk)
        if case is not None:
            cases.case_decide(
                actor=moderator, case=case, decision=ActionKind.MUTE, mute_days=3,
                reason="Repeated advertising after the filter held your earlier posts (rule 3).",
            )  # fmt: skip
            cases.case_decide(actor=moderator, case=case, decision=ActionKind.HIDE, reason="Advertising (rule 3).")

    # warn (appealed): a rude reply
    thread = Thread.objects.filter(space=space, deleted_at__isnull=True, hidden_at__isnull=True).exclude(
        author__in=[rude, *spammers]
    ).order_by("created_at", "pk").first()  # fmt: skip
    if thread is None:
        return
    reply = Reply.objects.filter(thread=thread, author=rude, body__startswith="Honestly").first()
    if reply is None:
        try:
            reply = community.reply_create(
                actor=rude, thread=thread, rate_limit=False,
                body="Honestly, this is a stupid question. Google it before wasting everyone's time.",
            )  # fmt: skip
        except ApplicationError:
            return
    if not _decided("reply", reply.pk, ActionKind.WARN):
        reports.report_file(actor=reporter, kind="reply", target_id=reply.pk, reason="harassment", note="Rude")
        case = _open_case("reply", reply.pk)
        if case is None:
            return
        warning = cases.case_decide(
            actor=moderator, case=case, decision=ActionKind.WARN, reason="Please be respectful (rule 1)."
        )
        cases.case_decide(actor=moderator, case=case, decision=ActionKind.APPROVE, reason="The reply may stay.")
        appeals.appeal_file(
            actor=rude, action=warning, text="I was frustrated, but I did not insult anyone personally."
        )


def _takedown() -> None:
    if TakedownRequest.objects.filter(claimant_email="rights@bookpress.example").exists():
        return
    lesson = (
        Lesson.objects.select_related("course").filter(course__status=CourseStatus.PUBLISHED).order_by("pk").first()
    )
    location = f"/courses/{lesson.course.slug}/lessons/{lesson.pk}/" if lesson else "/community/"
    takedowns.takedown_request(
        actor=None,
        claimant_name="王芳 Wang Fang",
        claimant_email="rights@bookpress.example",
        organisation="书香出版社 BookPress",
        work="《数据分析实战》第 3 章 (Data Analysis in Practice, chapter 3), ISBN 978-7-115-00000-0.",
        evidence="We are the publisher and hold the exclusive rights; the lesson reproduces the chapter's "
        "text and figures. Contract no. BP-2024-118 available on request.",
        location=location,
        good_faith=True,
        client_key="demo",
    )

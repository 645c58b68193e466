"""Community events become notifications: who hears what (rows made directly, events emitted by hand)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from conftest import make_user
from lyceum.community import notify as handlers
from lyceum.community.models import (
    CheckIn,
    EventStatus,
    GroupMembership,
    GroupPost,
    LiveEvent,
    Mention,
    Registration,
    RegistrationStatus,
    Reply,
    Space,
    SpaceKind,
    StudyGroup,
    Thread,
    ThreadFollow,
    ThreadKind,
)
from lyceum.core import events
from lyceum.learning.models import Enrollment
from lyceum.learning.tests.factories import make_course
from lyceum.notifications.models import Channel, Kind, Notification, Preference

pytestmark = pytest.mark.django_db
_seq = itertools.count(1)


@pytest.fixture
def emit(django_capture_on_commit_callbacks):
    """``emit(name, actor=..., obj=..., **props)`` and run the handlers as after a commit."""

    def run(name, *, actor=None, obj=None, **props):
        with django_capture_on_commit_callbacks(execute=True):
            events.emit(name, actor=actor, obj=obj, **props)

    return run


def notified(kind: str | None = None) -> set[str]:
    qs = Notification.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    return set(qs.values_list("recipient__email", flat=True))


def user(name: str):
    return make_user(f"{name}@example.org", display_name=name.title())


@pytest.fixture
def course(instructor):
    return make_course(instructor=instructor)


@pytest.fixture
def space(course):
    return Space.objects.create(slug=f"c-{next(_seq)}", name="SQL course", kind=SpaceKind.COURSE, course=course)


def enroll(person, course, **fields):
    return Enrollment.objects.create(user=person, course=course, source="free", **fields)


def thread_in(space, author, **fields):
    fields.setdefault("title", "Why <b>joins</b>?")
    return Thread.objects.create(space=space, author=author, body="Body", **fields)


# --- replies, mentions, accepted answers --------------------------------------------------------


def test_a_reply_notifies_author_followers_and_parent_author_not_the_replier_nor_the_mentioned(
    course, space, emit, django_capture_on_commit_callbacks
):
    asker, follower, parent_author, replier, mentioned, stranger = (
        user(n) for n in ("asker", "follower", "parent", "replier", "mentioned", "stranger")
    )
    for person in (asker, follower, parent_author, replier, mentioned):
        enroll(person, course)
    thread = thread_in(space, asker)
    ThreadFollow.objects.create(user=asker, thread=thread)
    ThreadFollow.objects.create(user=follower, thread=thread)
    ThreadFollow.objects.create(user=replier, thread=thread)
    ThreadFollow.objects.create(user=mentioned, thread=thread)
    ThreadFollow.objects.create(user=stranger, thread=thread)  # no longer enrolled: cannot read the space
    parent = Reply.objects.create(thread=thread, author=parent_author, body="First")
    reply = Reply.objects.create(thread=thread, author=replier, parent=parent, body="@mentioned see this")
    mention = Mention.objects.create(user=mentioned, author=replier, thread=thread, reply=reply)

    emit("reply.created", actor=replier, obj=reply, thread=thread.pk, parent=parent.pk, space=space.pk)
    emit("user.mentioned", actor=replier, obj=mention, user=mentioned.pk, thread=thread.pk, reply=reply.pk)

    assert notified(Kind.REPLY) == {asker.email, follower.email, parent_author.email}
    assert notified(Kind.MENTION) == {mentioned.email}
    n = Notification.objects.get(recipient=asker)
    assert n.actor == replier and n.data["thread"] == "Why <b>joins</b>?"
    assert n.url == handlers.thread_url(thread.pk, reply.pk) and n.url.endswith(f"#reply-{reply.pk}")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([asker.email, follower.email, parent_author.email,
                                                           mentioned.email])  # fmt: skip


def test_handlers_are_idempotent(course, space, emit):
    asker, replier = user("asker"), user("replier")
    enroll(asker, course)
    enroll(replier, course)
    thread = thread_in(space, asker)
    reply = Reply.objects.create(thread=thread, author=replier, body="Hi")
    emit("reply.created", actor=replier, obj=reply, thread=thread.pk, parent=None, space=space.pk)
    emit("reply.created", actor=replier, obj=reply, thread=thread.pk, parent=None, space=space.pk)
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_deleted_replies_notify_nobody(course, space, emit):
    asker, replier = user("asker"), user("replier")
    enroll(asker, course)
    thread = thread_in(space, asker)
    reply = Reply.objects.create(thread=thread, author=replier, body="Hi", deleted_at=timezone.now())
    emit("reply.created", actor=replier, obj=reply, thread=thread.pk, parent=None, space=space.pk)
    assert not Notification.objects.exists()


def test_preferences_are_respected(course, space, emit):
    asker, replier = user("asker"), user("replier")
    enroll(asker, course)
    Preference.objects.create(user=asker, kind=Kind.REPLY, channel=Channel.OFF)
    thread = thread_in(space, asker)
    reply = Reply.objects.create(thread=thread, author=replier, body="Hi")
    emit("reply.created", actor=replier, obj=reply, thread=thread.pk, parent=None, space=space.pk)
    assert not Notification.objects.exists() and mail.outbox == []


def test_accepted_answer_notifies_the_reply_author(course, space, emit):
    asker, answerer = user("asker"), user("answerer")
    enroll(asker, course)
    enroll(answerer, course)
    thread = thread_in(space, asker, kind=ThreadKind.QUESTION)
    reply = Reply.objects.create(thread=thread, author=answerer, body="Use an index")
    Thread.objects.filter(pk=thread.pk).update(accepted_reply=reply, accepted_by=asker, accepted_at=timezone.now())
    emit("reply.accepted", actor=asker, obj=reply, thread=thread.pk)
    n = Notification.objects.get()
    assert n.recipient == answerer and n.kind == Kind.ACCEPTED and n.actor == asker
    assert "accepted your answer" in mail.outbox[0].subject


# --- announcements ------------------------------------------------------------------------------


def test_course_announcement_reaches_active_enrollments_only(course, space, instructor, emit):
    active, revoked, expired, future, elsewhere = (user(n) for n in ("active", "revoked", "expired", "future", "else"))
    enroll(active, course)
    enroll(revoked, course, revoked_at=timezone.now())
    enroll(expired, course, access_until=timezone.now() - timedelta(days=1))
    enroll(future, course, access_until=timezone.now() + timedelta(days=30))
    enroll(elsewhere, make_course())
    enroll(instructor, course)  # the author is never notified
    thread = thread_in(space, instructor, kind=ThreadKind.ANNOUNCEMENT, title="Week 2 is live", is_pinned=True)
    emit("thread.created", actor=instructor, obj=thread, space=space.slug, space_id=space.pk,
         kind=ThreadKind.ANNOUNCEMENT, course=course.pk)  # fmt: skip
    assert notified(Kind.ANNOUNCEMENT) == {active.email, future.email}
    n = Notification.objects.filter(kind=Kind.ANNOUNCEMENT).first()
    assert n.data == {"thread": "Week 2 is live", "thread_id": thread.pk, "space": "SQL course"}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([active.email, future.email])
    emit("thread.created", actor=instructor, obj=thread, space=space.slug, space_id=space.pk,
         kind=ThreadKind.ANNOUNCEMENT, course=course.pk)  # fmt: skip
    assert Notification.objects.count() == 2


def test_discussions_and_announcements_outside_course_spaces_notify_nobody(course, space, operator, emit):
    member = user("member")
    enroll(member, course)
    discussion = thread_in(space, member)
    emit("thread.created", actor=member, obj=discussion, space=space.slug, space_id=space.pk,
         kind=ThreadKind.DISCUSSION, course=course.pk)  # fmt: skip
    paid = Space.objects.create(slug="vip", name="VIP", kind=SpaceKind.PAID)
    announcement = thread_in(paid, operator, kind=ThreadKind.ANNOUNCEMENT)
    emit("thread.created", actor=operator, obj=announcement, space=paid.slug, space_id=paid.pk,
         kind=ThreadKind.ANNOUNCEMENT, course=None)  # fmt: skip
    assert not Notification.objects.exists()


# --- study groups -------------------------------------------------------------------------------


@pytest.fixture
def group():
    owner, a, b = user("owner"), user("amy"), user("bob")
    group = StudyGroup.objects.create(name="Night owls", owner=owner, invite_code=f"code{next(_seq)}", member_count=3)
    for person in (owner, a, b):
        GroupMembership.objects.create(group=group, user=person)
    return group


def test_group_post_checkin_and_join_notify_the_other_members(group, emit):
    owner, amy, bob = (m.user for m in group.memberships.order_by("pk"))
    post = GroupPost.objects.create(group=group, author=amy, body="Hi all")
    emit("group.posted", actor=amy, obj=post, group=group.pk)
    assert notified() == {owner.email, bob.email}
    checkin = CheckIn.objects.create(group=group, user=bob, day=timezone.localdate(), minutes=40)
    emit("checkin.created", actor=bob, obj=checkin, group=group.pk, minutes=40, streak=3)
    n = Notification.objects.get(recipient=owner, data__what="checkin")
    assert n.data["minutes"] == 40 and n.url == handlers.group_url(group.pk)
    carl = user("carl")
    joined = GroupMembership.objects.create(group=group, user=carl)
    emit("group.joined", actor=carl, obj=joined, group=group.pk)
    assert Notification.objects.filter(data__what="joined").count() == 3
    assert not Notification.objects.filter(recipient=carl).exists()
    assert mail.outbox == []  # group activity is in-app unless chosen otherwise


def test_a_days_check_ins_roll_into_one_notice_per_member(group, emit):
    owner, amy, bob = (m.user for m in group.memberships.order_by("pk"))
    today = timezone.localdate()
    first = CheckIn.objects.create(group=group, user=amy, day=today, minutes=20)
    emit("checkin.created", actor=amy, obj=first, group=group.pk, minutes=20, streak=1)
    Notification.objects.filter(recipient=owner).update(read_at=timezone.now())
    second = CheckIn.objects.create(group=group, user=bob, day=today, minutes=45)
    emit("checkin.created", actor=bob, obj=second, group=group.pk, minutes=45, streak=2)
    emit("checkin.created", actor=bob, obj=second, group=group.pk, minutes=45, streak=2)  # a handler rerun

    notice = Notification.objects.get(recipient=owner)
    assert notice.data["count"] == 2 and notice.actor == bob
    assert notice.read_at is None  # news again
    assert str(notice) and "and 1 other member checked in" in _text(notice)
    # each member hears of the others only: Amy's notice counts Bob's check-in alone
    assert Notification.objects.get(recipient=amy).data["count"] == 1
    # tomorrow starts a new notice
    later = CheckIn.objects.create(group=group, user=amy, day=today + timedelta(days=1), minutes=10)
    emit("checkin.created", actor=amy, obj=later, group=group.pk, minutes=10, streak=2)
    assert Notification.objects.filter(recipient=owner).count() == 2


def _text(notification):
    from lyceum.notifications.kinds import notification_text

    return notification_text(notification)


# --- live events --------------------------------------------------------------------------------


@pytest.fixture
def live(instructor):
    starts = timezone.now() + timedelta(hours=20)
    event = LiveEvent.objects.create(slug=f"ev-{next(_seq)}", title="Indexes deep dive", starts_at=starts,
                                     ends_at=starts + timedelta(hours=1), created_by=instructor)  # fmt: skip
    event.hosts.add(instructor)
    return event


def register(event, person, status=RegistrationStatus.REGISTERED, **fields):
    return Registration.objects.create(event=event, user=person, status=status, **fields)


@pytest.mark.parametrize(("window", "phrase"), [("24h", "starts in 24 hours"), ("1h", "starts in 1 hour")])
def test_reminders_go_to_the_registrant_once_per_window(live, emit, window, phrase):
    attendee = user("attendee")
    registration = register(live, attendee)
    emit("event.reminder_due", obj=registration, event=live.pk, window=window)
    emit("event.reminder_due", obj=registration, event=live.pk, window=window)
    n = Notification.objects.get()
    assert n.recipient == attendee and n.kind == Kind.EVENT_REMINDER
    assert n.url == handlers.event_url(live.slug)
    assert len(mail.outbox) == 1 and phrase in mail.outbox[0].subject


def test_promotion_from_the_waitlist(live, emit):
    lucky = user("lucky")
    registration = register(live, lucky, promoted_at=timezone.now())
    emit("event.promoted", obj=registration, event=live.pk)
    assert "moved up from the waitlist" in mail.outbox[0].subject


def test_cancellation_reaches_registered_and_waitlisted(live, instructor, emit):
    a, b, c = user("reg"), user("wait"), user("gone")
    register(live, a)
    register(live, b, RegistrationStatus.WAITLISTED)
    register(live, c, RegistrationStatus.CANCELLED)
    LiveEvent.objects.filter(pk=live.pk).update(status=EventStatus.CANCELLED)
    emit("event.cancelled", actor=instructor, obj=live)
    assert notified() == {a.email, b.email}
    assert all("was cancelled" in m.subject for m in mail.outbox)


def test_recording_reaches_registrants(live, instructor, emit):
    a, b = user("reg"), user("wait")
    register(live, a)
    register(live, b, RegistrationStatus.WAITLISTED)
    emit("event.recording_added", actor=instructor, obj=live)
    assert notified() == {a.email}


def test_url_helpers_fall_back_to_known_paths():
    assert handlers._url("no-such:name", [1], "/fallback/1/") == "/fallback/1/"
    assert handlers.thread_url(3).startswith("/community/") and handlers.thread_url(3, 4).endswith("#reply-4")
    assert handlers.group_url(5).startswith("/groups/") and handlers.event_url("x").startswith("/events/")


# --- through the community services (the browser journey, without the browser) ----------------


def test_question_answer_accept_journey(course, instructor, django_capture_on_commit_callbacks):
    from lyceum.community.services import spaces as space_services

    asker = user("asker")
    enroll(asker, course)
    space = space_services.space_for_course(course=course)
    with django_capture_on_commit_callbacks(execute=True):
        thread = space_services.thread_create(actor=asker, space=space, title="How do I index JSON?", body="?",
                                              kind=ThreadKind.QUESTION, rate_limit=False)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        answer = space_services.reply_create(actor=instructor, thread=thread, body="Use a GIN index.",
                                             rate_limit=False)  # fmt: skip
    n = Notification.objects.get(recipient=asker)
    assert n.kind == Kind.REPLY and n.actor == instructor and n.url.endswith(f"#reply-{answer.pk}")
    assert [m.to for m in mail.outbox] == [[asker.email]]
    with django_capture_on_commit_callbacks(execute=True):
        space_services.reply_accept(actor=asker, reply=answer)
    accepted = Notification.objects.get(recipient=instructor)
    assert accepted.kind == Kind.ACCEPTED and accepted.actor == asker
    assert not Notification.objects.filter(recipient=asker, kind=Kind.ACCEPTED).exists()

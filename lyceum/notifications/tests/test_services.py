from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail, signing
from django.utils import timezone

from conftest import make_user
from lyceum.accounts.services import user_erase
from lyceum.core.errors import NotFound, ValidationFailed
from lyceum.core.models import Event
from lyceum.notifications import selectors, services
from lyceum.notifications.models import Channel, DeliverySettings, Kind, Notification, Preference

from .helpers import make_notification, send

pytestmark = pytest.mark.django_db


# --- notify: channels ---------------------------------------------------------------------------


def test_default_channel_makes_a_row_and_mails_it_after_commit(learner, outsider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        n = send(learner, actor=outsider, data={"thread": "Why <b>SQL</b>?", "thread_id": 1}, url="/community/t/1/")
        assert mail.outbox == []  # nothing before commit
    assert n is not None and n.email_due and n.recipient == learner and n.actor == outsider
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [learner.email]
    assert message.subject == "[Lyceum] Otto Outsider replied to “Why <b>SQL</b>?”"
    html = message.alternatives[0][0]
    assert "Why &lt;b&gt;SQL&lt;/b&gt;?" in html and "<b>SQL</b>" not in html
    assert f"/notifications/{n.pk}/open/" in message.body
    n.refresh_from_db()
    assert n.emailed_at is not None
    assert Event.objects.filter(name="notification.emailed").count() == 1


def test_every_email_has_a_one_click_unsubscribe_link_and_headers(
    learner, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(learner, actor=outsider, kind=Kind.MENTION)
    message = mail.outbox[0]
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<http://") and header.endswith(">")
    url = header[1:-1]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.body and url in message.alternatives[0][0].replace("&amp;", "&")
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert signing.loads(token, salt=services.UNSUBSCRIBE_SALT) == [learner.pk, "mention"]


@pytest.mark.parametrize(
    ("channel", "rows", "mails"), [(Channel.EMAIL, 1, 1), (Channel.IN_APP, 1, 0), (Channel.OFF, 0, 0)]
)
def test_the_recipients_channel_decides(learner, outsider, channel, rows, mails, django_capture_on_commit_callbacks):
    Preference.objects.create(user=learner, kind=Kind.REPLY, channel=channel)
    with django_capture_on_commit_callbacks(execute=True):
        result = send(learner, actor=outsider)
    assert Notification.objects.filter(recipient=learner).count() == rows
    assert (result is None) == (rows == 0)
    assert len(mail.outbox) == mails


def test_group_activity_is_in_app_only_by_default(learner, outsider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        n = send(learner, actor=outsider, kind=Kind.GROUP_ACTIVITY, data={"group": "G", "what": "posted"})
    assert n is not None and not n.email_due
    assert mail.outbox == []


def test_the_actor_is_never_notified_of_their_own_action(learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert send(learner, actor=learner) is None
    assert not Notification.objects.exists() and mail.outbox == []


def test_inactive_and_erased_members_get_nothing(learner, outsider, django_capture_on_commit_callbacks):
    gone = make_user("gone@example.org")
    user_erase(actor=gone, user=gone)
    outsider.is_active = False
    outsider.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=True):
        assert send(gone, actor=learner) is None
        assert send(outsider, actor=learner) is None
    assert not Notification.objects.exists() and mail.outbox == []


def test_notify_is_idempotent_by_dedupe_key(learner, outsider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = send(learner, actor=outsider, key="reply:7")
    with django_capture_on_commit_callbacks(execute=True):
        again = send(learner, actor=outsider, key="reply:7")
    assert first is not None and again is not None and again.pk == first.pk
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_bad_input_is_refused(learner):
    with pytest.raises(ValidationFailed) as exc:
        send(learner, kind="gossip")
    assert exc.value.field == "kind"
    with pytest.raises(ValidationFailed) as exc:
        send(learner, url="https://evil.example/")
    assert exc.value.field == "url"
    assert not Notification.objects.exists()


@pytest.mark.parametrize(("days", "unread"), [(3, True), (8, False)])
def test_a_backdated_happening_is_shown_but_not_mailed(learner, outsider, days, unread,
                                                       django_capture_on_commit_callbacks):  # fmt: skip
    at = timezone.now() - timedelta(days=days)
    with django_capture_on_commit_callbacks(execute=True):
        n = send(learner, actor=outsider, at=at)
    assert n is not None and not n.email_due and mail.outbox == []
    assert n.created_at == at and (n.read_at is None) == unread


def test_a_failed_send_is_left_for_the_catch_up_run(learner, outsider, django_capture_on_commit_callbacks):
    failing = mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("smtp down"))
    with failing, django_capture_on_commit_callbacks(execute=True):
        n = send(learner, actor=outsider)
    n.refresh_from_db()
    assert n.email_due and n.emailed_at is None and mail.outbox == []
    assert services.digest_send(now=timezone.now()) == 0  # too fresh to be a straggler
    assert services.digest_send(now=timezone.now() + timedelta(hours=2)) == 1
    n.refresh_from_db()
    assert n.emailed_at is not None and len(mail.outbox) == 1


# --- e-mail language ----------------------------------------------------------------------------


@pytest.mark.parametrize(("locale", "lang"), [("zh-hans", "zh-hans"), ("en", "en"), ("", "en")])
def test_email_is_rendered_in_the_recipients_language(outsider, locale, lang, django_capture_on_commit_callbacks):
    member = make_user("zh@example.org", locale=locale)
    with django_capture_on_commit_callbacks(execute=True):
        send(member, actor=outsider)
    message = mail.outbox[0]
    assert f'<html lang="{lang}">' in message.alternatives[0][0]
    # "Hello {{ name }}," is already in the zh-hans catalog (the receipts use it)
    assert ("你好" in message.body) == (lang == "zh-hans")


def test_email_language_does_not_leak_into_the_request(outsider, django_capture_on_commit_callbacks):
    from django.utils import translation

    member = make_user("zh2@example.org", locale="zh-hans")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        send(member, actor=outsider)
        assert translation.get_language() == "en"


# --- fan-out ------------------------------------------------------------------------------------


def test_notify_many_fans_out_once_with_preferences(learner, outsider, instructor, django_capture_on_commit_callbacks):
    quiet = make_user("quiet@example.org")
    inapp = make_user("inapp@example.org")
    digest = make_user("digest@example.org")
    erased = make_user("erased@example.org")
    user_erase(actor=erased, user=erased)
    Preference.objects.create(user=quiet, kind=Kind.ANNOUNCEMENT, channel=Channel.OFF)
    Preference.objects.create(user=inapp, kind=Kind.ANNOUNCEMENT, channel=Channel.IN_APP)
    DeliverySettings.objects.create(user=digest, daily_digest=True)
    ids = [learner.pk, outsider.pk, instructor.pk, quiet.pk, inapp.pk, digest.pk, erased.pk]
    kwargs = {"kind": Kind.ANNOUNCEMENT, "actor": instructor, "url": "/community/t/9/", "dedupe_key": "announcement:9",
              "data": {"space": "SQL", "thread": "Welcome"}}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        created = services.notify_many(recipient_ids=ids, **kwargs)
    assert created == 4
    got = set(Notification.objects.values_list("recipient__email", flat=True))
    assert got == {learner.email, outsider.email, inapp.email, digest.email}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([learner.email, outsider.email])
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify_many(recipient_ids=ids, **kwargs) == 0
    assert Notification.objects.count() == 4 and len(mail.outbox) == 2


def test_notify_many_handles_many_recipients_in_chunks(outsider, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "FAN_OUT_CHUNK", 3)
    members = [make_user(f"m{i}@example.org") for i in range(7)]
    with django_capture_on_commit_callbacks(execute=True):
        created = services.notify_many(
            recipient_ids=(m.pk for m in members), kind=Kind.GROUP_ACTIVITY, actor=outsider, url="/groups/1/",
            dedupe_key="group_post:1", data={"group": "G", "what": "posted"},
        )  # fmt: skip
    assert created == 7 and Notification.objects.count() == 7


# --- digest -------------------------------------------------------------------------------------


def test_digest_members_get_one_email_a_day(learner, outsider, django_capture_on_commit_callbacks):
    DeliverySettings.objects.create(user=learner, daily_digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        a = send(learner, actor=outsider, data={"thread": "First", "thread_id": 1})
        b = send(learner, actor=outsider, kind=Kind.MENTION, data={"thread": "Second", "thread_id": 2})
    assert mail.outbox == []  # nothing right away
    now = timezone.now()
    assert services.digest_send(now=now) == 1
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert "2 new notifications" in digest.subject
    assert "First" in digest.body and "Second" in digest.body
    assert f"/notifications/{a.pk}/open/" in digest.body and f"/notifications/{b.pk}/open/" in digest.body
    assert "/notifications/unsubscribe/" in digest.body
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0
    assert Event.objects.filter(name="digest.sent").count() == 1
    # the same day again: nothing, even with something new
    with django_capture_on_commit_callbacks(execute=True):
        send(learner, actor=outsider)
    assert services.digest_send(now=now + timedelta(minutes=5)) == 0
    assert len(mail.outbox) == 1
    # the next day: the new one
    assert services.digest_send(now=now + timedelta(days=1)) == 1
    assert len(mail.outbox) == 2


def test_digest_skips_kinds_no_longer_mailed_and_members_with_nothing(learner, outsider,
                                                                      django_capture_on_commit_callbacks):  # fmt: skip
    DeliverySettings.objects.create(user=learner, daily_digest=True)
    DeliverySettings.objects.create(user=outsider, daily_digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        send(learner, actor=outsider)
    Preference.objects.create(user=learner, kind=Kind.REPLY, channel=Channel.IN_APP)
    assert services.digest_send(now=timezone.now()) == 0
    assert mail.outbox == []
    assert Notification.objects.get().email_due is False


# --- reading ------------------------------------------------------------------------------------


def test_mark_read_own_only(learner, outsider):
    mine = make_notification(learner)
    theirs = make_notification(outsider)
    assert services.notification_mark_read(actor=learner, notification_id=mine.pk).read_at is not None
    with pytest.raises(NotFound):
        services.notification_mark_read(actor=learner, notification_id=theirs.pk)
    theirs.refresh_from_db()
    assert theirs.read_at is None
    services.notification_mark_read(actor=learner, notification_id=mine.pk)  # again: no second event
    assert Event.objects.filter(name="notification.read").count() == 1


def test_mark_all_read_touches_only_mine(learner, outsider):
    make_notification(learner)
    make_notification(learner)
    make_notification(outsider)
    assert services.notifications_mark_all_read(actor=learner) == 2
    assert services.notifications_mark_all_read(actor=learner) == 0
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    assert Event.objects.filter(name="notification.read_all").count() == 1


# --- preferences and unsubscribe ----------------------------------------------------------------


def test_preferences_save(learner):
    channels = services.preferences_save(actor=learner, channels={"reply": "off", "mention": "in_app"},
                                         daily_digest=True)  # fmt: skip
    assert channels["reply"] == "off" and channels["mention"] == "in_app" and channels["accepted"] == "email"
    assert DeliverySettings.objects.get(user=learner).daily_digest is True
    assert Event.objects.filter(name="notification.preferences_updated").count() == 1


@pytest.mark.parametrize(("channels", "field"), [({"gossip": "off"}, "gossip"), ({"reply": "sms"}, "reply")])
def test_preferences_refuse_unknown_kinds_and_channels(learner, channels, field):
    with pytest.raises(ValidationFailed) as exc:
        services.preferences_save(actor=learner, channels=channels, daily_digest=False)
    assert exc.value.field == field
    assert not Preference.objects.exists() and not DeliverySettings.objects.exists()


def test_unsubscribe_stops_email_for_the_kind_and_keeps_the_in_app_notice(learner, outsider):
    pending = make_notification(learner, kind=Kind.REPLY, email_due=True)
    token = services.unsubscribe_token(user_id=learner.pk, kind=Kind.REPLY)
    result = services.unsubscribe(token=token)
    assert result.user == learner and result.kinds == ["reply"] and result.changed
    assert Preference.objects.get(user=learner, kind=Kind.REPLY).channel == Channel.IN_APP
    assert not Preference.objects.filter(user=learner, kind=Kind.MENTION).exists()
    pending.refresh_from_db()
    assert pending.email_due is False
    assert services.unsubscribe(token=token).changed is False  # idempotent
    assert Event.objects.filter(name="notification.unsubscribed").count() == 1


def test_unsubscribe_all_keeps_off_kinds_off(learner):
    Preference.objects.create(user=learner, kind=Kind.REPLY, channel=Channel.OFF)
    services.unsubscribe(token=services.unsubscribe_token(user_id=learner.pk, kind="all"))
    prefs = selectors.channels_for_user(user_id=learner.pk)
    assert prefs == {k: ("off" if k == "reply" else "in_app") for k in Kind.values}


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        signing.dumps([1, "reply"], salt="another.salt"),
        signing.dumps({"u": 1}, salt=services.UNSUBSCRIBE_SALT),
        signing.dumps([1, "gossip"], salt=services.UNSUBSCRIBE_SALT),
        signing.dumps([999999, "reply"], salt=services.UNSUBSCRIBE_SALT),
    ],
)
def test_forged_or_stale_unsubscribe_tokens_are_refused(learner, token):
    with pytest.raises(ValidationFailed) as exc:
        services.unsubscribe(token=token)
    assert exc.value.code == "bad_token"
    assert not Preference.objects.exists()


def test_a_token_cannot_be_retargeted(learner, outsider):
    token = services.unsubscribe_token(user_id=learner.pk, kind=Kind.REPLY)
    _payload, signature = token.rsplit(":", 1)
    forged = signing.dumps([outsider.pk, "reply"], salt=services.UNSUBSCRIBE_SALT).rsplit(":", 1)[0] + ":" + signature
    with pytest.raises(ValidationFailed):
        services.unsubscribe(token=forged)
    assert not Preference.objects.exists()


def test_with_a_broker_the_email_goes_to_a_celery_task(learner, outsider, settings, django_capture_on_commit_callbacks):
    settings.CELERY_BROKER_URL = "memory://"
    patched = mock.patch("lyceum.notifications.tasks.email_send_pending_task.delay")
    with patched as delay, django_capture_on_commit_callbacks(execute=True):
        n = send(learner, actor=outsider)
    delay.assert_called_once_with(notification_ids=[n.pk], dedupe_key=None)
    assert mail.outbox == []
    from lyceum.notifications.tasks import email_send_pending_task

    assert email_send_pending_task.run(notification_ids=[n.pk]) == 1  # what the worker runs
    assert email_send_pending_task.run(notification_ids=[n.pk]) == 0  # a retry mails nothing twice
    assert len(mail.outbox) == 1


def test_erasing_an_account_removes_its_notifications_and_choices(learner, outsider,
                                                                  django_capture_on_commit_callbacks):  # fmt: skip
    make_notification(learner, actor=outsider)
    theirs = make_notification(outsider, actor=learner)
    Preference.objects.create(user=learner, kind=Kind.REPLY, channel=Channel.OFF)
    DeliverySettings.objects.create(user=learner, daily_digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        user_erase(actor=learner, user=learner)
    assert list(Notification.objects.all()) == [theirs]
    assert not Preference.objects.exists() and not DeliverySettings.objects.exists()

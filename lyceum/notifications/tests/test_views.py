from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from lyceum.core.models import Event
from lyceum.notifications import services
from lyceum.notifications.models import DEFAULT_CHANNELS, Channel, DeliverySettings, Kind, Notification, Preference

from .helpers import make_notification, send

pytestmark = pytest.mark.django_db

LIST = reverse("notifications:list")
PREFS = reverse("notifications:preferences")


# --- the notification centre --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", [LIST, PREFS, reverse("notifications:open", args=[1]), reverse("notifications:read-all")]
)
def test_pages_need_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_list_shows_my_notifications_newest_first_unread_highlighted(client_for, learner, outsider):
    old = make_notification(learner, actor=outsider, data={"thread": "Old <script>x</script>"})
    services.notification_mark_read(actor=learner, notification_id=old.pk)
    new = make_notification(learner, actor=outsider, kind=Kind.MENTION, data={"thread": "New one"})
    make_notification(outsider, data={"thread": "Not for you"})
    html = client_for(learner).get(LIST).content.decode()
    assert "Otto Outsider mentioned you in “New one”" in html
    assert html.index("New one") < html.index("Old ")
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x" not in html
    assert "Not for you" not in html
    assert html.count("notif-item notif-unread") == 1
    assert reverse("notifications:open", args=[new.pk]) in html
    assert "data-notif-count>1<" in html


def test_list_paginates(client_for, learner):
    for _ in range(25):
        make_notification(learner)
    client = client_for(learner)
    assert client.get(LIST).content.decode().count('class="notif-item') == 20
    assert client.get(LIST + "?page=2").content.decode().count('class="notif-item') == 5
    assert client.get(LIST + "?page=99").status_code == 200


def test_list_query_count_does_not_grow(client_for, learner, outsider, instructor, django_assert_num_queries):
    client = client_for(learner)
    make_notification(learner, actor=outsider)
    client.get(LIST)  # warm up sessions and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    for i in range(19):
        make_notification(learner, actor=outsider if i % 2 else instructor, kind=Kind.values[i % len(Kind.values)])
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(LIST).status_code == 200
    assert len(few.captured_queries) <= 7


def test_open_marks_read_and_redirects_to_the_target(client_for, learner):
    n = make_notification(learner, url="/community/t/5/#reply-9")
    response = client_for(learner).get(reverse("notifications:open", args=[n.pk]))
    assert response.status_code == 302 and response["Location"] == "/community/t/5/#reply-9"
    n.refresh_from_db()
    assert n.read_at is not None


def test_open_another_members_notification_is_404_and_changes_nothing(client_for, learner, outsider):
    theirs = make_notification(outsider)
    response = client_for(learner).get(reverse("notifications:open", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert not Event.objects.filter(name="notification.read").exists()


@pytest.mark.parametrize("url", ["//evil.example/x", "https://evil.example/", ""])
def test_open_never_redirects_off_site(client_for, learner, url):
    n = make_notification(learner, url=url)
    response = client_for(learner).get(reverse("notifications:open", args=[n.pk]))
    assert response.status_code == 302 and response["Location"] == LIST


def test_read_all_is_post_only(client_for, learner):
    make_notification(learner)
    make_notification(learner)
    client = client_for(learner)
    assert client.get(reverse("notifications:read-all")).status_code == 405
    assert Notification.objects.filter(read_at__isnull=True).count() == 2
    response = client.post(reverse("notifications:read-all"))
    assert response.status_code == 302 and response["Location"] == LIST
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_unread_count_json(client, client_for, learner, outsider):
    make_notification(learner)
    make_notification(outsider)
    response = client_for(learner).get(reverse("notifications:unread-count"))
    assert response.status_code == 200 and response.json() == {"unread": 1}
    anonymous = client.get(reverse("notifications:unread-count"))
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"


# --- preferences --------------------------------------------------------------------------------


def test_preferences_page_shows_a_table_of_kinds_and_channels(client_for, learner):
    Preference.objects.create(user=learner, kind=Kind.REPLY, channel=Channel.OFF)
    html = client_for(learner).get(PREFS).content.decode()
    for kind in Kind:
        assert str(kind.label) in html
    assert html.count('type="radio"') == len(Kind) * len(Channel)
    assert re.search(r'name="reply" value="off"[^>]*checked', html)
    assert re.search(r'name="group_activity" value="in_app"[^>]*checked', html)
    assert 'name="daily_digest"' in html


def test_preferences_save(client_for, learner):
    data = dict.fromkeys(Kind.values, "email") | {"mention": "off", "daily_digest": "on"}
    response = client_for(learner).post(PREFS, data)
    assert response.status_code == 302 and response["Location"] == PREFS
    assert Preference.objects.get(user=learner, kind="mention").channel == "off"
    assert DeliverySettings.objects.get(user=learner).daily_digest is True


def test_preferences_bad_input_is_a_form_error_and_changes_nothing(client_for, learner):
    data = dict.fromkeys(Kind.values, "email") | {"reply": "pigeon"}
    response = client_for(learner).post(PREFS, data)
    assert response.status_code == 200
    assert response.context["form"].errors["reply"]
    assert not Preference.objects.exists() and not DeliverySettings.objects.exists()


# --- one-click unsubscribe ----------------------------------------------------------------------


def _token(user, kind="reply"):
    return services.unsubscribe_token(user_id=user.pk, kind=kind)


def test_unsubscribe_by_get_applies_without_sign_in(client, learner):
    response = client.get(reverse("notifications:unsubscribe", args=[_token(learner)]))
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert str(Kind.REPLY.label) in response.content.decode()
    assert Preference.objects.get(user=learner, kind="reply").channel == Channel.IN_APP
    assert response["Referrer-Policy"] == "no-referrer"


def test_unsubscribe_one_click_post_needs_no_csrf_token(learner):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("notifications:unsubscribe", args=[_token(learner, "all")]), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    # every kind mailed by default is now in-app only (group activity and feedback already were)
    mailed_by_default = {kind for kind, channel in DEFAULT_CHANNELS.items() if channel == Channel.EMAIL}
    assert set(Preference.objects.filter(user=learner, channel=Channel.IN_APP).values_list("kind", flat=True)) == {
        str(kind) for kind in mailed_by_default
    }
    assert len(mailed_by_default) == 7  # reply, mention, accepted, events, announcements, offers, moderation


@pytest.mark.parametrize("token", ["forged", "WzEsInJlcGx5Il0:forgedsignature"])
def test_forged_unsubscribe_link_is_a_clear_error_not_a_500(client, learner, token):
    response = client.post(reverse("notifications:unsubscribe", args=[token]))
    assert response.status_code == 400
    assert "This unsubscribe link is not valid" in response.content.decode()
    assert not Preference.objects.exists()


def test_the_link_in_an_email_unsubscribes(client, learner, outsider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(learner, actor=outsider, kind=Kind.ACCEPTED)
    match = re.search(r"http://[^/\s]+(/notifications/unsubscribe/[^\s/]+/)", mail.outbox[0].body)
    assert match
    assert client.get(match.group(1)).status_code == 200
    assert Preference.objects.get(user=learner, kind="accepted").channel == Channel.IN_APP
    with django_capture_on_commit_callbacks(execute=True):
        send(learner, actor=outsider, kind=Kind.ACCEPTED)
    assert len(mail.outbox) == 1  # no more e-mail of that kind
    assert Notification.objects.filter(recipient=learner, kind="accepted").count() == 2  # still in-app


def test_open_with_an_absurd_id_is_404_not_500(client_for, learner):
    response = client_for(learner).get(reverse("notifications:open", args=[10**25]))
    assert response.status_code == 404

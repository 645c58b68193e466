"""The provider behind the community's real services (the apps act on the verdict)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import make_user
from lyceum.community.models import HiddenReason, Thread
from lyceum.community.tests.spaces_helpers import global_space, make_thread
from lyceum.core.errors import PermissionDenied
from lyceum.moderation.detection import limits
from lyceum.moderation.models import Sanction

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(monkeypatch):
    monkeypatch.setattr(limits, "trust_level", lambda user: 2)
    return make_user("member@example.org", joined_at=timezone.now() - timedelta(days=90))


def test_a_spam_thread_is_stored_out_of_sight_and_an_ordinary_one_shown(member):
    spam = make_thread(member, global_space(), title="免费资料", body="全套考研资料免费领，加微信 kaoyan_666 备注资料")
    normal = make_thread(
        member, global_space(), title="装饰器", body="第三课讲的装饰器我还是没太懂，为什么要在函数里面再定义一个函数？"
    )

    spam.refresh_from_db()
    normal.refresh_from_db()
    assert spam.hidden_at is not None and spam.hidden_reason == HiddenReason.HELD
    assert normal.hidden_at is None


def test_a_muted_member_cannot_start_a_thread_and_nothing_is_stored(member):
    Sanction.objects.create(user=member, kind="mute", reason="spam", ends_at=timezone.now() + timedelta(hours=3))

    with pytest.raises(PermissionDenied) as caught:
        make_thread(member, global_space(), title="Hello", body="A question about lesson 3")

    assert caught.value.code == "muted"
    assert not Thread.objects.filter(author=member).exists()

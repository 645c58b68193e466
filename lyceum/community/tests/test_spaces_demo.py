"""The community spaces demo: runs after the other demos, is deterministic and idempotent."""

from __future__ import annotations

import io
import random

import pytest
from django.utils import timezone

from lyceum.community.models import Reply, Space, SpaceKind, Thread, ThreadKind, Vote

pytestmark = pytest.mark.django_db


class _Ctx:
    def __init__(self) -> None:
        self.users = 30
        self.rng = random.Random(7)
        self.now = timezone.now()
        self.stdout = io.StringIO()
        self.style = None
        self.data: dict = {}

    def progress(self, iterable, desc="", total=None):
        return iterable


def _run_all() -> None:
    from lyceum.accounts import demo as accounts_demo
    from lyceum.commerce import demo as commerce_demo
    from lyceum.community import demo_spaces
    from lyceum.courses import demo as courses_demo
    from lyceum.learning import demo as learning_demo

    for module in (accounts_demo, courses_demo, learning_demo, commerce_demo, demo_spaces):
        module.seed(_Ctx())


def test_demo_fills_spaces_and_is_idempotent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _run_all()
    assert Space.objects.filter(kind=SpaceKind.GLOBAL, slug="general").exists()
    assert Space.objects.filter(kind=SpaceKind.COURSE).count() >= 5
    paid = Space.objects.get(slug="pro-lounge")
    assert paid.kind == SpaceKind.PAID and paid.access_plans == ["membership-monthly", "membership-yearly"]
    threads = Thread.objects.count()
    assert threads >= 15
    questions = Thread.objects.filter(kind=ThreadKind.QUESTION)
    assert questions.filter(accepted_reply__isnull=False).exists()
    assert questions.filter(accepted_reply__isnull=True).exists()
    assert Thread.objects.filter(title__regex=r"[\u4e00-\u9fff]").exists()
    assert Thread.objects.filter(title__regex=r"^[A-Za-z]").exists()
    assert Reply.objects.exists() and Vote.objects.exists()
    assert Thread.objects.filter(kind=ThreadKind.ANNOUNCEMENT, is_pinned=True).exists()
    counts = (Thread.objects.count(), Reply.objects.count(), Vote.objects.count())
    from lyceum.community import demo_spaces

    demo_spaces.seed(_Ctx())
    assert (Thread.objects.count(), Reply.objects.count(), Vote.objects.count()) == counts
    for thread in Thread.objects.all():
        assert thread.reply_count == thread.replies.filter(deleted_at__isnull=True).count()
        assert thread.score == thread.votes.count()

"""The moderation demo: rules, held and reported spam, a resolved history, an open appeal and a
copyright complaint; a rerun changes nothing."""

from __future__ import annotations

import io
import random

import pytest
from django.utils import timezone

from lyceum.moderation.models import (
    Action,
    ActionKind,
    Appeal,
    AppealStatus,
    Case,
    CommunityRules,
    RulesAcceptance,
    Sanction,
    SanctionKind,
    TakedownRequest,
)

from .workflow_helpers import screening_off

pytestmark = pytest.mark.django_db


class _Ctx:
    def __init__(self) -> None:
        self.users = 20
        self.rng = random.Random(7)
        self.now = timezone.now()
        self.stdout = io.StringIO()
        self.style = None
        self.data: dict = {}

    def progress(self, iterable, desc="", total=None):
        return iterable


def _counts() -> tuple[int, ...]:
    return (
        CommunityRules.objects.count(), RulesAcceptance.objects.count(), Case.objects.count(),
        Action.objects.count(), Appeal.objects.count(), Sanction.objects.count(), TakedownRequest.objects.count(),
    )  # fmt: skip


def test_the_demo_tells_the_moderation_story_and_is_idempotent(monkeypatch, django_capture_on_commit_callbacks):
    from lyceum.accounts import demo as accounts_demo
    from lyceum.commerce import demo as commerce_demo
    from lyceum.community import demo_spaces
    from lyceum.courses import demo as courses_demo
    from lyceum.learning import demo as learning_demo
    from lyceum.moderation import demo

    with django_capture_on_commit_callbacks(execute=True):
        with monkeypatch.context() as quiet:  # the earlier demos are not under test here
            screening_off(quiet)
            for module in (accounts_demo, courses_demo, learning_demo, commerce_demo, demo_spaces):
                module.seed(_Ctx())
        demo.seed(_Ctx())

    rules = CommunityRules.objects.get()
    assert "社区规范" in rules.body_zh and "Community rules" in rules.body_en
    assert RulesAcceptance.objects.filter(version=1).count() >= 10
    kinds = set(Action.objects.values_list("kind", flat=True))
    assert {ActionKind.APPROVE, ActionKind.HIDE, ActionKind.WARN, ActionKind.MUTE} <= kinds
    assert ActionKind.AUTO_HIDE in kinds or ActionKind.HOLD in kinds
    mute = Sanction.objects.get(kind=SanctionKind.MUTE)
    assert (mute.ends_at - mute.starts_at).days == 3
    assert Appeal.objects.get().status == AppealStatus.OPEN
    assert TakedownRequest.objects.get().target_kind == "lesson"
    counts = _counts()

    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(_Ctx())

    assert _counts() == counts

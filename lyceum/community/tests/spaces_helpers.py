"""Builders for spaces, threads and replies (test data only)."""

from __future__ import annotations

import itertools
from typing import Any

from lyceum.community.models import Space, SpaceKind, Thread
from lyceum.community.services import spaces as services
from lyceum.learning.models import Enrollment

_seq = itertools.count(1)


def global_space() -> Space:
    """The global space its migration creates (again after a transactional test flushed the tables)."""
    space, _created = Space.objects.get_or_create(
        slug="general", defaults={"name": "Community", "kind": SpaceKind.GLOBAL, "description": "Everyone"}
    )
    return space


def make_space(*, kind: str = SpaceKind.PAID, course: Any = None, access_plans: list[str] | None = None,
               access_courses: list[Any] | None = None, **fields: Any) -> Space:  # fmt: skip
    n = next(_seq)
    space = Space.objects.create(
        slug=fields.pop("slug", f"space-{n}"),
        name=fields.pop("name", f"Space {n}"),
        kind=kind,
        course=course,
        access_plans=access_plans or [],
        **fields,
    )
    if access_courses:
        space.access_courses.set(access_courses)
    return space


def enroll(user: Any, course: Any) -> Enrollment:
    return Enrollment.objects.create(user=user, course=course, source="free")


def make_thread(author: Any, space: Space | None = None, **fields: Any) -> Thread:
    n = next(_seq)
    fields.setdefault("title", f"Thread {n}")
    fields.setdefault("body", f"Body of thread {n}")
    return services.thread_create(actor=author, space=space or global_space(), rate_limit=False, **fields)


def make_reply(author: Any, thread: Thread, body: str = "", **fields: Any) -> Any:
    return services.reply_create(actor=author, thread=thread, body=body or "A reply", rate_limit=False, **fields)


def make_membership(user: Any, plan_slug: str = "pro-monthly", *, days: int = 30) -> Any:
    """A live membership of ``plan_slug`` (commerce rows made by name: community never imports commerce)."""
    from datetime import timedelta

    from django.apps import apps
    from django.utils import timezone

    from lyceum.community import access

    product_model = apps.get_model("commerce", "Product")
    membership_model = apps.get_model("commerce", "Membership")
    plan, _created = product_model.objects.get_or_create(
        slug=plan_slug,
        defaults={"kind": "membership", "title": plan_slug, "billing_period": "month", "list_price": 9900},
    )
    now = timezone.now()
    membership = membership_model.objects.create(
        user=user, plan=plan, started_at=now, current_period_end=now + timedelta(days=days)
    )
    access.forget(user)
    return membership

"""Reads for the moderation pages: the queue with its context, one case, the log, a member's
notices, appeals, takedown requests and the spam filter's metrics.

A queue page costs a fixed number of queries whatever its length: targets load per kind,
authors' trust levels, post counts and history in one query each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q

from lyceum.accounts.models import User
from lyceum.core.markdown import render_markdown
from lyceum.engagement.selectors import trust_levels

from .models import (
    Action,
    ActionKind,
    Appeal,
    AppealStatus,
    Case,
    CaseSource,
    CaseStatus,
    Report,
    Sanction,
    SpamModel,
    TakedownRequest,
    TargetKind,
)
from .targets import Target, author_post_counts, targets_get_many

QUEUE_PER_PAGE = 20
LOG_PER_PAGE = 50


@dataclass
class AuthorContext:
    user: User
    trust: int = 0
    posts: int = 0
    sanctions: list[Sanction] = field(default_factory=list)
    actions: int = 0  # earlier decisions about them (by moderators)


@dataclass
class CaseRow:
    case: Case
    target: Target | None
    author: AuthorContext | None
    reports: list[Report]
    html: str  # the snapshot, sanitised

    @property
    def signals(self) -> list[dict[str, Any]]:
        return [s for s in (self.case.detector_signals or []) if isinstance(s, dict)]


def author_contexts(users: list[User]) -> dict[int, AuthorContext]:
    ids = {u.pk for u in users}
    if not ids:
        return {}
    trust = trust_levels(ids)
    posts = author_post_counts(ids)
    contexts = {u.pk: AuthorContext(user=u, trust=trust.get(u.pk, 0), posts=posts.get(u.pk, 0)) for u in users}
    for sanction in Sanction.objects.filter(user_id__in=ids).order_by("-starts_at"):
        contexts[sanction.user_id].sanctions.append(sanction)
    counted = (
        Action.objects.filter(subject_id__in=ids, moderator__isnull=False)
        .exclude(kind__in=[ActionKind.APPROVE, ActionKind.UNHIDE, ActionKind.LIFT, ActionKind.RESTORE])
        .values("subject_id")
        .annotate(n=Count("id"))
    )
    for row in counted:
        contexts[row["subject_id"]].actions = row["n"]
    return contexts


def _rows(cases: list[Case]) -> list[CaseRow]:
    targets = targets_get_many((c.target_kind, c.target_id) for c in cases)
    authors = author_contexts(list({c.author.pk: c.author for c in cases if c.author is not None}.values()))
    return [
        CaseRow(
            case=c,
            target=targets.get((c.target_kind, c.target_id)),
            author=authors.get(c.author_id) if c.author_id else None,
            reports=list(c.reports.all()),
            html=str(render_markdown(c.text[:4000])),
        )
        for c in cases
    ]


def _cases() -> Any:
    return Case.objects.select_related("author").prefetch_related(
        Prefetch("reports", queryset=Report.objects.select_related("reporter").order_by("created_at"))
    )


def clean_queue_filters(*, source: str = "", kind: str = "", held: str = "") -> dict[str, Any]:
    """Unknown values fall back to "all" (a filter never errors)."""
    return {
        "source": source if source in CaseSource.values else "",
        "kind": kind if kind in TargetKind.values else "",
        "held": held in ("1", "on", "true"),
    }


def queue_page(*, source: str = "", kind: str = "", held: bool = False, page: Any = 1) -> tuple[Page, list[CaseRow]]:
    """Open cases, oldest held ones first, then the newest."""
    cases = _cases().filter(status=CaseStatus.OPEN)
    if source:
        cases = cases.filter(source=source)
    if kind:
        cases = cases.filter(target_kind=kind)
    if held:
        cases = cases.filter(held=True)
    paginated = Paginator(cases.order_by("-held", "-report_weight", "-opened_at", "-id"), QUEUE_PER_PAGE)
    current = paginated.get_page(page)
    return current, _rows(list(current.object_list))


def queue_counts() -> dict[str, int]:
    counts = Case.objects.filter(status=CaseStatus.OPEN).aggregate(
        open=Count("id"), held=Count("id", filter=Q(held=True))
    )
    return {k: int(v or 0) for k, v in counts.items()}


def case_row(*, case_id: int) -> CaseRow | None:
    case = _cases().filter(pk=case_id).first()
    if case is None:
        return None
    return _rows([case])[0]


def case_history(*, case: Case) -> list[Action]:
    return list(Action.objects.filter(case=case).select_related("moderator").order_by("created_at", "id"))


def member_history(*, user_id: int, limit: int = 10) -> list[Action]:
    return list(Action.objects.filter(subject_id=user_id).select_related("moderator").order_by("-created_at")[:limit])


def log_page(*, moderator_id: int | None = None, member_id: int | None = None, kind: str = "", page: Any = 1) -> Page:
    actions = Action.objects.select_related("moderator", "subject", "case")
    if moderator_id:
        actions = actions.filter(moderator_id=moderator_id)
    if member_id:
        actions = actions.filter(subject_id=member_id)
    if kind in ActionKind.values:
        actions = actions.filter(kind=kind)
    return Paginator(actions.order_by("-created_at", "-id"), LOG_PER_PAGE).get_page(page)


def log_moderators() -> list[User]:
    ids = Action.objects.filter(moderator__isnull=False).values("moderator_id").distinct()
    return list(User.objects.filter(pk__in=ids).order_by("display_name", "email"))


def member_notices(*, user: Any) -> list[Action]:
    """Decisions concerning ``user``, newest first, with their appeal (if any)."""
    return list(
        Action.objects.filter(subject_id=user.pk)
        .exclude(kind__in=[ActionKind.APPROVE])
        .select_related("appeal")
        .order_by("-created_at", "-id")[:100]
    )


def my_reports(*, user: Any, limit: int = 20) -> list[Report]:
    """What ``user`` reported, newest first, with the case's outcome."""
    return list(Report.objects.filter(reporter_id=user.pk).select_related("case").order_by("-created_at")[:limit])


def active_sanctions(*, user: Any) -> list[Sanction]:
    return list(Sanction.objects.filter(user_id=user.pk, lifted_at__isnull=True).order_by("-starts_at"))


def appeals_page(*, status: str = AppealStatus.OPEN, page: Any = 1) -> Page:
    appeals = Appeal.objects.select_related("action", "action__moderator", "appellant", "decided_by")
    if status in AppealStatus.values:
        appeals = appeals.filter(status=status)
    return Paginator(appeals.order_by("created_at", "id"), QUEUE_PER_PAGE).get_page(page)


def takedowns_page(*, status: str = "open", page: Any = 1) -> Page:
    requests = TakedownRequest.objects.select_related("decided_by")
    if status:
        requests = requests.filter(status=status)
    return Paginator(requests.order_by("-created_at", "-id"), QUEUE_PER_PAGE).get_page(page)


def takedown_actions(*, takedown: TakedownRequest) -> list[Action]:
    return list(
        Action.objects.filter(details__takedown=takedown.pk).select_related("moderator").order_by("created_at", "id")
    )


def spam_metrics() -> dict[str, Any] | None:
    """The newest active spam model's held-out metrics (as ``train_spam`` stored them)."""
    model = SpamModel.objects.filter(is_active=True).order_by("-created_at", "-id").defer("weights").first()
    if model is None:
        return None
    m = model.metrics if isinstance(model.metrics, dict) else {}

    def pct(key: str) -> str:
        value = m.get(key)
        return f"{value * 100:.0f}%" if isinstance(value, int | float) else "—"

    return {
        "model": model,
        "precision": pct("precision"),
        "recall": pct("recall"),
        "f1": pct("f1"),
        "n_train": m.get("n_train"),
        "n_test": m.get("n_test"),
    }

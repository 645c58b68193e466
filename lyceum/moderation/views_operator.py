"""Staff pages under ``/operator/moderation/``: the queue and its cases (moderators and operators),
the moderation log, appeals, lifting sanctions; the rules editor and copyright takedowns
(operators only)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lyceum.accounts.decorators import role_required
from lyceum.core.errors import ApplicationError, NotFound, ValidationFailed
from lyceum.core.forms import form_add_application_error

from .forms import AppealDecisionForm, DecisionForm, LiftForm, RulesForm, TakedownStepForm, TakedownTargetForm
from .models import ActionKind, AppealStatus, CaseSource, CaseStatus, TakedownRequest, TakedownStatus, TargetKind
from .selectors import rules_in_force
from .selectors_queue import (
    active_sanctions,
    appeals_page,
    case_history,
    case_row,
    clean_queue_filters,
    log_moderators,
    log_page,
    member_history,
    queue_counts,
    queue_page,
    spam_metrics,
    takedown_actions,
    takedowns_page,
)
from .services import appeals, cases, rules, takedowns
from .services.common import target_snapshot
from .targets import EDITABLE, target_get

staff_only = role_required("moderator", "operator")
operator_only = role_required("operator")


def _int_or_none(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 19 else None


# --- the queue -----------------------------------------------------------------------------------


@staff_only
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    filters = clean_queue_filters(
        source=request.GET.get("source", ""), kind=request.GET.get("kind", ""), held=request.GET.get("held", "")
    )
    page, rows = queue_page(**filters, page=request.GET.get("page"))
    return render(
        request,
        "moderation/queue.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "counts": queue_counts(),
            "sources": CaseSource.choices,
            "kinds": TargetKind.choices,
            "spam": spam_metrics(),
            "query": urlencode({k: v for k, v in filters.items() if v}),
        },
    )


def _case_context(pk: int, form: DecisionForm | None = None) -> dict[str, object]:
    row = case_row(case_id=pk)
    if row is None:
        raise Http404
    author_id = row.case.author_id
    initial: dict[str, object] = {}
    if row.target is not None and row.case.target_kind in EDITABLE:
        initial = {"title": row.target.title, "body": row.target.text}
    return {
        "row": row,
        "history": case_history(case=row.case),
        "member_history": member_history(user_id=author_id) if author_id else [],
        "sanctions": active_sanctions(user=row.case.author) if author_id else [],
        "form": form or DecisionForm(initial=initial),
        "editable": row.case.target_kind in EDITABLE,
        "changed_since": row.target is not None and target_snapshot(row.target) != row.case.text,
        "is_open": row.case.status == CaseStatus.OPEN,
        "content_decisions": [(k, ActionKind(k).label) for k in cases.CONTENT_DECISIONS if k != ActionKind.EDIT],
    }


@staff_only
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "moderation/case_detail.html", _case_context(pk))


@staff_only
@require_POST
def case_decide(request: HttpRequest, pk: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            cases.case_decide(
                actor=request.user, case=pk, decision=data["decision"], reason=data["reason"],
                title=data["title"], body=data["body"], mute_days=data["mute_days"], ban_until=data["ban_until"],
            )  # fmt: skip
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("Done: %(what)s.") % {"what": ActionKind(data["decision"]).label})
            if data["decision"] in cases.SANCTION_DECISIONS:
                return redirect("moderation:case", pk=pk)
            return redirect("moderation:queue")
    context = _case_context(pk, form)
    return render(request, "moderation/case_detail.html", context, status=422)


@staff_only
@require_POST
def sanction_lift(request: HttpRequest, pk: int) -> HttpResponse:
    form = LiftForm(request.POST)
    back = request.POST.get("case", "")
    target = reverse("moderation:case", args=[back]) if back.isdigit() else reverse("moderation:log")
    if not form.is_valid():
        messages.error(request, _("Give a reason: the member reads it."))
        return redirect(target)
    try:
        cases.sanction_lift(actor=request.user, sanction=pk, reason=form.cleaned_data["reason"])
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The sanction was lifted."))
    return redirect(target)


# --- the moderation log ----------------------------------------------------------------------------


@staff_only
@require_GET
def log(request: HttpRequest) -> HttpResponse:
    moderator_id = _int_or_none(request.GET.get("moderator", ""))
    member_id = _int_or_none(request.GET.get("member", ""))
    kind = request.GET.get("kind", "")
    kind = kind if kind in ActionKind.values else ""
    page = log_page(moderator_id=moderator_id, member_id=member_id, kind=kind, page=request.GET.get("page"))
    return render(
        request,
        "moderation/log.html",
        {
            "page": page,
            "moderators": log_moderators(),
            "kinds": ActionKind.choices,
            "filters": {"moderator": moderator_id, "member": member_id, "kind": kind},
            "query": urlencode(
                {k: v for k, v in (("moderator", moderator_id), ("member", member_id), ("kind", kind)) if v}
            ),
        },
    )


# --- appeals ---------------------------------------------------------------------------------------


@staff_only
@require_GET
def appeal_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", AppealStatus.OPEN)
    status = status if status in AppealStatus.values else AppealStatus.OPEN
    page = appeals_page(status=status, page=request.GET.get("page"))
    return render(
        request,
        "moderation/appeals.html",
        {
            "page": page,
            "status": status,
            "statuses": AppealStatus.choices,
            "form": AppealDecisionForm(),
            "query": urlencode({"status": status}),
        },
    )


@staff_only
@require_POST
def appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    form = AppealDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return redirect("moderation:appeals")
    try:
        appeals.appeal_decide(
            actor=request.user, appeal=pk, upheld=form.cleaned_data["decision"] == AppealStatus.UPHELD,
            note=form.cleaned_data["note"],
        )  # fmt: skip
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The appeal was decided and the member told."))
    return redirect("moderation:appeals")


# --- the rules (operators) ------------------------------------------------------------------------


@operator_only
@require_http_methods(["GET", "POST"])
def rules_edit(request: HttpRequest) -> HttpResponse:
    current = rules_in_force()
    initial = {"body_en": current.body_en, "body_zh": current.body_zh} if current else {}
    form = RulesForm(request.POST or None, initial=initial)
    preview: dict[str, str] | None = None
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "preview" in request.POST:
            preview = {
                "en": rules.rules_preview(body=data["body_en"]),
                "zh": rules.rules_preview(body=data["body_zh"]),
            }
        else:
            try:
                published = rules.rules_publish(actor=request.user, **data)
            except ApplicationError as exc:
                form_add_application_error(form, exc)
                status = 422
            else:
                messages.success(request, _("Version %(v)d of the rules is in force.") % {"v": published.version})
                return redirect("moderation:rules-edit")
    elif request.method == "POST":
        status = 422
    return render(
        request, "moderation/rules_edit.html", {"form": form, "current": current, "preview": preview}, status=status
    )


# --- copyright takedowns (operators) ---------------------------------------------------------------


@operator_only
@require_GET
def takedown_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", TakedownStatus.OPEN)
    status = status if status in TakedownStatus.values else TakedownStatus.OPEN
    page = takedowns_page(status=status, page=request.GET.get("page"))
    return render(
        request,
        "moderation/takedowns.html",
        {"page": page, "status": status, "statuses": TakedownStatus.choices, "query": urlencode({"status": status})},
    )


def _takedown_or_404(pk: int) -> TakedownRequest:
    found = TakedownRequest.objects.select_related("decided_by", "submitted_by").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@operator_only
@require_GET
def takedown_detail(request: HttpRequest, pk: int) -> HttpResponse:
    request_ = _takedown_or_404(pk)
    target = None
    if request_.target_kind and request_.target_id:
        try:
            target = target_get(kind=request_.target_kind, target_id=request_.target_id)
        except NotFound:
            target = None
    return render(
        request,
        "moderation/takedown_detail.html",
        {
            "takedown": request_,
            "target": target,
            "actions": takedown_actions(takedown=request_),
            "target_form": TakedownTargetForm(
                initial={"target_kind": request_.target_kind, "target_id": request_.target_id}
            ),
            "step_form": TakedownStepForm(),
            "is_open": request_.status == TakedownStatus.OPEN,
        },
    )


@operator_only
@require_POST
def takedown_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    _takedown_or_404(pk)
    try:
        if step == "target":
            target_form = TakedownTargetForm(request.POST)
            if not target_form.is_valid():
                raise ValidationFailed(_("Choose a kind and give the number of the item."))
            takedowns.takedown_set_target(
                actor=request.user, takedown=pk, kind=target_form.cleaned_data["target_kind"],
                target_id=target_form.cleaned_data["target_id"],
            )  # fmt: skip
            messages.success(request, _("The complaint now points at this item."))
        else:
            step_form = TakedownStepForm(request.POST)
            if not step_form.is_valid():
                raise ValidationFailed(_("Give a reason: the member reads it."))
            note = step_form.cleaned_data["note"]
            if step == "withdraw":
                takedowns.takedown_withdraw(actor=request.user, takedown=pk, reason=note)
                messages.success(request, _("Taken down pending review."))
            elif step in ("uphold", "reject"):
                takedowns.takedown_decide(actor=request.user, takedown=pk, upheld=step == "uphold", note=note)
                messages.success(request, _("The complaint was decided."))
            else:
                raise Http404
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("moderation:takedown", pk=pk)
